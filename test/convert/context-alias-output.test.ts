// A graph output that is another name for a value stored in a lazy head-split order (ctx.alias in context.ts): a
// prompt step with an empty KV cache, where Concat(past [B, H, 0, d], k) is k itself and `present` is both an output
// and what the attention reads. The output is k moved to ONNX order once, when the alias is made, and the attention's
// MatMuls read that copy (adj for kᵀ) instead of moving k again: Qwen3's prompt step 12 → 8 TRANSPOSE, as its decode
// step. Here: q's head split, present k / v once each, the merge = 4 (was 5: k moved for the output and kᵀ apart).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';
import type { Model } from '../../src/ir/types';

const [B, T, H, D] = [2, 3, 2, 4];

function promptStep(): Model {
  const i64 = (name: string, v: number[]) => tensor(name, 'int64', [v.length], v);
  // Each head split scaled per head dim before it is moved heads-first (Qwen3's q / k RMSNorm): no packed split.
  const heads = (x: string, w: string, out: string) => [
    node('MatMul', [x, w], [`${out}_p`]), node('Reshape', [`${out}_p`, 'split'], [`${out}_s`]),
    node('Mul', [`${out}_s`, 'gamma'], [`${out}_n`]), node('Transpose', [`${out}_n`], [out], { perm: [0, 2, 1, 3] }),
  ];
  return buildModel({
    inputs: [['x', 'float32', [B, T, H * D]], ['past_key', 'float32', [B, H, 0, D]], ['past_value', 'float32', [B, H, 0, D]]],
    outputs: ['y', 'present_key', 'present_value'], opset: 13,
    nodes: [
      ...heads('x', 'wq', 'q'), ...heads('x', 'wk', 'k'), ...heads('x', 'wv', 'v'),
      node('Concat', ['past_key', 'k'], ['present_key'], { axis: 2 }),
      node('Concat', ['past_value', 'v'], ['present_value'], { axis: 2 }),
      node('Transpose', ['present_key'], ['kt'], { perm: [0, 1, 3, 2] }),
      node('MatMul', ['q', 'kt'], ['scores']),
      node('Softmax', ['scores'], ['probs'], { axis: -1 }),
      node('MatMul', ['probs', 'present_value'], ['o']),
      node('Transpose', ['o'], ['om'], { perm: [0, 2, 1, 3] }),
      node('Reshape', ['om', 'merge'], ['y']),
    ],
    initializers: [
      tensor('wq', 'float32', [H * D, H * D], waveValues(64, 1)), tensor('wk', 'float32', [H * D, H * D], waveValues(64, 2)),
      tensor('wv', 'float32', [H * D, H * D], waveValues(64, 3)), i64('split', [B, T, H, D]),
      tensor('gamma', 'float32', [D], waveValues(D, 4)), i64('merge', [B, T, H * D]),
    ],
  });
}

test('an empty-cache present output is k / v moved to ONNX order once, and the attention reads that copy', async () => {
  const m = await matchBuilt(promptStep(), 'prompt-step', 3, 1e-5);
  assert.equal(m.result.opHistogram.TRANSPOSE, 4, JSON.stringify(m.result.opHistogram));
});
