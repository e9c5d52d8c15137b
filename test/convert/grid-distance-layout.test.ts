// A centre-net decode written as MoveNet's (movenet.pytorch): per keypoint a place regressed to [1, K] is viewed
// [1, K, 1, 1], its distance to every cell computed against constant coordinate grids [H, W] (Sub, Pow, Add, Sqrt),
// and the channel-last heatmap divided by it before the ArgMax / max over cells. The distance's only non-constant
// input voted ONNX order, so the full [1, K, H, W] distance map was moved for the Div: 1 TRANSPOSE in a CNN. An input
// that is channel-last by moving unit dims only, broadcast against a constant map, now runs channel-last: 0
// (src/convert/context.ts broadcastChannelLast).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';
import type { Model } from '../../src/ir/types';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
const C = 8, K = 5, S = 12;

function gridDecode(): Model {
  return buildModel({
    inputs: [['x', 'float32', [1, C, S, S]]], outputs: ['peak'], opset: 11,
    nodes: [
      node('Conv', ['x', 'wh', 'bh'], ['hl'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), node('Sigmoid', ['hl'], ['heat']),
      // The regressed places: pooled, flattened to [1, K] and scaled to grid units, viewed [1, K, 1, 1].
      node('Conv', ['x', 'wr', 'br'], ['rl'], { kernel_shape: [1, 1] }), node('GlobalAveragePool', ['rl'], ['rp']),
      node('Flatten', ['rp'], ['rf'], { axis: 1 }), node('Mul', ['rf', 'scale'], ['rs']),
      node('Unsqueeze', ['rs'], ['ry'], { axes: [2, 3] }), node('Add', ['rs', 'shift'], ['rxs']), node('Unsqueeze', ['rxs'], ['rx'], { axes: [2, 3] }),
      node('Sub', ['ys', 'ry'], ['dy']), node('Sub', ['xs', 'rx'], ['dx']),
      node('Pow', ['dy', 'two'], ['dy2']), node('Pow', ['dx', 'two'], ['dx2']), node('Add', ['dy2', 'dx2'], ['d2']),
      node('Sqrt', ['d2'], ['d']), node('Add', ['d', 'eps'], ['de']), node('Div', ['heat', 'de'], ['w']),
      node('Reshape', ['w', 'flat'], ['wf']), node('ReduceMax', ['wf'], ['peak'], { axes: [2], keepdims: 0 }),
    ],
    initializers: [
      tensor('wh', 'float32', [K, C, 3, 3], seq(K * C * 9, (i) => 0.2 * Math.sin(i * 0.37))), tensor('bh', 'float32', [K], seq(K, (i) => 0.1 * i)),
      tensor('wr', 'float32', [K, C, 1, 1], seq(K * C, (i) => 0.5 * Math.cos(i * 0.71))), tensor('br', 'float32', [K], seq(K, (i) => 0.2 * i)),
      tensor('scale', 'float32', [], [S / 2]), tensor('shift', 'float32', [], [1.5]),
      tensor('ys', 'float32', [S, S], seq(S * S, (i) => Math.floor(i / S))), tensor('xs', 'float32', [S, S], seq(S * S, (i) => i % S)),
      tensor('two', 'float32', [], [2]), tensor('eps', 'float32', [], [1.8]), tensor('flat', 'int64', [3], [1, K, S * S]),
    ],
  });
}

test('keypoint places [1, K, 1, 1] against constant grids run channel-last beside the heatmap: 1 TRANSPOSE → 0', async () => {
  const m = await matchBuilt(gridDecode(), 'grid-decode', 11);
  assert.equal(m.result.transposeCount, 0);
});

// Gated DeltaNet's recurrent form (fla's naive_recurrent_gated_delta_rule): the state starts as a constant
// [B, H, dk, dv] decayed by a per-head gate viewed [B, H, 1, 1], then read against each step's key [B, H, dk, 1].
// The constant has a channel extent of its own (H), so it is no coordinate grid: the state stayed heads-last and
// every step's key and update moved to it (76 TRANSPOSE in a 2-layer, 12-step model); now 0.
function decayedState(): Model {
  const H = 2, DK = 4, DV = 3;
  return buildModel({
    inputs: [['g', 'float32', [1, H]], ['k', 'float32', [1, H, DK]], ['k2', 'float32', [1, H, DK]]], outputs: ['o', 'o2'], opset: 13,
    nodes: [
      node('Exp', ['g'], ['ge']), node('Unsqueeze', ['ge', 'ax23'], ['gu']),
      node('Mul', ['s0', 'gu'], ['s1']),
      node('Unsqueeze', ['k', 'ax3'], ['ku']), node('Mul', ['s1', 'ku'], ['sk']), node('ReduceSum', ['sk', 'ax2'], ['o'], { keepdims: 0 }),
      node('Mul', ['s1', 'gu'], ['s2']),
      node('Unsqueeze', ['k2', 'ax3'], ['k2u']), node('Mul', ['s2', 'k2u'], ['sk2']), node('ReduceSum', ['sk2', 'ax2'], ['o2'], { keepdims: 0 }),
    ],
    initializers: [
      tensor('s0', 'float32', [1, H, DK, DV], seq(H * DK * DV, (i) => Math.sin(i * 0.53))),
      tensor('ax23', 'int64', [2], [2, 3]), tensor('ax3', 'int64', [1], [3]), tensor('ax2', 'int64', [1], [2]),
    ],
  });
}

test('a constant state with channels of its own, decayed per head, stays in ONNX order: no TRANSPOSE', async () => {
  const m = await matchBuilt(decayedState(), 'decayed-state', 13);
  assert.equal(m.result.transposeCount, 0);
});
