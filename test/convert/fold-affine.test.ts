// Paddle-style exports: Conv → Mul/Add by constants ("learnable affine blocks"), x·Clip(x+3, 0, 6)/6, Div by a
// constant. They convert to one CONV_2D per conv (scales and shifts folded, exactly), one HARD_SWISH and a MUL,
// and the converted model matches onnxruntime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { rng } from '../quantize/helpers';

function paddleBlock(pads: number[]): Uint8Array {
  const r = rng(3);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  const k = pads[0] ? 3 : 1;
  return encodeModel(buildModel({
    opset: 11,
    inputs: [['x', 'float32', [1, 4, 6, 6]]], outputs: [['y', 'float32', [1, 6, 6, 6]]],
    initializers: [
      tensor('w1', 'float32', [8, 4, 3, 3], w(288, 1)), tensor('b1', 'float32', [8], w(8, 0.5)),
      tensor('s1', 'float32', [1], [1.7]), tensor('t1', 'float32', [1], [-0.3]),
      tensor('three', 'float32', [], [3]), tensor('zero', 'float32', [], [0]), tensor('six', 'float32', [], [6]),
      tensor('s2', 'float32', [1], [0.8]), tensor('t2', 'float32', [1], [0.25]),
      tensor('w2', 'float32', [6, 8, k, k], w(48 * k * k, 1)), tensor('b2', 'float32', [6], w(6, 0.5)),
      tensor('ch', 'float32', [1, 6, 1, 1], [1.5, 0.5, 2, 1, 0.25, 3]), tensor('d', 'float32', [], [2.5]),
    ],
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c1'], { pads: [1, 1, 1, 1] }), node('Mul', ['s1', 'c1'], ['m1']), node('Add', ['m1', 't1'], ['a1']),
      node('Add', ['a1', 'three'], ['p3']), node('Clip', ['p3', 'zero', 'six'], ['cl']), node('Mul', ['a1', 'cl'], ['hm']),
      node('Div', ['hm', 'six'], ['hs']),
      node('Mul', ['s2', 'hs'], ['m2']), node('Add', ['m2', 't2'], ['a2']),
      node('Conv', ['a2', 'w2', 'b2'], ['c2'], { pads }), node('Mul', ['c2', 'ch'], ['m3']), node('Div', ['m3', 'd'], ['y']),
    ],
  }));
}

for (const pads of [[0, 0, 0, 0], [1, 1, 1, 1]]) {
  test(`Paddle block (second conv ${pads[0] ? 'padded' : 'unpadded'}): folded ops, HARD_SWISH, no DIV; matches onnxruntime`, async () => {
    const bytes = paddleBlock(pads);
    const r = convertModel(decodeModel(bytes));
    const h = r.opHistogram;
    assert.equal(h.CONV_2D, 2, JSON.stringify(h));
    assert.equal(h.HARD_SWISH, 1, JSON.stringify(h));
    assert.equal(h.DIV ?? 0, 0, JSON.stringify(h));
    // Unpadded: the scale / shift before the second conv folds into it too; padded, it stays (MUL + ADD).
    assert.equal((h.MUL ?? 0) + (h.ADD ?? 0), pads[0] ? 3 : 1, JSON.stringify(h));
    const x = { name: 'x', dtype: 'float32' as const, dims: [1, 4, 6, 6], data: Float32Array.from({ length: 144 }, rng(9)) };
    const ref = (await runOnnx(bytes, [x])).get('y')!.data as Float32Array;
    const s = await openConverted(serializeTflite(r.model));
    try {
      const got = (await s.run([x])).get('y')!.data as Float32Array;
      let worst = 0;
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]) / (1 + Math.abs(ref[i])));
      assert.ok(worst < 1e-5, `max relative difference ${worst}`);
    } finally {
      s.close();
    }
  });
}

test('paddle2onnx ConvTranspose with its bias as a separate Add (PP-OCR\'s detector head): one TRANSPOSE_CONV, no ADD; matches onnxruntime', async () => {
  const r = rng(5);
  const w = (n: number) => Array.from({ length: n }, () => r() - 0.5);
  const bytes = encodeModel(buildModel({
    opset: 11,
    inputs: [['x', 'float32', [1, 4, 5, 5]]], outputs: [['y', 'float32', [1, 3, 10, 10]]],
    initializers: [tensor('w', 'float32', [4, 3, 2, 2], w(48)), tensor('b', 'float32', [1, 3, 1, 1], [0.5, -0.25, 1])],
    nodes: [node('ConvTranspose', ['x', 'w'], ['ct'], { kernel_shape: [2, 2], strides: [2, 2] }), node('Add', ['ct', 'b'], ['a']), node('Sigmoid', ['a'], ['y'])],
  }));
  const conv = convertModel(decodeModel(bytes));
  assert.equal(conv.opHistogram.ADD, undefined, JSON.stringify(conv.opHistogram));
  assert.equal(conv.opHistogram.TRANSPOSE_CONV, 1);
  const x = { name: 'x', dtype: 'float32' as const, dims: [1, 4, 5, 5], data: Float32Array.from({ length: 100 }, rng(2)) };
  const ref = (await runOnnx(bytes, [x])).get('y')!.data as Float32Array;
  const s = await openConverted(serializeTflite(conv.model));
  try {
    const got = (await s.run([x])).get('y')!.data as Float32Array;
    ref.forEach((v, i) => assert.ok(Math.abs(got[i] - v) < 1e-6, `y[${i}] ${got[i]} vs ${v}`));
  } finally {
    s.close();
  }
});
