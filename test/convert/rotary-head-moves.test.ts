// nomic-bert's attention (nomic-embed-text): the fused Wqkv projection viewed [B, T, 3, H, d] and unbound along its
// axis 2, rotary applied on the [B, T, H, d] views (`q * cos + rotate_half(q) * sin`, the tables from
// `torch.outer(arange(T), inv_freq)`, which torch writes as an Einsum of two constants), and only then the heads
// moved first. Each of q, k and v took a TRANSPOSE, 4 with the merge: the Einsum did not fold (the tables were
// computed at run time) and the rotary region sat between each view and its move. The Einsum of constants now folds
// (src/ir/fold.ts), the move is applied before the region (src/convert/simplify-region-moves.ts), and the unbound
// parts read the packed value moved once: 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import type { Node } from '../../src/ir/types';
import { matchBuilt, waveValues } from '../helpers/match';

const B = 2, T = 6, H = 4, D = 8, E = H * D;

function rotary(x: string): Node[] {
  return [
    node('Mul', [x, 'cos'], [`${x}_c`]), node('Slice', [x, 'lo', 'half', 'last'], [`${x}_1`]), node('Slice', [x, 'half', 'hi', 'last'], [`${x}_2`]),
    node('Neg', [`${x}_2`], [`${x}_n`]), node('Concat', [`${x}_n`, `${x}_1`], [`${x}_rh`], { axis: -1 }),
    node('Mul', [`${x}_rh`, 'sin'], [`${x}_s`]), node('Add', [`${x}_c`, `${x}_s`], [`${x}_rot`]),
  ];
}

/** q_rot, k_rot and v [B, T, H, d] moved heads-first (k to kᵀ), attention, the merge and the output projection. */
const attention = (): Node[] => [
  node('Transpose', ['q_rot'], ['qh'], { perm: [0, 2, 1, 3] }), node('Transpose', ['k_rot'], ['kt'], { perm: [0, 2, 3, 1] }),
  node('Transpose', ['v'], ['vh'], { perm: [0, 2, 1, 3] }),
  node('MatMul', ['qh', 'kt'], ['s']), node('Mul', ['s', 'scale'], ['ss']), node('Softmax', ['ss'], ['a'], { axis: -1 }),
  node('MatMul', ['a', 'vh'], ['o']), node('Transpose', ['o'], ['om'], { perm: [0, 2, 1, 3] }),
  node('Reshape', ['om', 'merged'], ['c']), node('MatMul', ['c', 'wo'], ['y']),
];

test("nomic-bert's rotary between the unbound q / k / v views and their moves: one head split, 4 TRANSPOSE → 2", async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [B, T, E]]], outputs: ['y'], opset: 14,
    nodes: [
      node('Einsum', ['pos', 'inv_freq'], ['freqs'], { equation: 'i,j->ij' }), node('Concat', ['freqs', 'freqs'], ['emb'], { axis: -1 }),
      node('Cos', ['emb'], ['cos2']), node('Sin', ['emb'], ['sin2']),
      node('Unsqueeze', ['cos2', 'one'], ['cos']), node('Unsqueeze', ['sin2', 'one'], ['sin']),
      node('MatMul', ['x', 'wqkv'], ['qkv']), node('Reshape', ['qkv', 'view'], ['qkv5']),
      node('Split', ['qkv5', 'ones'], ['q1', 'k1', 'v1'], { axis: 2 }),
      node('Squeeze', ['q1', 'two'], ['q']), node('Squeeze', ['k1', 'two'], ['k']), node('Squeeze', ['v1', 'two'], ['v']),
      ...rotary('q'), ...rotary('k'),
      ...attention(),
    ],
    initializers: [
      tensor('pos', 'float32', [T], Array.from({ length: T }, (_, i) => i)),
      tensor('inv_freq', 'float32', [D / 2], Array.from({ length: D / 2 }, (_, i) => 1 / 1000 ** ((2 * i) / D))),
      tensor('wqkv', 'float32', [E, 3 * E], waveValues(3 * E * E, 1)), tensor('wo', 'float32', [E, E], waveValues(E * E, 2)),
      tensor('view', 'int64', [5], [B, T, 3, H, D]), tensor('ones', 'int64', [3], [1, 1, 1]), tensor('two', 'int64', [1], [2]),
      tensor('one', 'int64', [1], [1]), tensor('lo', 'int64', [1], [0]), tensor('half', 'int64', [1], [D / 2]),
      tensor('hi', 'int64', [1], [D]), tensor('last', 'int64', [1], [-1]),
      tensor('scale', 'float32', [], [1 / Math.sqrt(D)]), tensor('merged', 'int64', [3], [B, T, E]),
    ],
  });
  const m = await matchBuilt(model, 'rotary-head-moves', 5);
  assert.equal(m.result.transposeCount, 2);
  assert.ok(!m.result.model.subgraphs[0].operators.some((o) => o.opcode === 'COS' || o.opcode === 'SIN'), 'the rotary tables fold');
});

