// DFT → FULLY_CONNECTED with the transform as a constant matrix matches onnxruntime on LiteRT: one-sided with a
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

const CASES = [
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
