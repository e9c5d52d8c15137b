// A graph output stored in an order that is neither ONNX nor channel-last is moved to ONNX order when the outputs are
// written (subgraph.ts outputTensor). That TRANSPOSE had no ONNX node (Spleeter's stems: sigmoid masks from a conv,
// stacked per stem into [S, B, C, T, F] and stored [S, B, T, F, C]), so the accuracy diff and the graph view could not
// place it; it now names the node that produced the output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';
import type { Model } from '../../src/ir/types';

function stackedMasks(): Model {
  return buildModel({
    inputs: [['x', 'float32', [1, 2, 6, 8]]], outputs: ['stems'], opset: 13,
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['m1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), node('Sigmoid', ['m1'], ['s1']),
      node('Conv', ['x', 'w2', 'b2'], ['m2'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), node('Sigmoid', ['m2'], ['s2']),
      node('Unsqueeze', ['s1', 'ax0'], ['u1']), node('Unsqueeze', ['s2', 'ax0'], ['u2']),
      node('Concat', ['u1', 'u2'], ['stack'], { axis: 0 }),
      node('Unsqueeze', ['x', 'ax0'], ['xu']),
      node('Mul', ['stack', 'xu'], ['stems'], {}, 'mask_mix'),
    ],
    initializers: [
      tensor('w1', 'float32', [2, 2, 3, 3], waveValues(36, 1)), tensor('b1', 'float32', [2], [0.1, -0.2]),
      tensor('w2', 'float32', [2, 2, 3, 3], waveValues(36, 2)), tensor('b2', 'float32', [2], [0.3, 0.05]),
      tensor('ax0', 'int64', [1], [0]),
    ],
  });
}

test('the move of an output stored in neither ONNX nor channel-last order names the node that made the output', async () => {
  const m = await matchBuilt(stackedMasks(), 'stacked-masks', 1, 1e-5);
  const ops = m.result.model.subgraphs[0].operators;
  const moves = ops.filter((op) => op.opcode === 'TRANSPOSE');
  assert.ok(moves.length >= 1, JSON.stringify(m.result.opHistogram));
  assert.deepEqual(ops.filter((op) => !op.onnxNode).map((op) => op.opcode), []);
  assert.equal(moves[moves.length - 1].onnxNode, 'mask_mix');
});
