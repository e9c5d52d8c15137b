// Reformer's LSH attention (sixteenth sequence sweep): the packed projection viewed [B, T, 4, D] and moved heads-first
// is split into shared q·k (heads 0-1) and v (heads 2-3); q·k is hashed by einsum('bhtd,hdmr->bhmtr', qk, rotations),
// a BATCH_MATMUL over the heads against the constant rotations, which takes its operand [h, b, t, d]. The head move
// was done in ONNX order ([b, h', t, d]) and q·k moved again to [h, b, t, d]; done heads-first ([h', b, t, d],
// src/convert/split-order.ts) the part is stored as the product takes it, and the products of q·k and v read their
// parts in that shared order: 4 -> 3 TRANSPOSE (the head move, the merge, the hashed buckets to the graph output's
// ONNX order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import type { Model } from '../../src/ir/types';
import { matchBuilt, waveValues } from '../helpers/match';

const [B, T, D, M, R] = [2, 8, 4, 2, 2];

function lshHeads(hashOperand: 'qk' | 'v'): Model {
  const ints = (name: string, v: number[]) => tensor(name, 'int64', [v.length], v);
  return buildModel({
    inputs: [['x', 'float32', [B, T, 4 * D]]], outputs: ['buckets', 'y'], opset: 13,
    nodes: [
      node('MatMul', ['x', 'w'], ['p']), node('Reshape', ['p', 'split'], ['s']),
      node('Transpose', ['s'], ['heads'], { perm: [0, 2, 1, 3] }),
      node('Slice', ['heads', 'zero', 'two', 'one'], ['qk']), node('Slice', ['heads', 'two', 'four', 'one'], ['v']),
      node('Einsum', [hashOperand, 'rot'], ['hashed'], { equation: 'bhtd,hdmr->bhmtr' }),
      node('ReduceMax', ['hashed'], ['buckets'], { axes: [-1], keepdims: 0 }),
      node('Transpose', ['v'], ['vt'], { perm: [0, 1, 3, 2] }), node('MatMul', ['qk', 'vt'], ['sc']),
      node('Softmax', ['sc'], ['pr'], { axis: -1 }), node('MatMul', ['pr', 'v'], ['o']),
      node('Transpose', ['o'], ['om'], { perm: [0, 2, 1, 3] }), node('Reshape', ['om', 'merged'], ['y']),
    ],
    initializers: [
      tensor('w', 'float32', [4 * D, 4 * D], waveValues(16 * D * D, 1)), tensor('rot', 'float32', [2, D, M, R], waveValues(2 * D * M * R, 2)),
      ints('split', [B, T, 4, D]), ints('merged', [B, T, 2 * D]), ints('zero', [0]), ints('two', [2]), ints('four', [4]), ints('one', [1]),
    ],
  });
}

test('a split-only head move read by an Einsum batched over the heads is done heads-first: 4 -> 3 TRANSPOSE', async () => {
  const m = await matchBuilt(lshHeads('qk'), 'split-batched-einsum', 3);
  const sg = m.result.model.subgraphs[0];
  const moves = sg.operators.filter((op) => op.opcode === 'TRANSPOSE').map((op) => op.onnxNode);
  assert.equal(m.result.transposeCount, 3, moves.join(' '));
  assert.ok(!moves.some((n) => n?.startsWith('Einsum')), 'the hashing product reads q·k as stored');
});

test('the other part hashed instead: the same order serves it', async () => {
  const m = await matchBuilt(lshHeads('v'), 'split-batched-einsum-v', 4);
  assert.equal(m.result.transposeCount, 3);
});
