// BEVFormer's deformable value (nineteenth sweep): a Linear's [B, N, h·d] output moved to [B, h·d, N] and viewed
// [B·h, d, H, W] for a channel-last reader. No RESHAPE of a whole-group move reaches NHWC, so the value was moved to
// ONNX order for the view and the map moved again to NHWC (2 TRANSPOSE); over the atoms both shapes are made of,
// [B, N, h, d] stored and [B, h, N, d] wanted, one move lands it (src/convert/refined-move.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const B = 2, N = 16, h = 2, d = 4;

test('a moved value viewed heads into the batch of a conv map is moved once over the shapes\' atoms (2 -> 1 TRANSPOSE)', async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [B, N, h * d]]], outputs: ['y'], opset: 13,
    nodes: [
      node('MatMul', ['x', 'wv'], ['v']), node('Transpose', ['v'], ['vt'], { perm: [0, 2, 1] }),
      node('Reshape', ['vt', 'view'], ['map']),
      node('Conv', ['map', 'w', 'b'], ['y'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
    ],
    initializers: [
      tensor('wv', 'float32', [h * d, h * d], waveValues(h * d * h * d, 1)), tensor('view', 'int64', [4], [B * h, d, 4, 4]),
      tensor('w', 'float32', [d, d, 3, 3], waveValues(d * d * 9, 2)), tensor('b', 'float32', [d], waveValues(d, 3)),
    ],
  });
  const m = await matchBuilt(model, 'refined-move', 11);
  assert.equal(m.result.transposeCount, 1, JSON.stringify(m.result.opHistogram));
});
