// F5-TTS's DiT attention: q, k, v separate projections of one input, and x_transformers' rotary applied to q and k on
// [B, N, E] before the head view — interleaved pairs (`view(.., -1, 2)`, `unbind`, `stack((-x2, x1))`, flatten) on
// the first dim_head channels only, the rest concatenated back. q and k each kept a TRANSPOSE of their own beside v's
// (4 with the merge). The region is now recognised as s·C + s[π]·S by evaluating it (src/convert/simplify-rotary-heads.ts)
// and written after the plain head view, which the three projections share as one split: 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import type { Node } from '../../src/ir/types';
import { matchBuilt, waveValues } from '../helpers/match';

const B = 1, N = 10, H = 4, D = 8, E = H * D;

function rotaryFirstHead(x: string): Node[] {
  const v = (s: string) => `${x}_${s}`;
  return [
    node('Slice', [x, 'zero', 'dh', 'last'], [v('r')]), node('Slice', [x, 'dh', 'big', 'last'], [v('rest')]),
    node('Reshape', [v('r'), 'pairs'], [v('p')]), node('Split', [v('p'), 'one1'], [v('p1'), v('p2')], { axis: -1 }),
    node('Squeeze', [v('p1'), 'last'], [v('x1')]), node('Squeeze', [v('p2'), 'last'], [v('x2')]), node('Neg', [v('x2')], [v('nx2')]),
    node('Unsqueeze', [v('nx2'), 'last'], [v('u2')]), node('Unsqueeze', [v('x1'), 'last'], [v('u1')]),
    node('Concat', [v('u2'), v('u1')], [v('st')], { axis: -1 }), node('Reshape', [v('st'), 'flat'], [v('rh')]),
    node('Mul', [v('r'), 'cos'], [v('rc')]), node('Mul', [v('rh'), 'sin'], [v('rs')]), node('Add', [v('rc'), v('rs')], [v('rot')]),
    node('Concat', [v('rot'), v('rest')], [v('out')], { axis: -1 }), node('Reshape', [v('out'), 'hshape'], [v('heads')]),
  ];
}

test("F5-TTS's rotary on the first head's channels of [B, N, E] q / k before the head view: one head split, 4 TRANSPOSE → 2", async () => {
  const angle = (n: number, k: number) => n / 100 ** ((2 * Math.floor(k / 2)) / D);
  const model = buildModel({
    inputs: [['x', 'float32', [B, N, E]]], outputs: ['y'], opset: 14,
    nodes: [
      ...['q', 'k', 'v'].flatMap((p) => [node('MatMul', ['x', `w${p}`], [`${p}m`]), node('Add', [`b${p}`, `${p}m`], [p])]),
      ...rotaryFirstHead('q'), ...rotaryFirstHead('k'), node('Reshape', ['v', 'hshape'], ['v_heads']),
      node('Transpose', ['q_heads'], ['qh'], { perm: [0, 2, 1, 3] }), node('Transpose', ['k_heads'], ['kt'], { perm: [0, 2, 3, 1] }),
      node('Transpose', ['v_heads'], ['vh'], { perm: [0, 2, 1, 3] }),
      node('MatMul', ['qh', 'kt'], ['s']), node('Mul', ['s', 'scale'], ['ss']), node('Softmax', ['ss'], ['a'], { axis: -1 }),
      node('MatMul', ['a', 'vh'], ['o']), node('Transpose', ['o'], ['om'], { perm: [0, 2, 1, 3] }),
      node('Reshape', ['om', 'merged'], ['c']), node('MatMul', ['c', 'wo'], ['y']),
    ],
    initializers: [
      ...['q', 'k', 'v'].flatMap((p, j) => [tensor(`w${p}`, 'float32', [E, E], waveValues(E * E, j + 1)), tensor(`b${p}`, 'float32', [E], waveValues(E, j + 5))]),
      tensor('wo', 'float32', [E, E], waveValues(E * E, 9)),
      tensor('cos', 'float32', [N, D], Array.from({ length: N * D }, (_, i) => Math.cos(angle(Math.floor(i / D), i % D)))),
      tensor('sin', 'float32', [N, D], Array.from({ length: N * D }, (_, i) => Math.sin(angle(Math.floor(i / D), i % D)))),
      tensor('zero', 'int64', [1], [0]), tensor('dh', 'int64', [1], [D]), tensor('big', 'int64', [1], [1e9]), tensor('last', 'int64', [1], [-1]),
      tensor('pairs', 'int64', [4], [B, N, -1, 2]), tensor('one1', 'int64', [2], [1, 1]), tensor('flat', 'int64', [3], [B, N, -1]),
      tensor('hshape', 'int64', [4], [B, N, H, D]), tensor('scale', 'float32', [], [1 / Math.sqrt(D)]), tensor('merged', 'int64', [3], [B, N, E]),
    ],
  });
  const m = await matchBuilt(model, 'rotary-first-head', 7);
  assert.equal(m.result.transposeCount, 2);
});
