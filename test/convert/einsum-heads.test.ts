// iTransformer's attention as Time-Series-Library's FullAttention writes it: q, k, v three separate projections of
// one input, each viewed [B, L, H, E], then `einsum("blhe,bshe->bhls", q, k)` and `einsum("bhls,bshd->blhd", a, v)`.
// The Einsum converter asked for each operand heads-first: q, k and v a TRANSPOSE each, 4 with the merge. The
// Einsums are now written as the Transposes and MatMuls they mean (src/convert/simplify-einsum-heads.ts), which the
// separate-projections pass gives one head split: 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const B = 2, L = 7, H = 4, D = 8, E = H * D;

test("iTransformer's einsum attention over separate q / k / v projections: one head split, 4 TRANSPOSE → 2", async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [B, L, E]]], outputs: ['y'], opset: 14,
    nodes: [
      ...['q', 'k', 'v'].flatMap((p) => [node('MatMul', ['x', `w${p}`], [`${p}m`]), node('Add', [`b${p}`, `${p}m`], [`${p}a`]),
        node('Reshape', [`${p}a`, 'hshape'], [`${p}h`])]),
      node('Einsum', ['qh', 'kh'], ['s'], { equation: 'blhe,bshe->bhls' }), node('Mul', ['s', 'scale'], ['ss']),
      node('Softmax', ['ss'], ['a'], { axis: -1 }), node('Einsum', ['a', 'vh'], ['o'], { equation: 'bhls,bshd->blhd' }),
      node('Reshape', ['o', 'merged'], ['om']), node('MatMul', ['om', 'wo'], ['y']),
    ],
    initializers: [
      ...['q', 'k', 'v'].flatMap((p, j) => [tensor(`w${p}`, 'float32', [E, E], waveValues(E * E, j + 1)), tensor(`b${p}`, 'float32', [E], waveValues(E, j + 7))]),
      tensor('wo', 'float32', [E, E], waveValues(E * E, 11)), tensor('scale', 'float32', [], [1 / Math.sqrt(D)]),
      tensor('hshape', 'int64', [4], [B, L, H, D]), tensor('merged', 'int64', [3], [B, L, E]),
    ],
  });
  const m = await matchBuilt(model, 'einsum-heads', 3);
  assert.equal(m.result.transposeCount, 2);
});
