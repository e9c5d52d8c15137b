// MaxUnpool → SCATTER_ND on LiteRT matches onnxruntime after a MaxPool with indices, overlapping windows included
// (two windows that pick the same maximum give the same index twice: it must hold the value once, not twice).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { runOnnx } from '../../src/runtime/ort';
import { toNumbers } from '../../src/ir/tensor';

test('MaxUnpool after an overlapping MaxPool (kernel 3, stride 2) matches onnxruntime', async () => {
  const X = [1, 2, 7, 7];
  const model = buildModel({
    inputs: [['x', 'float32', X]], outputs: ['y'], opset: 11,
    nodes: [
      node('MaxPool', ['x'], ['p', 'i'], { kernel_shape: [3, 3], strides: [2, 2] }),
      node('MaxUnpool', ['p', 'i'], ['y'], { kernel_shape: [3, 3], strides: [2, 2] }),
    ],
  });
  const x = tensor('x', 'float32', X, Array.from({ length: 98 }, (_, i) => Math.sin(i * 0.7) * 3));
  const want = toNumbers((await runOnnx(encodeModel(model), [x])).get('y')!);
  const r = convertModel(model);
  assert.ok(r.opHistogram.SCATTER_ND, 'no SCATTER_ND');
  const lite = await openConverted(serializeTflite(r.model));
  try {
    const got = toNumbers((await lite.run([x])).get('y')!);
    assert.equal(got.length, want.length);
    // Some window maxima are shared (else the test would not see the duplicate indices).
    assert.ok(want.filter((v) => v !== 0).length < 2 * 9, 'no two windows share a maximum');
    want.forEach((v, i) => assert.ok(Math.abs(v - got[i]) <= 1e-6, `y[${i}]: ${got[i]} vs ${v}`));
  } finally {
    lite.close();
  }
});
