// GatherND with batch_dims = 2 (each index row prefixed with its batch coordinates for TFLite's GATHER_ND, which
// has none) matches onnxruntime on LiteRT, negative indices included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { runOnnx } from '../../src/runtime/ort';
import { toNumbers } from '../../src/ir/tensor';

test('GatherND batch_dims=2 with computed, partly negative indices matches onnxruntime', async () => {
  const D = [2, 3, 4, 5, 6];
  const I = [2, 3, 4, 2];
  const model = buildModel({
    inputs: [['data', 'float32', D], ['idx', 'int64', I]], outputs: ['y'], opset: 13,
    nodes: [node('GatherND', ['data', 'idx'], ['y'], { batch_dims: 2 })],
  });
  const data = tensor('data', 'float32', D, Array.from({ length: 720 }, (_, i) => i * 0.5 - 7));
  const idx = tensor('idx', 'int64', I, Array.from({ length: 48 }, (_, i) => (i % 2 === 0 ? (i * 7) % 4 : ((i * 3) % 5) - 2)));
  const want = (await runOnnx(encodeModel(model), [data, idx])).get('y')!;
  const lite = await openConverted(serializeTflite(convertModel(model).model));
  try {
    const got = (await lite.run([data, idx])).get('y')!;
    assert.deepEqual(got.dims, want.dims);
    assert.deepEqual(Array.from(toNumbers(got)), Array.from(toNumbers(want)));
  } finally {
    lite.close();
  }
});
