// A UNet's cross-attentions over one text context (a DDIM step's: head size 16 in two blocks, 32 in the middle one):
// every k and v is a separate projection of the context, viewed [B, S, H, d] and moved heads-first (k with kᵀ).
// The packed head split took only the largest group of one head size (the two blocks' k and v: one TRANSPOSE), and the
// other block's k and v had one TRANSPOSE each. Now every head size with two or more branches gets its own packed
// split (src/convert/simplify-attention.ts fuseSeparateProjections): per attention q's head split and the merge, plus
// one split per head size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';
import type { Model, Node, Tensor } from '../../src/ir/types';

const B = 2, S = 6, C = 12, L = 5, E = 32;

/** Cross-attention `a` of x [B, L, E] over the context [B, S, C] with H heads of size E / H: nodes and weights. */
function crossAttention(a: string, x: string, H: number, seed: number): { nodes: Node[]; inits: Tensor[] } {
  const d = E / H;
  const w = (n: string, rows: number, k: number) => tensor(`${a}_w${n}`, 'float32', [rows, E], waveValues(rows * E, seed + k));
  const view = (n: string, src: string) => [node('MatMul', [src, `${a}_w${n}`], [`${a}_${n}m`]),
    node('Reshape', [`${a}_${n}m`, `${a}_${n}shape`], [`${a}_${n}r`])];
  return {
    nodes: [
      ...view('q', x), ...view('k', 'context'), ...view('v', 'context'),
      node('Transpose', [`${a}_qr`], [`${a}_qh`], { perm: [0, 2, 1, 3] }),
      node('Transpose', [`${a}_kr`], [`${a}_kt`], { perm: [0, 2, 3, 1] }),
      node('Transpose', [`${a}_vr`], [`${a}_vh`], { perm: [0, 2, 1, 3] }),
      node('MatMul', [`${a}_qh`, `${a}_kt`], [`${a}_s`]), node('Mul', [`${a}_s`, `${a}_scale`], [`${a}_ss`]),
      node('Softmax', [`${a}_ss`], [`${a}_p`], { axis: -1 }), node('MatMul', [`${a}_p`, `${a}_vh`], [`${a}_o`]),
      node('Transpose', [`${a}_o`], [`${a}_om`], { perm: [0, 2, 1, 3] }), node('Reshape', [`${a}_om`, 'merged'], [`${a}_y`]),
    ],
    inits: [
      w('q', E, 0), w('k', C, 1), w('v', C, 2),
      tensor(`${a}_qshape`, 'int64', [4], [B, L, H, d]), tensor(`${a}_kshape`, 'int64', [4], [B, S, H, d]),
      tensor(`${a}_vshape`, 'int64', [4], [B, S, H, d]), tensor(`${a}_scale`, 'float32', [], [d ** -0.5]),
    ],
  };
}

function unetCrossAttentions(sizes: number[]): Model {
  const parts = sizes.map((h, i) => crossAttention(`a${i}`, i === 0 ? 'x' : `a${i - 1}_y`, h, 3 * i));
  return buildModel({
    inputs: [['x', 'float32', [B, L, E]], ['context', 'float32', [B, S, C]]], outputs: [`a${sizes.length - 1}_y`], opset: 14,
    nodes: parts.flatMap((p) => p.nodes),
    initializers: [...parts.flatMap((p) => p.inits), tensor('merged', 'int64', [3], [B, L, E])],
  });
}

test('k and v of every head size over one context get one packed head split each, equal to onnxruntime', async () => {
  // Heads of size 16 (2 heads) in the first and last attention, 8 (4 heads) in the middle one.
  const m = await matchBuilt(unetCrossAttentions([2, 4, 2]), 'cross-sizes', 5);
  // 3 q splits + 3 merges + one split for size 16 + one for size 8 (was 9: the middle block's k and v one each).
  assert.equal(m.result.transposeCount, 8);
});

test('one cross-attention: its k and v packed as before (q split, k / v split, merge)', async () => {
  const m = await matchBuilt(unetCrossAttentions([4]), 'cross-one', 6);
  assert.equal(m.result.transposeCount, 3);
});
