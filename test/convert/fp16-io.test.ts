// Models float16 throughout, inputs and outputs too (onnxconverter-common's convert_float_to_float16 without
// keep_io_types; scripts/export/variants.py `fp16`): they were refused at their first Conv ("Conv on float16 is not
// supported"). Now the float16 inputs and outputs stay float16 (a CAST at each), the compute is float32 with the
// weights kept float16, and the self-check feeds onnxruntime float16 inputs (it fed float32, which onnxruntime refuses).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { verifyOnLiteRt } from '../../src/core/verify';
import { rng } from '../quantize/helpers';

function halfCnn(): Uint8Array {
  const r = rng(21);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  return encodeModel(buildModel({
    opset: 17, inputs: [['x', 'float16', [1, 3, 8, 8]]], outputs: [['y', 'float16', [1, 4, 4, 4]], ['p', 'float16', [1, 4]]],
    initializers: [tensor('w1', 'float16', [6, 3, 3, 3], w(162, 1)), tensor('b1', 'float16', [6], w(6, 0.5)),
      tensor('w2', 'float16', [4, 6, 1, 1], w(24, 1)), tensor('b2', 'float16', [4], w(4, 0.5)),
      tensor('half', 'float16', [], [0.5])],
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c1'], { pads: [1, 1, 1, 1], strides: [2, 2] }, 'conv1'), node('Relu', ['c1'], ['r1']),
      node('Conv', ['r1', 'w2', 'b2'], ['c2'], {}, 'conv2'), node('Mul', ['c2', 'half'], ['y']),
      node('GlobalAveragePool', ['y'], ['g']), node('Flatten', ['g'], ['p'], { axis: 1 }),
    ],
  }));
}

test('a float16 model with float16 inputs and outputs converts: CAST in and out, float16 weights, no TRANSPOSE', () => {
  const c = convertModel(decodeModel(halfCnn()));
  const sg = c.model.subgraphs[0];
  assert.equal(c.opHistogram.CONV_2D, 2, JSON.stringify(c.opHistogram));
  assert.equal(c.transposeCount, 0);
  assert.deepEqual(sg.inputs.map((i) => sg.tensors[i].type), ['FLOAT16']);
  assert.deepEqual(sg.outputs.map((i) => sg.tensors[i].type), ['FLOAT16', 'FLOAT16']);
  assert.equal(c.opHistogram.CAST, 3, 'one CAST after the input, one before each output');
  assert.equal(sg.tensors.filter((t) => t.type === 'FLOAT16' && t.data).length, 4, 'conv weights and biases stay float16');
});

test('the self-check feeds a float16 input as float16 to onnxruntime and matches', async () => {
  const bytes = halfCnn();
  const c = convertModel(decodeModel(bytes));
  const notes: string[] = [];
  const v = await verifyOnLiteRt(bytes, serializeTflite(c.model), notes);
  assert.ok(v.maxRel !== undefined && v.maxRel !== null, `not compared: ${notes.join('; ')}`);
  // Both sides' outputs are float16: onnxruntime computes each op in float32 between its casts, as LiteRT does.
  assert.ok((v.maxRel as number) < 2e-3, `max rel ${v.maxRel}`);
});
