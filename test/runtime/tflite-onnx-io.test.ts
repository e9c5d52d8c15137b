// The ONNX-shaped LiteRT session (compare, deploy --reference, calibration and the tests feed converted models
// through it): inputs by ONNX name and layout, of every element type the converted model keeps, bool included
// (nn.MultiheadAttention's key_padding_mask is a bool input; it used to be fed as uint8, which LiteRT refuses).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { toNumbers } from '../../src/ir/tensor';

test('a bool model input (a key padding mask) is fed as bool and gives what onnxruntime gives', async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [2, 5]], ['pad', 'bool', [2, 5]]],
    outputs: ['y'],
    opset: 13,
    initializers: [tensor('ninf', 'float32', [], [-1e9])],
    nodes: [node('Where', ['pad', 'ninf', 'x'], ['s']), node('Softmax', ['s'], ['y'], { axis: -1 })],
  });
  const x = tensor('x', 'float32', [2, 5], [0.1, 0.5, -0.3, 2, 1, -1, 0, 0.25, 0.75, 1.5]);
  const pad = tensor('pad', 'bool', [2, 5], [0, 0, 1, 0, 1, 0, 1, 1, 0, 0]);
  const want = toNumbers((await runOnnx(encodeModel(model), [x, pad])).get('y')!);
  const lite = await openConverted(serializeTflite(convertModel(model).model));
  try {
    assert.equal(lite.session.inputs.find((i) => i.name.includes('pad'))?.dtype, 'bool');
    const got = toNumbers((await lite.run([x, pad])).get('y')!);
    assert.equal(got[2], 0);
    assert.equal(got[6], 0);
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-6, `y[${i}] ${v} vs ${want[i]}`));
  } finally {
    lite.close();
  }
});
