// DEKR's adaptive convolution (twentieth vision sweep): K = 9 sampling points per pixel, their grid [N, H, W, K, 2]
// moved points-first and viewed [N, K·H, W, 2] for one grid_sample, the samples [N, C, K·H, W] viewed [N, C·K, H, W]
// into a 1×1 Conv. Channel-last that was 2 TRANSPOSEs a block (68 in DEKR); sampled by the grid viewed
// [N, H, W·K, 2] as it lies, the samples are stored [N, H, W, K, C] and the Conv's weights take the (K, C) channel
// order: 0 (src/convert/simplify-sample-stack.ts). Samples the model also returns keep the exported form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import type { Model } from '../../src/ir/types';
import { matchBuilt, waveValues } from '../helpers/match';

const C = 4, H = 5, W = 6, K = 3, O = 5;

function adaptive(alsoOut: boolean): Model {
  return buildModel({
    inputs: [['x', 'float32', [1, C, H, W]]], outputs: alsoOut ? ['y', 'cols'] : ['y'], opset: 16,
    nodes: [
      node('Conv', ['x', 'wo', 'bo'], ['off'], { pads: [1, 1, 1, 1] }),
      node('Transpose', ['off'], ['offt'], { perm: [0, 2, 3, 1] }), node('Reshape', ['offt', 'v5'], ['o5']),
      node('Tanh', ['o5'], ['g5']),
      node('Transpose', ['g5'], ['gt'], { perm: [0, 3, 1, 2, 4] }), node('Reshape', ['gt', 'v4'], ['grid']),
      node('GridSample', ['x', 'grid'], ['s'], { mode: 'bilinear', align_corners: 1 }),
      node('Reshape', ['s', 's5'], ['sv']), node('Reshape', ['sv', 's4'], ['cols']),
      node('Conv', ['cols', 'wa'], ['a']), node('Add', ['a', 'x'], ['y']),
    ],
    initializers: [
      tensor('wo', 'float32', [2 * K, C, 3, 3], waveValues(2 * K * C * 9, 1)), tensor('bo', 'float32', [2 * K], waveValues(2 * K, 2)),
      tensor('v5', 'int64', [5], [1, H, W, K, 2]), tensor('v4', 'int64', [4], [1, K * H, W, 2]),
      tensor('s5', 'int64', [5], [1, C, K, H, W]), tensor('s4', 'int64', [4], [1, C * K, H, W]),
      tensor('wa', 'float32', [C, C * K, 1, 1], waveValues(C * C * K, 3)),
    ],
  });
}

test('K samples per pixel read by a Conv as K·C channels are sampled points-last (2 -> 0 TRANSPOSE)', async () => {
  const m = await matchBuilt(adaptive(false), 'sample-stack', 5);
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
});

test('samples the model also returns keep the exported form and still match', async () => {
  const m = await matchBuilt(adaptive(true), 'sample-stack-out', 5);
  assert.equal(m.result.transposeCount, 2, JSON.stringify(m.result.opHistogram));
});
