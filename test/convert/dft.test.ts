// DFT and STFT → FULLY_CONNECTED with the transform as a constant matrix match onnxruntime on LiteRT: one-sided with a
// dft_length that zero-pads, and a truncating inverse on complex input along a middle axis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { runOnnx } from '../../src/runtime/ort';
import { toNumbers } from '../../src/ir/tensor';
import type { AttrInput } from '../../src/onnx/builder';

const CASES: { name: string; X: number[]; len: number; attrs: Record<string, AttrInput> }[] = [
  { name: 'one-sided, dft_length 12 > 10 (zero-padded)', X: [2, 10, 1], len: 12, attrs: { axis: 1, onesided: 1 } },
  { name: 'inverse on complex input along axis 1 of 3, dft_length 6 < 8 (truncated)', X: [3, 8, 4, 2], len: 6, attrs: { axis: 1, inverse: 1 } },
];

for (const c of CASES) {
  test(`DFT ${c.name} matches onnxruntime`, async () => {
    const model = buildModel({
      inputs: [['x', 'float32', c.X]], outputs: ['y'], opset: 17,
      nodes: [node('DFT', ['x', 'len'], ['y'], c.attrs)], initializers: [tensor('len', 'int64', [], [c.len])],
    });
    const n = c.X.reduce((a, b) => a * b, 1);
    const x = tensor('x', 'float32', c.X, Array.from({ length: n }, (_, i) => Math.sin(i * 1.3) + Math.cos(i * 0.4)));
    const want = (await runOnnx(encodeModel(model), [x])).get('y')!;
    const lite = await openConverted(serializeTflite(convertModel(model).model));
    try {
      const got = (await lite.run([x])).get('y')!;
      assert.deepEqual(got.dims, want.dims);
      const a = toNumbers(want);
      const b = toNumbers(got);
      a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 1e-4 + 1e-4 * Math.abs(v), `y[${i}]: ${b[i]} vs ${v}`));
    } finally {
      lite.close();
    }
  });
}

test('STFT with a constant frame step, a window and one-sided output matches onnxruntime (and two-sided without a window)', async () => {
  const X = [2, 64, 1];
  const x = tensor('signal', 'float32', X, Array.from({ length: 128 }, (_, i) => Math.sin(i * 0.9) + 0.3 * Math.cos(i * 2.1)));
  const hann = Array.from({ length: 16 }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / 16));
  const models = [
    buildModel({ inputs: [['signal', 'float32', X]], outputs: ['y'], opset: 17, nodes: [node('STFT', ['signal', 'step', 'win'], ['y'])],
      initializers: [tensor('step', 'int64', [], [8]), tensor('win', 'float32', [16], hann)] }),
    buildModel({ inputs: [['signal', 'float32', X]], outputs: ['y'], opset: 17,
      nodes: [node('STFT', ['signal', 'step', '', 'len'], ['y'], { onesided: 0 })],
      initializers: [tensor('step', 'int64', [], [5]), tensor('len', 'int64', [], [12])] }),
  ];
  for (const model of models) {
    const want = (await runOnnx(encodeModel(model), [x])).get('y')!;
    const r = convertModel(model);
    assert.ok(r.opHistogram.FULLY_CONNECTED);
    const lite = await openConverted(serializeTflite(r.model));
    try {
      const got = (await lite.run([x])).get('y')!;
      assert.deepEqual(got.dims, want.dims);
      const a = toNumbers(want);
      const b = toNumbers(got);
      a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 1e-4 + 1e-4 * Math.abs(v), `y[${i}]: ${b[i]} vs ${v}`));
    } finally {
      lite.close();
    }
  }
});
