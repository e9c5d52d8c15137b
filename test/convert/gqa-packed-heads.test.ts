// Phi-3 / Phi-4-mini's attention as transformers writes it: one fused `qkv_proj` of grouped-query heads (4 query heads,
// 2 key / value heads of one size), sliced `qkv[..., :h·d]`, `qkv[..., h·d : h·d + kvh·d]`, `qkv[..., h·d + kvh·d :]`,
// each part viewed [B, T, heads, d] and moved heads-first; k and v, concatenated with the past, are graph outputs
// (present.*). Each part used to take its own TRANSPOSE (the chunks are not three equal thirds): q, k, v plus the
// merge, 4. One head split of the projection's 8 heads serves all three: 2 (src/convert/simplify-heads.ts
// fuseChunkedHeads). Equal thirds (a packed MHA projection) keep their one split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';
import type { Model } from '../../src/ir/types';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
const B = 2, T = 3, PAST = 4, D = 8;

function packedAttention(h: number, kvh: number, vEnd: number): Model {
  const E = h * D, kvE = kvh * D, P = E + 2 * kvE;
  const rep = h / kvh;
  return buildModel({
    inputs: [['x', 'float32', [B, T, E]], ['past_k', 'float32', [B, kvh, PAST, D]], ['past_v', 'float32', [B, kvh, PAST, D]]],
    outputs: ['y', 'present_k', 'present_v'], opset: 14,
    nodes: [
      node('MatMul', ['x', 'wqkv'], ['qkv']),
      node('Slice', ['qkv', 'q0', 'q1', 'ax'], ['q']), node('Slice', ['qkv', 'k0', 'k1', 'ax'], ['k']), node('Slice', ['qkv', 'v0', 'v1', 'ax'], ['v']),
      node('Reshape', ['q', 'qshape'], ['qr']), node('Transpose', ['qr'], ['qh'], { perm: [0, 2, 1, 3] }),
      node('Reshape', ['k', 'kvshape'], ['kr']), node('Transpose', ['kr'], ['kh'], { perm: [0, 2, 1, 3] }),
      node('Reshape', ['v', 'kvshape'], ['vr']), node('Transpose', ['vr'], ['vh'], { perm: [0, 2, 1, 3] }),
      node('Concat', ['past_k', 'kh'], ['present_k'], { axis: 2 }), node('Concat', ['past_v', 'vh'], ['present_v'], { axis: 2 }),
      // repeat_kv: [B, kvh, 1, S, d] expanded to [B, kvh, rep, S, d], viewed [B, h, S, d]
      node('Unsqueeze', ['present_k', 'two'], ['ku']), node('Expand', ['ku', 'rshape'], ['ke']), node('Reshape', ['ke', 'fullshape'], ['kk']),
      node('Unsqueeze', ['present_v', 'two'], ['vu']), node('Expand', ['vu', 'rshape'], ['ve']), node('Reshape', ['ve', 'fullshape'], ['vv']),
      node('Transpose', ['kk'], ['kt'], { perm: [0, 1, 3, 2] }), node('MatMul', ['qh', 'kt'], ['s0']), node('Mul', ['s0', 'scale'], ['s']),
      node('Softmax', ['s'], ['a'], { axis: -1 }), node('MatMul', ['a', 'vv'], ['o']),
      node('Transpose', ['o'], ['om'], { perm: [0, 2, 1, 3] }), node('Reshape', ['om', 'merged'], ['c']), node('MatMul', ['c', 'wo'], ['y']),
    ],
    initializers: [
      tensor('wqkv', 'float32', [E, P], seq(E * P, (i) => 0.3 * Math.sin(i * 0.37))),
      tensor('wo', 'float32', [E, E], seq(E * E, (i) => 0.25 * Math.sin(i * 1.3))),
      tensor('q0', 'int64', [1], [0]), tensor('q1', 'int64', [1], [E]), tensor('k0', 'int64', [1], [E]), tensor('k1', 'int64', [1], [E + kvE]),
      tensor('v0', 'int64', [1], [E + kvE]), tensor('v1', 'int64', [1], [vEnd]), tensor('ax', 'int64', [1], [-1]),
      tensor('qshape', 'int64', [4], [B, T, h, D]), tensor('kvshape', 'int64', [4], [B, T, kvh, D]),
      tensor('two', 'int64', [1], [2]), tensor('rshape', 'int64', [5], [B, kvh, rep, PAST + T, D]), tensor('fullshape', 'int64', [4], [B, h, PAST + T, D]),
      tensor('merged', 'int64', [3], [B, T, E]), tensor('scale', 'float32', [], [D ** -0.5]),
    ],
  });
}

test("Phi-3's grouped-query qkv_proj sliced 4 + 2 + 2 heads (v's end INT64_MAX): one head split, 4 TRANSPOSE → 2", async () => {
  const m = await matchBuilt(packedAttention(4, 2, Number.MAX_SAFE_INTEGER), 'phi3-gqa-heads', 3);
  assert.equal(m.result.transposeCount, 2);
  const ops = m.result.model.subgraphs[0].operators.map((o) => o.opcode);
  assert.equal(ops.filter((o) => o === 'BATCH_MATMUL').length, 2);
});

test('multi-query slices 4 + 1 + 1 heads (k / v head moves are reshapes): stays at 2', async () => {
  const m = await matchBuilt(packedAttention(4, 1, 6 * D), 'mqa-heads', 5);
  assert.equal(m.result.transposeCount, 2);
});

test('equal thirds (packed multi-head attention, 4 + 4 + 4 heads) keep their one split', async () => {
  const m = await matchBuilt(packedAttention(4, 4, 12 * D), 'mha-thirds', 7);
  assert.equal(m.result.transposeCount, 2);
});
