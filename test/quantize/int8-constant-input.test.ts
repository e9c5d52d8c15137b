// A weighted op whose data input is a constant too big to fold (RAFT-Stereo's conv over a constant coordinate map):
// int8 keeps it float32 instead of failing on the constant's missing activation range ("Cannot read properties of
// undefined (reading 'scale')" from quantizeInt8).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';

test('int8 of a conv over a constant too big to fold: the conv stays float32, the rest int8, LiteRT runs it', async () => {
  const [C, H, W] = [2, 1024, 520]; // 1,064,960 elements: over constant folding's 1 << 20
  const n = C * H * W;
  const model = buildModel({
    inputs: [['x', 'float32', [1, C, H, W]]], outputs: ['y'], opset: 13,
    nodes: [node('Conv', ['grid', 'wg'], ['g']), node('Conv', ['x', 'wx'], ['c']), node('Add', ['c', 'g'], ['s']), node('Relu', ['s'], ['y'])],
    initializers: [
      tensor('grid', 'float32', [1, C, H, W], Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.001))),
      tensor('wg', 'float32', [C, C, 1, 1], [0.5, -0.25, 0.75, 1]),
      tensor('wx', 'float32', [C, C, 1, 1], [1, 0.5, -0.5, 0.25]),
    ],
  });
  const { result, summary } = await quantizeModelBytes(encodeModel(model), 'const-input.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
  const sg = result.model.subgraphs[0];
  const convs = sg.operators.filter((op) => op.opcode === 'CONV_2D');
  assert.equal(convs.length, 2);
  const types = convs.map((op) => sg.tensors[op.inputs[0]].type).sort();
  assert.deepEqual(types, ['FLOAT32', 'INT8']);
  assert.ok((summary.cosine ?? 0) > 0.99, `cosine ${summary.cosine}`);
});
