// DC-AE's channel-duplicating shortcut (mit-han-lab/efficientvit): `x.repeat_interleave(r, 1)` of a conv's map, here
// written as torch exports its unsqueeze / expand / reshape form: Unsqueeze(axis 2) → Expand to [N, C, r, H, W] →
// Reshape [N, C·r, H, W] → the next conv. The Expand took the default order of a rank-5 value ([N, r, H, W, C]), so
// the Reshape moved the repeats next to their channel (one TRANSPOSE per shortcut: 5 of DC-AE's 13). The Expand now
// broadcasts in the input's stored order with the grown unit axis right after the axis the Reshape merges it into
// ([N, H, W, C, r]), which the Reshape views as [N, H, W, C·r] as stored (src/convert/ops/Expand.ts `mergedOrder`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const C = 4, R = 3, H = 5, W = 6;

function shortcut(axis: number, expandTo: number[], shape: number[]) {
  return buildModel({
    inputs: [['x', 'float32', [1, 2, H, W]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
      node('Unsqueeze', ['c', 'axes'], ['u']),
      node('Expand', ['u', 'to'], ['e']),
      node('Reshape', ['e', 'shape'], ['r']),
      node('Conv', ['r', 'w2', 'b2'], ['y'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
    ],
    initializers: [
      tensor('w1', 'float32', [C, 2, 3, 3], waveValues(C * 18, 1)), tensor('b1', 'float32', [C], waveValues(C, 2)),
      tensor('axes', 'int64', [1], [axis]), tensor('to', 'int64', [5], expandTo), tensor('shape', 'int64', [4], shape),
      tensor('w2', 'float32', [2, C * R, 3, 3], waveValues(2 * C * R * 9, 3)), tensor('b2', 'float32', [2], [0.1, -0.2]),
    ],
  });
}

test('repeat_interleave over the channels (unsqueeze / expand / reshape) between two convs: no TRANSPOSE', async () => {
  const m = await matchBuilt(shortcut(2, [1, C, R, H, W], [1, C * R, H, W]), 'expand-merged-order', 71);
  assert.equal(m.result.transposeCount, 0);
});

test('the repeat form (the grown axis before the channels: x.repeat(1, r, 1, 1)) keeps its values', async () => {
  await matchBuilt(shortcut(1, [1, R, C, H, W], [1, R * C, H, W]), 'expand-repeat-order', 72);
});
