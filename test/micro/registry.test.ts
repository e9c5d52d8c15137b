// One source of truth: the op registry's `micro` flag (src/convert/ops/*.ts, the compatibility view) must agree with
// src/micro/ops.ts, the table `onnx2lite micro` builds resolvers from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OPS } from '../../src/convert/ops/index';
import { MICRO_OPS } from '../../src/micro/ops';

/** Ops a `micro` converter emits only in a corner case TFLM lacks (`onnx2lite micro` refuses the model then). */
const CORNER_CASES: Record<string, string[]> = {
  Clip: ['RELU_N1_TO_1'], // only Clip(-1, 1); the usual bounds become RELU / RELU6 / MINIMUM / MAXIMUM
};

test('every ONNX op marked micro emits only ops TFLite Micro has kernels for', () => {
  const bad: string[] = [];
  for (const c of OPS) {
    if (!c.micro) continue;
    const missing = c.emits.filter((e) => !MICRO_OPS[e] && !(CORNER_CASES[c.op] ?? []).includes(e));
    if (missing.length) bad.push(`${c.op}: ${missing.join(', ')}`);
  }
  assert.deepEqual(bad, []);
  for (const [op, emits] of Object.entries(CORNER_CASES)) {
    const c = OPS.find((o) => o.op === op);
    assert.ok(c?.micro, `${op} is still marked micro`);
    for (const e of emits) assert.ok(c.emits.includes(e) && !MICRO_OPS[e], `${op} → ${e} is still a corner case`);
  }
});

test('the quantizer\'s edge ops are in the table', () => {
  for (const op of ['QUANTIZE', 'DEQUANTIZE']) assert.ok(MICRO_OPS[op], op);
});
