// Sparse R-CNN's first stage pools constant proposal boxes: its multi-scale RoI pooler's level scatters (a row
// scatter per FPN level into one zeros canvas, _scatter_rows.ts) get no rows on the levels no box falls on. Those
// empty ScatterElements took the element-wise scatter in ONNX order, so the one level with rows (run channel-last, its
// RoIAlign output's order) moved the canvas channel-last and the next empty level moved it back (sparse_rcnn_op16
// 4 → 2 TRANSPOSE). A scatter without updates is now its data, as stored (ops/ScatterElements.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const N = 10, P = 4, C = 3, H = 5, W = 5;

test('level scatters into one canvas, the first and last with no rows: the canvas stays channel-last, 2 TRANSPOSE → 0', async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [P, 2, H, W]], ['score', 'float32', [1, N]]], outputs: ['y'], opset: 16,
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['upd'], { pads: [1, 1, 1, 1] }),
      node('TopK', ['score', 'k'], ['top', 'idx'], { axis: 1 }),
      node('Reshape', ['idx', 'col'], ['idx1']), node('Expand', ['idx1', 'full'], ['idx2']),
      node('Slice', ['idx2', 'zero', 'zero', 'zero'], ['idx_none']), node('Slice', ['upd', 'zero', 'zero', 'zero'], ['upd_none']),
      node('ScatterElements', ['canvas', 'idx_none', 'upd_none'], ['s0'], { axis: 0 }),
      node('ScatterElements', ['s0', 'idx2', 'upd'], ['s1'], { axis: 0 }),
      node('ScatterElements', ['s1', 'idx_none', 'upd_none'], ['s2'], { axis: 0 }),
      node('Conv', ['s2', 'w2', 'b2'], ['y']),
    ],
    initializers: [
      tensor('w1', 'float32', [C, 2, 3, 3], waveValues(C * 18, 1)), tensor('b1', 'float32', [C], waveValues(C, 2)),
      tensor('k', 'int64', [1], [P]), tensor('col', 'int64', [4], [P, 1, 1, 1]), tensor('full', 'int64', [4], [P, C, H, W]),
      tensor('zero', 'int64', [1], [0]), tensor('canvas', 'float32', [N, C, H, W], new Array(N * C * H * W).fill(0)),
      tensor('w2', 'float32', [2, C, 1, 1], waveValues(2 * C, 3)), tensor('b2', 'float32', [2], [0.1, -0.1]),
    ],
  });
  const m = await matchBuilt(model, 'scatter-empty-level', 61);
  assert.equal(m.result.transposeCount, 0);
});