// Qwen2-VL's vision tower: tokens without a batch dim, the packed qkv viewed [N, 3, H, d], the model's own
// `permute(1, 0, 2, 3).unbind(0)`, rotate_half rotary on the [N, H, d] views of q and k, then q / v moved to
// [H, N, d] and k to [H, d, N]. The region pass took only rank-4 head moves, so q, k and v were moved apart
// (5 TRANSPOSE with the merge); rank-3 head moves ([1, 0, 2], kᵀ's [1, 2, 0]) now go before the rotary region and the
// three unbound parts read the packed value moved once (src/convert/simplify-region-moves.ts): 2.
test("Qwen2-VL vision's rotary between the unbound [N, H, d] views and their moves: one head split, 5 TRANSPOSE → 2", async () => {
  const N = 12;
  const angle = Array.from({ length: N * D }, (_, i) => Math.floor(i / D) / 1000 ** ((2 * ((i % D) % (D / 2))) / D));
  const model = buildModel({
    inputs: [['x', 'float32', [N, E]]], outputs: ['y'], opset: 14,
    nodes: [
      node('MatMul', ['x', 'wqkv'], ['qkv']), node('Reshape', ['qkv', 'view'], ['qkv4']),
      node('Transpose', ['qkv4'], ['qkvt'], { perm: [1, 0, 2, 3] }),
      node('Split', ['qkvt', 'ones'], ['q1', 'k1', 'v1'], { axis: 0 }),
      node('Squeeze', ['q1', 'zero'], ['q']), node('Squeeze', ['k1', 'zero'], ['k']), node('Squeeze', ['v1', 'zero'], ['v']),
      ...rotary('q'), ...rotary('k'),
      node('Transpose', ['q_rot'], ['qh'], { perm: [1, 0, 2] }), node('Transpose', ['k_rot'], ['kt'], { perm: [1, 2, 0] }),
      node('Transpose', ['v'], ['vh'], { perm: [1, 0, 2] }),
      node('MatMul', ['qh', 'kt'], ['s']), node('Mul', ['s', 'scale'], ['ss']), node('Softmax', ['ss'], ['a'], { axis: -1 }),
      node('MatMul', ['a', 'vh'], ['o']), node('Transpose', ['o'], ['om'], { perm: [1, 0, 2] }),
      node('Reshape', ['om', 'merged'], ['c']), node('MatMul', ['c', 'wo'], ['y']),
    ],
    initializers: [
      tensor('cos', 'float32', [N, 1, D], angle.map(Math.cos)), tensor('sin', 'float32', [N, 1, D], angle.map(Math.sin)),
      tensor('wqkv', 'float32', [E, 3 * E], waveValues(3 * E * E, 1)), tensor('wo', 'float32', [E, E], waveValues(E * E, 2)),
      tensor('view', 'int64', [4], [N, 3, H, D]), tensor('ones', 'int64', [3], [1, 1, 1]), tensor('zero', 'int64', [1], [0]),
      tensor('lo', 'int64', [1], [0]), tensor('half', 'int64', [1], [D / 2]),
      tensor('hi', 'int64', [1], [D]), tensor('last', 'int64', [1], [-1]),
      tensor('scale', 'float32', [], [1 / Math.sqrt(D)]), tensor('merged', 'int64', [2], [N, E]),
    ],
  });
  const m = await matchBuilt(model, 'rotary-head-moves-rank3', 7);
  assert.equal(m.result.transposeCount, 2);
});

