// ST-GCN's spatial graph convolution (eighteenth sweep): a 1x1 conv to K·C channels viewed [n, K, C, T, V], then
// `einsum('nkctv,kvw->nctw', x, A)` with the constant partitioned adjacency A [K, V, W], then the temporal conv. The
// conv's output is stored channel-last, [n, T, V, K, C]: the einsum moved it to [n, T, C, V, K] for a
// FULLY_CONNECTED and its [n, T, C, W] product back for the next conv (2 TRANSPOSE a block; ST-GCN 14). The constant
// now goes on the left of a BATCH_MATMUL that reads x as stored, [n·T, V·K, C], and the product comes out
// [n, T, W, C], channel-last for the next conv: none (ST-GCN 14 -> 2, the model's own input permutes; HMR's SMPL
// 'bik,ji->bjk' joint regressions 4 -> 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const [C0, K, C, T, V] = [3, 3, 4, 8, 5];

function graphConv() {
  return buildModel({
    inputs: [['x', 'float32', [1, C0, T, V]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['g']),
      node('Reshape', ['g', 'shape'], ['g5']),
      node('Einsum', ['g5', 'A'], ['s'], { equation: 'nkctv,kvw->nctw' }),
      node('Relu', ['s'], ['r']),
      node('Conv', ['r', 'w2', 'b2'], ['y'], { pads: [1, 0, 1, 0] }),
    ],
    initializers: [
      tensor('w1', 'float32', [K * C, C0, 1, 1], waveValues(K * C * C0, 1)),
      tensor('b1', 'float32', [K * C], waveValues(K * C, 2)),
      tensor('shape', 'int64', [5], [1, K, C, T, V]),
      tensor('A', 'float32', [K, V, V], waveValues(K * V * V, 3).map((v) => v + 0.5)),
      tensor('w2', 'float32', [6, C, 3, 1], waveValues(6 * C * 3, 4)),
      tensor('b2', 'float32', [6], waveValues(6, 5)),
    ],
  });
}

test('a graph conv einsum with a constant adjacency on a conv output: left BATCH_MATMUL, no TRANSPOSE, matches onnxruntime', async () => {
  const m = await matchBuilt(graphConv(), 'einsum-graph-conv', 3);
  assert.equal(m.result.transposeCount, 0);
  assert.ok((m.result.opHistogram.BATCH_MATMUL ?? 0) === 1, JSON.stringify(m.result.opHistogram));
});
