// nn.MultiheadAttention's cross-attention as torch exports it (ABINet's language model, PARSeq's decoder): q is its
// own projection of the queries, k and v one packed projection of the memory [S, B, 2E] sliced in two, each Reshape
// [S, B·H, d] → Transpose (k: [1, 2, 0], kᵀ; v: [1, 0, 2]). k and v had a TRANSPOSE each; now the packed projection
// gets one head split of 2H heads and a Slice per part, k's swap of its last two dims read by BATCH_MATMUL as adj_y
// (src/convert/simplify-attention.ts fusePackedHeads, 2 or 3 chunks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';
import type { Model } from '../../src/ir/types';

const L = 5, S = 7, E = 16, H = 4, D = E / H;

function crossAttention(batch: number): Model {
  const bh = batch * H;
  return buildModel({
    inputs: [['tgt', 'float32', [L, batch, E]], ['memory', 'float32', [S, batch, E]]], outputs: ['y'], opset: 14,
    nodes: [
      node('MatMul', ['tgt', 'wq'], ['qm']), node('Add', ['qm', 'bq'], ['qp']), node('Reshape', ['qp', 'qshape'], ['qr']),
      node('Transpose', ['qr'], ['qh'], { perm: [1, 0, 2] }),
      node('MatMul', ['memory', 'wkv'], ['kvm']), node('Add', ['kvm', 'bkv'], ['kv']),
      node('Slice', ['kv', 'k0', 'k1', 'ax'], ['ks']), node('Slice', ['kv', 'k1', 'k2', 'ax'], ['vs']),
      node('Reshape', ['ks', 'kshape'], ['kr']), node('Reshape', ['vs', 'kshape'], ['vr']),
      node('Transpose', ['kr'], ['kt'], { perm: [1, 2, 0] }), node('Transpose', ['vr'], ['vh'], { perm: [1, 0, 2] }),
      node('MatMul', ['qh', 'kt'], ['s']), node('Mul', ['s', 'scale'], ['ss']), node('Softmax', ['ss'], ['p'], { axis: -1 }),
      node('MatMul', ['p', 'vh'], ['o']), node('Transpose', ['o'], ['om'], { perm: [1, 0, 2] }),
      node('Reshape', ['om', 'merged'], ['y']),
    ],
    initializers: [
      tensor('wq', 'float32', [E, E], waveValues(E * E, 1)), tensor('bq', 'float32', [E], waveValues(E, 2)),
      tensor('wkv', 'float32', [E, 2 * E], waveValues(2 * E * E, 3)), tensor('bkv', 'float32', [2 * E], waveValues(2 * E, 4)),
      tensor('k0', 'int64', [1], [0]), tensor('k1', 'int64', [1], [E]), tensor('k2', 'int64', [1], [2 * E]),
      tensor('ax', 'int64', [1], [2]), tensor('scale', 'float32', [], [D ** -0.5]),
      tensor('qshape', 'int64', [3], [L, bh, D]), tensor('kshape', 'int64', [3], [S, bh, D]),
      tensor('merged', 'int64', [3], [L, batch, E]),
    ],
  });
}

for (const batch of [1, 2]) {
  test(`cross-attention's packed k / v take one head split (batch ${batch}): q, k, v, merge 4 TRANSPOSE → 3, equal to onnxruntime`, async () => {
    const m = await matchBuilt(crossAttention(batch), `packed-kv-${batch}`, 11);
    assert.equal(m.result.transposeCount, 3);
  });
}
