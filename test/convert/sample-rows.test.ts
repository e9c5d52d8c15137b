// A deformable conv as deform_conv2d_onnx_exporter writes it (BiRefNet's ASPP, thirteenth vision sweep): flat sample
// indices [1, K, H, W] computed from an offset Conv, viewed [1, 1, K·H·W], expanded over the channels and gathered
// from the map viewed [1, C, H·W]; the samples viewed [1, C, K, H, W] are weighted by [1, 1, K, H, W] (computed
// beside the indices) and laid out k×k per pixel for a stride-k Conv. Channel-last the indices' view was a GATHER of
// positions, the weight a TRANSPOSE and the im2col layout another: gathered in the indices' stored (pixel-major)
// order, 2 -> 0 TRANSPOSE, the layout one DEPTH_TO_SPACE and no position GATHER (src/convert/simplify-sample-rows.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const C = 3, H = 4, W = 5, k = 2, K = k * k, O = 4;

test('deformable samples are gathered pixel-major: no TRANSPOSE, the im2col layout a DEPTH_TO_SPACE', async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [1, C, H, W]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'wo', 'bo'], ['off'], { pads: [1, 1, 1, 1] }),
      node('Mul', ['off', 'scale'], ['pos']), node('Add', ['pos', 'mid'], ['pos2']), node('Floor', ['pos2'], ['fl']),
      node('Clip', ['fl', 'lo', 'hi'], ['cl']), node('Cast', ['cl'], ['i4'], { to: 7 }),
      node('Sub', ['pos2', 'fl'], ['frac']), node('Unsqueeze', ['frac', 'ax1'], ['wt']),
      node('Reshape', ['x', 'flat'], ['data']),
      node('Reshape', ['i4', 'list'], ['il']), node('Expand', ['il', 'wide'], ['idx']),
      node('GatherElements', ['data', 'idx'], ['g'], { axis: 2 }), node('Reshape', ['g', 'v5'], ['s5']),
      node('Mul', ['s5', 'wt'], ['ws']),
      node('Reshape', ['ws', 'v6'], ['s6']), node('Transpose', ['s6'], ['st'], { perm: [0, 1, 4, 2, 5, 3] }),
      node('Reshape', ['st', 'cols'], ['c4']), node('Conv', ['c4', 'wr'], ['y'], { strides: [k, k] }),
    ],
    initializers: [
      tensor('wo', 'float32', [K, C, 3, 3], waveValues(K * C * 9, 1)), tensor('bo', 'float32', [K], waveValues(K, 2)),
      tensor('scale', 'float32', [], [3.1]), tensor('mid', 'float32', [], [H * W / 2]),
      tensor('lo', 'float32', [], [0]), tensor('hi', 'float32', [], [H * W - 1]), tensor('ax1', 'int64', [1], [1]),
      tensor('flat', 'int64', [3], [1, C, H * W]), tensor('list', 'int64', [3], [1, 1, K * H * W]),
      tensor('wide', 'int64', [3], [1, C, K * H * W]), tensor('v5', 'int64', [5], [1, C, K, H, W]),
      tensor('v6', 'int64', [6], [1, C, k, k, H, W]), tensor('cols', 'int64', [4], [1, C, H * k, W * k]),
      tensor('wr', 'float32', [O, C, k, k], waveValues(O * C * K, 3)),
    ],
  });
  const m = await matchBuilt(model, 'sample-rows', 5);
  const h = m.result.opHistogram;
  assert.equal(m.result.transposeCount, 0, JSON.stringify(h));
  assert.equal(h.DEPTH_TO_SPACE, 1, JSON.stringify(h));
  assert.equal(h.GATHER, 1, `only the samples' GATHER: ${JSON.stringify(h)}`);
});
