// StereoNet's and ACVNet's soft argmin at opset 11: `F.softmax(cost, 1)` over the disparities of a cost volume that a
// 3-D conv filtered and `squeeze(1)` made [N, D, H, W] (stored in ONNX order: the 5-D map's channel was the unit
// axis). torch writes a softmax over a non-last axis before opset 13 as Transpose(0, 3, 2, 1) → Softmax(-1) →
// Transpose(0, 3, 2, 1). The softmax took its input in ONNX order with the axis moved last ([N, W, H, D]), so the
// disparity sum came out [N, W, H, 1] and moved again for the refinement conv. A softmax read only by the model's
// Transpose now keeps its other axes in the order they are stored ([N, H, W, D]), and the sum lands channel-last
// (src/convert/ops/_softmax.ts `storedOthers`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';

const D = 6, H = 5, W = 7;
const seq = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));

test('soft argmin over a squeezed 3-D conv volume at opset 11: 2 TRANSPOSE → 1', async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [1, 2, D, H, W]]], outputs: ['y'], opset: 11,
    nodes: [
      node('Conv', ['x', 'w3', 'b3'], ['c'], { kernel_shape: [3, 3, 3], pads: [1, 1, 1, 1, 1, 1] }),
      node('Squeeze', ['c'], ['s'], { axes: [1] }),
      node('Transpose', ['s'], ['t'], { perm: [0, 3, 2, 1] }),
      node('Softmax', ['t'], ['p'], { axis: 3 }),
      node('Transpose', ['p'], ['q'], { perm: [0, 3, 2, 1] }),
      node('Mul', ['q', 'disps'], ['m']),
      node('ReduceSum', ['m'], ['d'], { axes: [1], keepdims: 1 }),
      node('Conv', ['d', 'w2', 'b2'], ['y'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
    ],
    initializers: [
      tensor('w3', 'float32', [1, 2, 3, 3, 3], seq(54, (i) => Math.sin(i * 1.7) * 0.4)), tensor('b3', 'float32', [1], [0.1]),
      tensor('disps', 'float32', [1, D, 1, 1], seq(D, (i) => i)),
      tensor('w2', 'float32', [1, 1, 3, 3], seq(9, (i) => Math.cos(i * 0.9) * 0.3)), tensor('b2', 'float32', [1], [0.2]),
    ],
  });
  const m = await matchBuilt(model, 'softmax-stored-order', 61);
  assert.equal(m.result.transposeCount, 1);
});

test('the same softmax read by a Mul (no Transpose reader) keeps the ONNX order of the other axes', async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [1, D, H, W]]], outputs: ['y'], opset: 13,
    nodes: [node('Softmax', ['x'], ['p'], { axis: 1 }), node('Mul', ['p', 'disps'], ['y'])],
    initializers: [tensor('disps', 'float32', [1, D, 1, 1], seq(D, (i) => i))],
  });
  const m = await matchBuilt(model, 'softmax-onnx-order', 62);
  assert.ok(m.worst <= 1e-5);
});
