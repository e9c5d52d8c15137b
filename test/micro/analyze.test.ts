// The TFLite Micro checks and the arena estimate on hand-built models (exact liveness figures, each refusal as one
// ModelError line naming what TFLM lacks), and the one source of truth for TFLM's ops: the op registry's `micro` flag
// (src/convert/ops/*.ts, the compatibility view) must agree with src/micro/ops.ts, the table resolvers come from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelError } from '../../src/ir/types';
import { parseTflite } from '../../src/tflite/reader';
import { analyzeMicro } from '../../src/micro/analyze';
import { estimateArena } from '../../src/micro/arena';
import { MICRO_OPS } from '../../src/micro/ops';
import { allConverters } from '../../src/convert/registry';
import { chain, diamond, withCustomOp, withDynamicShape, withInt16Gather, withTwoSubgraphs, withUnsupportedOps } from './models';

const OPS = allConverters();

test('liveness: the peak is the activations alive at the same op, each 16-byte aligned', () => {
  // chain: x, y alive at MUL (256 + 256); y, z alive at RESHAPE; x is dead after MUL.
  assert.equal(estimateArena(parseTflite(chain()).subgraphs[0]).activationBytes, 512);
  // diamond: op 2 reads b and c and writes d; a died at op 1 → 48 + 80 + 128 = 256; op 1: a, b, c = 176.
  const e = estimateArena(parseTflite(diamond()).subgraphs[0]);
  assert.equal(e.activationBytes, 256);
  assert.equal(e.peakOp, 2);
  assert.ok(e.totalBytes > e.activationBytes && e.totalBytes % 16 === 0);
});

test('a float32 model passes with a note that microcontrollers want int8', () => {
  const a = analyzeMicro(parseTflite(chain()));
  assert.deepEqual(a.ops.map((o) => [o.op, o.method, o.count]), [['MUL', 'AddMul', 1], ['RESHAPE', 'AddReshape', 1]]);
  assert.equal(a.floatOps, 2);
  assert.match(a.notes.join('\n'), /--quantize int8/);
});

function refusal(bytes: Uint8Array): string {
  try {
    analyzeMicro(parseTflite(bytes));
  } catch (e) {
    assert.ok(e instanceof ModelError, String(e));
    assert.ok(!e.message.includes('\n'), 'one line');
    return e.message;
  }
  assert.fail('not refused');
}

test('refusals name what TFLite Micro lacks', () => {
  assert.match(refusal(withCustomOp()), /custom op\(s\) MyFancyOp/);
  assert.match(refusal(withDynamicShape()), /tensor "x" has a dynamic shape \[-1, 64\].*--input-shape/);
  assert.match(refusal(withUnsupportedOps()), /TFLite Micro has no kernel for RELU_N1_TO_1/);
  assert.match(refusal(withInt16Gather()), /GATHER with int16 activations: TFLite Micro has no 16x8 kernel.*--int16 off/);
  assert.match(refusal(withTwoSubgraphs()), /2 subgraphs but no IF\/WHILE\/CALL_ONCE/);
});

test('the table maps builtin names to TFLM resolver methods', () => {
  const expect: Record<string, string> = {
    CONV_2D: 'AddConv2D', DEPTHWISE_CONV_2D: 'AddDepthwiseConv2D', FULLY_CONNECTED: 'AddFullyConnected',
    AVERAGE_POOL_2D: 'AddAveragePool2D', MAX_POOL_2D: 'AddMaxPool2D', QUANTIZE: 'AddQuantize', DEQUANTIZE: 'AddDequantize',
    RESHAPE: 'AddReshape', SOFTMAX: 'AddSoftmax', HARD_SWISH: 'AddHardSwish', LOGISTIC: 'AddLogistic', MEAN: 'AddMean',
    PAD: 'AddPad', CONCATENATION: 'AddConcatenation',
  };
  for (const [op, m] of Object.entries(expect)) assert.equal(MICRO_OPS[op], m, op);
  for (const m of Object.values(MICRO_OPS)) assert.match(m, /^Add[A-Z][A-Za-z0-9]*$/);
  assert.equal(new Set(Object.values(MICRO_OPS)).size, Object.keys(MICRO_OPS).length, 'one method per op');
});

/** Ops a `micro` converter emits only in a corner case TFLM lacks (`onnx2lite micro` refuses the model then). */
const CORNER_CASES: Record<string, string[]> = {
  Clip: ['RELU_N1_TO_1'], // only Clip(-1, 1); the usual bounds become RELU / RELU6 / MINIMUM / MAXIMUM
  Conv: ['CONV_3D'], // only 3-D convolutions (rank-5 inputs)
  FusedConv: ['CONV_3D'], // onnxruntime's fused form of the same: only on rank-5 inputs
  ConvTranspose: ['CONV_3D_TRANSPOSE'],
  // Only with computed bounds, sizes or conditions: tensors sized at run time, which TFLM cannot run anyway.
  Range: ['RANGE'], Slice: ['SCATTER_ND'], Pad: ['RANGE'], Compress: ['WHERE'], Resize: ['RANGE'], Upsample: ['RANGE'],
  HannWindow: ['RANGE'], HammingWindow: ['RANGE'], BlackmanWindow: ['RANGE'],
  STFT: ['RANGE'], // a frame_step known only at run time: the frame count too
  ReduceMean: ['REDUCE_PROD'], // the element count of axes sized at run time (SUM / max(count, 1))
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
