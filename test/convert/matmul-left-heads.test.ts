// AlphaFold's pair bias (Evoformer, twenty-sixth vision sweep): `linear(z).permute(0, 3, 1, 2)`, a bias per head from
// the pair representation z [B, L, L, c] (bias=False: a MatMul), moved heads first and added to the attention
// logits [B, h, L, L]. FULLY_CONNECTED wrote [B, L, L, h] and the move was a TRANSPOSE; the constant on the left with
// adj_y writes [B, h, L·L], the moved order as it lies (`ops/_matmul-left.ts` `weightsLeftIntoMove`): none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const [B, L, C, H] = [2, 6, 8, 3];

function pairBias() {
  return buildModel({
    inputs: [['z', 'float32', [B, L, L, C]], ['s', 'float32', [B, H, L, L]]], outputs: ['y'], opset: 13,
    nodes: [
      node('MatMul', ['z', 'w'], ['b0']),
      node('Transpose', ['b0'], ['b'], { perm: [0, 3, 1, 2] }),
      node('Add', ['s', 'b'], ['logits']),
      node('Softmax', ['logits'], ['y'], { axis: -1 }),
    ],
    initializers: [tensor('w', 'float32', [C, H], waveValues(C * H, 5))],
  });
}

test('a per-head bias projected and moved heads first takes its weights on the left: no TRANSPOSE', async () => {
  const m = await matchBuilt(pairBias(), 'matmul-left-heads', 331);
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
});

// Gated DeltaNet's short convolutions: q = linear(x) [B, L, C] moved to [B, C, L] into a depthwise Conv1d. That move
// is the conv's channel-last as FULLY_CONNECTED writes it (no TRANSPOSE); the weights on the left would write ONNX
// order and the conv would move it back (1 on the first form of weightsLeftIntoMove).
function shortConv() {
  const [T, E] = [10, 6];
  return buildModel({
    inputs: [['x', 'float32', [1, T, E]]], outputs: ['y'], opset: 13,
    nodes: [
      node('MatMul', ['x', 'w'], ['q']),
      node('Transpose', ['q'], ['qt'], { perm: [0, 2, 1] }),
      node('Conv', ['qt', 'k'], ['c'], { group: E, kernel_shape: [3], pads: [2, 0] }),
      node('Transpose', ['c'], ['y'], { perm: [0, 2, 1] }),
    ],
    initializers: [tensor('w', 'float32', [E, E], waveValues(E * E, 6)), tensor('k', 'float32', [E, 1, 3], waveValues(E * 3, 7))],
  });
}

test('a projection moved channels-first into a conv keeps FULLY_CONNECTED: no TRANSPOSE', async () => {
  const m = await matchBuilt(shortConv(), 'matmul-left-conv', 332);
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
});
