// Reformer's LSH attention: its hashing Einsum 'bhtd,hdmr->bhmtr' is batched over the heads, so the bucket sort, the
// sorted queries / keys / values and the positions come out stored [h, b, ...]; every product of two of them (q · kᵀ,
// p · v) moved both operands back to [b, h, ...]. A MatMul of two activations stored with their batch dims in one
// other order is now taken in that order and stored so (src/convert/ops/MatMul.ts `sharedLeadingOrder`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';

const B = 2, H = 3, T = 5, D = 4;

test('q · kᵀ and p · v of operands stored [h, b, ...]: taken in that order (4 -> 0 TRANSPOSE)', async () => {
  const model = buildModel({
    inputs: [['q', 'float32', [H, B, T, D]], ['k', 'float32', [H, B, T, D]], ['v', 'float32', [H, B, T, D]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Transpose', ['q'], ['qb'], { perm: [1, 0, 2, 3] }), node('Transpose', ['k'], ['kt'], { perm: [1, 0, 3, 2] }),
      node('Transpose', ['v'], ['vb'], { perm: [1, 0, 2, 3] }),
      node('MatMul', ['qb', 'kt'], ['s']), node('Softmax', ['s'], ['p'], { axis: -1 }), node('MatMul', ['p', 'vb'], ['o']),
      node('Transpose', ['o'], ['y'], { perm: [1, 0, 2, 3] }),
    ],
  });
  const m = await matchBuilt(model, 'matmul-batch-order', 81);
  assert.equal(m.result.opHistogram.BATCH_MATMUL, 2, JSON.stringify(m.result.opHistogram));
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
});