// GPT-J's decode step: separate q / k / v projections viewed [B, T, H, d], rotary on the first `rot` channels of q and k
// with sin / cos computed from run-time positions ([B, T, 1, rot]: not constants) and rotate_every_two (pairs
// stacked on a new last axis and flattened back: Unsqueeze / Concat / Reshape of rank 5), then the heads moved
// first. The region pass took only constant tables and rank-4 values, so q, k and v were each moved (4 TRANSPOSE with
// the merge); run-time tables whose move keeps their memory order (a RESHAPE) and trailing-dim Unsqueeze / Reshape
// are now taken: one head split and the merge, 2.
test("GPT-J's partial rotate_every_two rotary with run-time tables between separate q / k / v views and their moves: 4 TRANSPOSE → 2", async () => {
  const rot = 4;
  const pairs = (x: string): Node[] => [
    node('Slice', [x, 'lo', 'rot', 'last', 'two_step'], [`${x}_e`]), node('Slice', [x, 'one1', 'rot', 'last', 'two_step'], [`${x}_o`]),
    node('Neg', [`${x}_o`], [`${x}_no`]), node('Unsqueeze', [`${x}_no`, 'last'], [`${x}_u1`]), node('Unsqueeze', [`${x}_e`, 'last'], [`${x}_u2`]),
    node('Concat', [`${x}_u1`, `${x}_u2`], [`${x}_st`], { axis: -1 }), node('Reshape', [`${x}_st`, 'pairs_flat'], [`${x}_r2`]),
  ];
  const rotary2 = (x: string): Node[] => [
    node('Slice', [x, 'lo', 'rot', 'last'], [`${x}_r`]), node('Slice', [x, 'rot', 'hi', 'last'], [`${x}_p`]),
    node('Mul', [`${x}_r`, 'cos'], [`${x}_c`]), ...pairs(`${x}_r`), node('Mul', [`${x}_r_r2`, 'sin'], [`${x}_s`]),
    node('Add', [`${x}_c`, `${x}_s`], [`${x}_a`]), node('Concat', [`${x}_a`, `${x}_p`], [`${x}_rot`], { axis: -1 }),
  ];
  const model = buildModel({
    inputs: [['x', 'float32', [B, T, E]], ['pos', 'float32', [B, T]]], outputs: ['y'], opset: 14,
    nodes: [
      node('Unsqueeze', ['pos', 'last'], ['pos1']), node('Mul', ['pos1', 'inv_freq'], ['angle']),
      node('Sin', ['angle'], ['sin3']), node('Cos', ['angle'], ['cos3']),
      node('Unsqueeze', ['sin3', 'two'], ['sin']), node('Unsqueeze', ['cos3', 'two'], ['cos']),
      ...['q', 'k', 'v'].flatMap((n, i) => [node('MatMul', ['x', `w${n}`], [`${n}p`]), node('Reshape', [`${n}p`, 'view'], [n])]),
      ...rotary2('q'), ...rotary2('k'),
      ...attention(),
    ],
    initializers: [
      tensor('inv_freq', 'float32', [rot], Array.from({ length: rot }, (_, i) => 3 / 100 ** (Math.floor(i / 2) / rot))),
      ...['q', 'k', 'v'].map((n, i) => tensor(`w${n}`, 'float32', [E, E], waveValues(E * E, 7 + i))),
      tensor('wo', 'float32', [E, E], waveValues(E * E, 2)),
      tensor('view', 'int64', [4], [B, T, H, D]), tensor('two', 'int64', [1], [2]), tensor('pairs_flat', 'int64', [4], [B, T, H, rot]),
      tensor('lo', 'int64', [1], [0]), tensor('one1', 'int64', [1], [1]), tensor('rot', 'int64', [1], [rot]), tensor('two_step', 'int64', [1], [2]),
      tensor('hi', 'int64', [1], [D]), tensor('last', 'int64', [1], [-1]),
      tensor('scale', 'float32', [], [1 / Math.sqrt(D)]), tensor('merged', 'int64', [3], [B, T, E]),
    ],
  });
  const m = await matchBuilt(model, 'rotary-runtime-tables', 9);
  assert.equal(m.result.transposeCount, 2);
});
