// LYT-Net's MultiHeadSelfAttention as tf2onnx writes Keras Dense layers (models from other exporters, s25-exp23): the
// map [1, H, W, C] flattened to rows [N, C], one MatMul [C, 3E] for q, k and v (tf2onnx's optimizer merges the three
// Tensordots of the same rows) and a Split of its last axis; each part viewed back [1, H, W, E], biased, viewed
// heads [1, N, h, d] and moved heads-first, k straight to kᵀ (its other move read only by a Shape that folds). The
// three moves are one head split once the biases are added to the packed rows and the rows are viewed [1, N, 3E]
// before the Split (`simplify-rows-heads.ts`): the split and the merge are what the products need.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const [H, W, C, h, d] = [4, 6, 8, 2, 4];
const [N, E] = [H * W, h * d];

function mhsa(withBias: boolean, opset = 13) {
  const part = (j: number, name: string) => [
    node('Reshape', [`p${j}`, 'map'], [`${name}m`]),
    ...(withBias ? [node('Add', [`${name}m`, `b${j}`], [`${name}b`])] : []),
    node('Reshape', [withBias ? `${name}b` : `${name}m`, 'heads'], [`${name}h`])];
  return buildModel({
    inputs: [['x', 'float32', [1, C, H, W]]], outputs: ['y'], opset,
    nodes: [
      node('Conv', ['x', 'wc', 'bc'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
      node('Relu', ['c'], ['cr']),
      node('Transpose', ['cr'], ['nhwc'], { perm: [0, 2, 3, 1] }),
      node('Reshape', ['nhwc', 'rows'], ['r']),
      node('MatMul', ['r', 'wqkv'], ['p']),
      // The sizes: an input from opset 13 on, an attribute before.
      opset >= 13 ? node('Split', ['p', 'sizes'], ['p0', 'p1', 'p2'], { axis: -1 }) : node('Split', ['p'], ['p0', 'p1', 'p2'], { axis: -1, split: [E, E, E] }),
      ...part(0, 'v'), ...part(1, 'k'), ...part(2, 'q'),
      node('Transpose', ['qh'], ['q'], { perm: [0, 2, 1, 3] }),
      node('Transpose', ['kh'], ['k4'], { perm: [0, 2, 1, 3] }),
      node('Shape', ['k4'], ['ks']),
      node('Gather', ['ks', 'last'], ['kd']),
      node('Cast', ['kd'], ['kdf'], { to: 1 }),
      node('Sqrt', ['kdf'], ['scale']),
      node('Transpose', ['kh'], ['kt'], { perm: [0, 2, 3, 1] }),
      node('Transpose', ['vh'], ['v'], { perm: [0, 2, 1, 3] }),
      node('MatMul', ['q', 'kt'], ['s']),
      node('Div', ['s', 'scale'], ['ss']),
      node('Softmax', ['ss'], ['a'], { axis: -1 }),
      node('MatMul', ['a', 'v'], ['o']),
      node('Transpose', ['o'], ['om'], { perm: [0, 2, 1, 3] }),
      node('Reshape', ['om', 'merged'], ['o3']),
      node('Reshape', ['o3', 'orows'], ['or']),
      node('MatMul', ['or', 'wo'], ['y']),
    ],
    initializers: [
      tensor('wc', 'float32', [C, C, 3, 3], waveValues(C * C * 9, 1).map((v) => v * 0.3)),
      tensor('bc', 'float32', [C], waveValues(C, 2)),
      tensor('rows', 'int64', [2], [-1, C]),
      tensor('wqkv', 'float32', [C, 3 * E], waveValues(C * 3 * E, 3)),
      ...(opset >= 13 ? [tensor('sizes', 'int64', [3], [E, E, E])] : []),
      tensor('map', 'int64', [4], [1, H, W, E]),
      tensor('heads', 'int64', [4], [1, -1, h, d]),
      ...(withBias ? [0, 1, 2].map((j) => tensor(`b${j}`, 'float32', [E], waveValues(E, 4 + j))) : []),
      tensor('last', 'int64', [], [3]),
      tensor('merged', 'int64', [3], [1, -1, E]),
      tensor('orows', 'int64', [2], [-1, E]),
      tensor('wo', 'float32', [E, E], waveValues(E * E, 8)),
    ],
  });
}

test('tf2onnx Dense rows split into q / k / v: one head split for the three, and the merge', async () => {
  const m = await matchBuilt(mhsa(true), 'rows-split-heads', 101);
  assert.equal(m.result.transposeCount, 2);
});

test('the same without the Dense biases', async () => {
  const m = await matchBuilt(mhsa(false), 'rows-split-heads-nobias', 102);
  assert.equal(m.result.transposeCount, 2);
});

test('the same at opset 11, the Split\'s sizes an attribute', async () => {
  const m = await matchBuilt(mhsa(true, 11), 'rows-split-heads-op11', 103);
  assert.equal(m.result.transposeCount, 2);
});
