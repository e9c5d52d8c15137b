// A quantize's clamped float → 8-bit CAST → float CAST (QDQ pairs, QOperator ops) reads the clamped float directly
// (src/convert/fuse-casts.ts); a CAST pair on values that are not clamped integers (ONNX Cast float → uint8 → float,
// which truncates and wraps) stays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { encodeModel } from '../../src/onnx/writer';
import { decodeModel } from '../../src/onnx/reader';
import { buildModel, node } from '../../src/onnx/builder';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { makeTensor, toNumbers } from '../../src/ir/tensor';
import { qoperatorCnn } from '../helpers/ort-qoperator';

test('QOperator CNN: no CAST to 8 bits is read back by a CAST to float; outputs unchanged', async () => {
  const m = await qoperatorCnn();
  const bytes = encodeModel(m.model);
  const r = convertModel(decodeModel(bytes));
  const sg = r.model.subgraphs[0];
  const prod = new Map<number, (typeof sg.operators)[number]>();
  for (const op of sg.operators) for (const o of op.outputs) prod.set(o, op);
  // (A CAST pair around MAX_POOL_2D's float max of integers stays: only a quantize's clamp is recognized.)
  const pairs = sg.operators.filter((op) => op.opcode === 'CAST' && sg.tensors[op.outputs[0]].type === 'FLOAT32'
    && prod.get(op.inputs[0])?.opcode === 'CAST' && prod.get(prod.get(op.inputs[0])!.inputs[0])?.opcode === 'MINIMUM');
  assert.equal(pairs.length, 0, JSON.stringify(r.opHistogram));
  assert.ok(r.opHistogram.CAST <= 34, `CAST ${r.opHistogram.CAST} (56 before)`);
  const ref = toNumbers((await runOnnx(bytes, [m.input])).get('y')!);
  const s = await openConverted(serializeTflite(r.model));
  try {
    const got = toNumbers((await s.run([m.input])).get('y')!);
    assert.deepEqual(got, ref);
  } finally {
    s.close();
  }
});

test('a plain Cast float → uint8 → float keeps both CASTs', async () => {
  const model = buildModel({
    opset: 13, inputs: [['x', 'float32', [8]]], outputs: [['y', 'float32', [8]]],
    nodes: [node('Cast', ['x'], ['u'], { to: 2 }), node('Cast', ['u'], ['y'], { to: 1 })],
  });
  const bytes = encodeModel(model);
  const r = convertModel(decodeModel(bytes));
  assert.equal(r.opHistogram.CAST, 2, JSON.stringify(r.opHistogram));
  const x = makeTensor('x', 'float32', [8], Float32Array.from([0, 1.7, 2.2, 17.9, 100.5, 200.25, 254.9, 3]));
  const ref = toNumbers((await runOnnx(bytes, [x])).get('y')!);
  const s = await openConverted(serializeTflite(r.model));
  try {
    assert.deepEqual(toNumbers((await s.run([x])).get('y')!), ref);
  } finally {
    s.close();
  }
});
