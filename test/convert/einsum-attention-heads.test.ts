// Attention written with einsum over head views, as Time-Series-Library's FullAttention does (iTransformer, Informer,
// Crossformer): q, k, v projections of one input, each viewed [B, L, H, d], scores 'blhe,bshe->bhls', output
// 'bhls,bshd->blhd', then merged. The Einsum converter moved q, k and v apart (3 TRANSPOSEs + the merge); with the
// views' moves made explicit (src/convert/simplify-einsum-heads.ts) the projections of one input pack into one head
// split: 4 → 2. Crossformer's router queries are a constant with batch labels: the Einsum swapped it second (the
// FULLY_CONNECTED rule), the scores came out [b, h, s, l] and moved back; it now stays first (src/convert/ops/Einsum.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';
import type { Model } from '../../src/ir/types';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
const B = 2, L = 6, H = 4, D = 8, E = H * D;

const w = (name: string, k: number) => tensor(name, 'float32', [E, E], seq(E * E, (i) => 0.3 * Math.sin(i * k)));

function einsumSelfAttention(): Model {
  return buildModel({
    inputs: [['x', 'float32', [B, L, E]]], outputs: ['y'], opset: 14,
    nodes: [
      node('MatMul', ['x', 'wq'], ['q']), node('MatMul', ['x', 'wk'], ['k']), node('MatMul', ['x', 'wv'], ['v']),
      node('Reshape', ['q', 'hshape'], ['qr']), node('Reshape', ['k', 'hshape'], ['kr']), node('Reshape', ['v', 'hshape'], ['vr']),
      node('Einsum', ['qr', 'kr'], ['s'], { equation: 'blhe,bshe->bhls' }), node('Softmax', ['s'], ['a'], { axis: -1 }),
      node('Einsum', ['a', 'vr'], ['o'], { equation: 'bhls,bshd->blhd' }), node('Reshape', ['o', 'merged'], ['om']),
      node('MatMul', ['om', 'wo'], ['y']),
    ],
    initializers: [w('wq', 0.37), w('wk', 0.71), w('wv', 1.13), w('wo', 1.3),
      tensor('hshape', 'int64', [4], [B, L, H, D]), tensor('merged', 'int64', [3], [B, L, E])],
  });
}

test("einsum attention 'blhe,bshe->bhls' / 'bhls,bshd->blhd' over one input's q, k, v views: one head split, 4 TRANSPOSE → 2", async () => {
  const m = await matchBuilt(einsumSelfAttention(), 'einsum-self-attention', 3);
  assert.equal(m.result.transposeCount, 2);
});

// Crossformer's dim_sender: router tokens [B, R, E] (a constant: the learned router expanded over the batch) attend
// over the variables' tokens x [B, S, E].
function routerAttention(): Model {
  const R = 3;
  return buildModel({
    inputs: [['x', 'float32', [B, L, E]]], outputs: ['y'], opset: 14,
    nodes: [
      node('Reshape', ['router', 'rshape'], ['qr']), node('MatMul', ['x', 'wk'], ['k']), node('Reshape', ['k', 'hshape'], ['kr']),
      node('Einsum', ['qr', 'kr'], ['s'], { equation: 'blhe,bshe->bhls' }), node('Softmax', ['s'], ['y'], { axis: -1 }),
    ],
    initializers: [w('wk', 0.71), tensor('router', 'float32', [B, R, E], seq(B * R * E, (i) => Math.cos(i * 0.53))),
      tensor('rshape', 'int64', [4], [B, R, H, D]), tensor('hshape', 'int64', [4], [B, L, H, D])],
  });
}

test('a constant query with batch labels stays the first BATCH_MATMUL operand: the scores need no move back', async () => {
  const m = await matchBuilt(routerAttention(), 'einsum-router', 5);
  // k's head split only (the constant query is moved at conversion time).
  assert.equal(m.result.transposeCount, 1);
});
