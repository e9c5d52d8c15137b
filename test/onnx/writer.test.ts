// The ONNX writer (src/onnx/writer.ts): attribute values the reader hands it come back as onnxruntime reads them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { decodeModel } from '../../src/onnx/reader';
import { openOnnx } from '../../src/runtime/ort';

// PyTorch below opset 10 writes an open-ended slice `x[..., 2:]` as Slice with ends = INT64_MAX (the Ultra-Light
// face detector's box decoding in faceplugin-face-recognition-js' fr_detect.onnx); the reader gives it as the number
// 2^63. Written back (int8 calibration hands onnxruntime a copy with extra outputs) it became INT64_MIN: an empty
// slice, and onnxruntime failed on the Mul after it ("Can broadcast 0 by 0 or 1").
test('an int64 attribute of INT64_MAX read as 2^63 is written as INT64_MAX, not INT64_MIN', async () => {
  const model = buildModel({
    opset: 9,
    inputs: [['x', 'float32', [1, 3, 4]]],
    outputs: ['y'],
    initializers: [tensor('w', 'float32', [3, 2], [1, 2, 3, 4, 5, 6])],
    nodes: [
      node('Slice', ['x'], ['s'], { axes: [2], starts: [2], ends: [2 ** 63] }),
      node('Mul', ['s', 'w'], ['y']),
    ],
  });
  const bytes = encodeModel(model);
  const ends = decodeModel(bytes).graph.nodes[0].attrs.get('ends')!.value as number[];
  assert.equal(ends[0], 2 ** 63);
  const ort = await openOnnx(bytes);
  try {
    const x = tensor('x', 'float32', [1, 3, 4], Array.from({ length: 12 }, (_, i) => i));
    const y = (await ort.run([x])).get('y')!;
    assert.deepEqual(y.dims, [1, 3, 2]);
    assert.deepEqual(Array.from(y.data as Float32Array), [2, 6, 18, 28, 50, 66]);
  } finally {
    await ort.close();
  }
});
