// TimesFM's attention as its PyTorch decoder writes it: `xq, xk, xv = qkv_proj(x).split(...)`, each viewed
// [B, T, H, d], q scaled per dim on that view — `xq * (1.4427 / √d) * softplus(per_dim_scale)` — and only then moved
// heads-first (`transpose(1, 2)`), k moved with kᵀ's swap. The scale sat between q's view and its move, so q, k and v
// each took a TRANSPOSE (and the softplus of the learned constant was computed at run time): 4 with the merge. The
// softplus now folds (src/ir/fold.ts) and a scale by a constant along d commutes with the head move, so one head split
// serves q, k and v and q is scaled after it: 2 (src/convert/simplify-heads.ts `headView`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';
import type { Model } from '../../src/ir/types';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
const B = 2, T = 5, H = 4, D = 8, E = H * D;

function scaledQuery(scaleShape: number[]): Model {
  const n = scaleShape.reduce((a, b) => a * b, 1);
  return buildModel({
    inputs: [['x', 'float32', [B, T, E]]], outputs: ['y'], opset: 14,
    nodes: [
      node('MatMul', ['x', 'wqkv'], ['qkv']), node('Split', ['qkv', 'sizes'], ['q', 'k', 'v'], { axis: -1 }),
      node('Reshape', ['q', 'hshape'], ['qr']), node('Reshape', ['k', 'hshape'], ['kr']), node('Reshape', ['v', 'hshape'], ['vr']),
      node('Mul', ['qr', 'c'], ['q1']), node('Softplus', ['per_dim_scale'], ['sp']), node('Mul', ['q1', 'sp'], ['q2']),
      node('Transpose', ['q2'], ['qh'], { perm: [0, 2, 1, 3] }), node('Transpose', ['kr'], ['kt'], { perm: [0, 2, 3, 1] }),
      node('Transpose', ['vr'], ['vh'], { perm: [0, 2, 1, 3] }),
      node('MatMul', ['qh', 'kt'], ['s']), node('Softmax', ['s'], ['a'], { axis: -1 }), node('MatMul', ['a', 'vh'], ['o']),
      node('Transpose', ['o'], ['om'], { perm: [0, 2, 1, 3] }), node('Reshape', ['om', 'merged'], ['c2']), node('MatMul', ['c2', 'wo'], ['y']),
    ],
    initializers: [
      tensor('wqkv', 'float32', [E, 3 * E], seq(3 * E * E, (i) => 0.3 * Math.sin(i * 0.37))),
      tensor('wo', 'float32', [E, E], seq(E * E, (i) => 0.25 * Math.sin(i * 1.3))),
      tensor('sizes', 'int64', [3], [E, E, E]), tensor('hshape', 'int64', [4], [B, T, H, D]), tensor('merged', 'int64', [3], [B, T, E]),
      tensor('c', 'float32', [], [1.442695041 / Math.sqrt(D)]),
      tensor('per_dim_scale', 'float32', scaleShape, seq(n, (i) => 0.4 * Math.cos(i * 0.9))),
    ],
  });
}

test("TimesFM's per-dim query scale between q's view and its move: one head split, 4 TRANSPOSE → 2", async () => {
  const m = await matchBuilt(scaledQuery([D]), 'timesfm-heads', 3);
  assert.equal(m.result.transposeCount, 2);
  assert.ok(!m.result.model.subgraphs[0].operators.some((o) => o.opcode === 'EXP' || o.opcode === 'LOG'), 'softplus of a constant folds');
});

test('a scale that varies across heads ([H, 1]) does not commute with the move: q keeps its own TRANSPOSE', async () => {
  const m = await matchBuilt(scaledQuery([H, 1]), 'per-head-scale', 5);
  assert.ok(m.result.transposeCount > 2, `TRANSPOSE ${m.result.transposeCount}`);
});
