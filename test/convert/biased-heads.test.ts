// NeMo's FastConformer rel-pos attention: q, k, v are separate projections of one input; q is viewed [B, T, H, d] and
// two biased copies of it (q + pos_bias_u, q + pos_bias_v, each [H, d]) are moved heads-first for the content and
// position scores, k moved with kᵀ, v heads-first. k and v took one packed head split, q its own move (shared by the
// two copies), and the merge: 3 TRANSPOSE an attention. q now joins the packed split and its biases are added to its
// head-first slice (viewed [H, 1, d]): 2, the head split and the merge (src/convert/simplify-attention.ts
// fuseSeparateProjections).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';
import type { Model } from '../../src/ir/types';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
const T = 10, E = 16, H = 2, D = E / H;

function relPosAttention(batch: number): Model {
  const proj = (n: string) => [node('MatMul', ['x', `w${n}`], [`${n}m`]), node('Add', [`${n}m`, `b${n}`], [`${n}p`]),
    node('Reshape', [`${n}p`, 'hshape'], [`${n}r`])];
  const weights = (n: string, k: number) => [tensor(`w${n}`, 'float32', [E, E], seq(E * E, (i) => 0.3 * Math.sin(i * 0.37 + k))),
    tensor(`b${n}`, 'float32', [E], seq(E, (i) => 0.05 * Math.cos(i + k)))];
  return buildModel({
    inputs: [['x', 'float32', [batch, T, E]]], outputs: ['y'], opset: 13,
    nodes: [
      ...proj('q'), ...proj('k'), ...proj('v'),
      node('Add', ['qr', 'pos_bias_u'], ['qu']), node('Transpose', ['qu'], ['qut'], { perm: [0, 2, 1, 3] }),
      node('Add', ['qr', 'pos_bias_v'], ['qv']), node('Transpose', ['qv'], ['qvt'], { perm: [0, 2, 1, 3] }),
      node('Transpose', ['kr'], ['kt'], { perm: [0, 2, 3, 1] }), node('Transpose', ['vr'], ['vh'], { perm: [0, 2, 1, 3] }),
      node('MatMul', ['qut', 'kt'], ['ac']), node('MatMul', ['qvt', 'pe'], ['bd']), node('Add', ['ac', 'bd'], ['s']),
      node('Mul', ['s', 'scale'], ['ss']), node('Softmax', ['ss'], ['a'], { axis: -1 }), node('MatMul', ['a', 'vh'], ['o']),
      node('Transpose', ['o'], ['om'], { perm: [0, 2, 1, 3] }), node('Reshape', ['om', 'merged'], ['y']),
    ],
    initializers: [
      ...weights('q', 0), ...weights('k', 1), ...weights('v', 2),
      tensor('pos_bias_u', 'float32', [H, D], seq(H * D, (i) => 0.2 * Math.sin(i * 1.3))),
      tensor('pos_bias_v', 'float32', [H, D], seq(H * D, (i) => 0.2 * Math.cos(i * 0.9))),
      // The position projection (constant: its head split folds).
      tensor('pe', 'float32', [H, D, T], seq(H * D * T, (i) => 0.1 * Math.sin(i * 0.53))),
      tensor('hshape', 'int64', [4], [batch, T, H, D]), tensor('merged', 'int64', [3], [batch, T, E]),
      tensor('scale', 'float32', [], [D ** -0.5]),
    ],
  });
}

for (const batch of [1, 2]) {
  test(`q + pos_bias_u / _v join k and v's packed head split (batch ${batch}): 3 TRANSPOSE → 2, equal to onnxruntime`, async () => {
    const m = await matchBuilt(relPosAttention(batch), `relpos-${batch}`, 9);
    assert.equal(m.result.transposeCount, 2);
  });
}
