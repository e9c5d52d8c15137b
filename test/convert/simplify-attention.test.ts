// Separate q / k / v projections of one input packed into one head split (src/convert/simplify-attention.ts
// fuseSeparateProjections) when the projections reading that input differ in head size: the largest group of one
// head size is packed, the others keep their own split (SAM's two-way transformer: queries + pe feed the next
// layer's self-attention q and k, head size 16, and the image-to-token k, head size 8; sam_decoder_style 24 → 23
// TRANSPOSE). Real LiteRT against onnxruntime-node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededUniform } from '../../src/core/random';
import type { Node } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertAndMatch } from '../helpers/match';

const [L, E, M] = [8, 16, 6];
const w = (name: string, dims: number[], seed: number) => {
  const r = seededUniform(seed);
  return tensor(name, 'float32', dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => (r() * 2 - 1) * 0.5));
};
const i64 = (name: string, v: number[]) => tensor(name, 'int64', [v.length], v);

/** MatMul(X, W) + bias → Reshape [1, n, H, d] → Transpose (k: [0, 2, 3, 1]). */
function heads(x: string, p: string, n: number, h: number, d: number, k = false): Node[] {
  return [node('MatMul', [x, `w_${p}`], [`${p}_mm`]), node('Add', [`${p}_mm`, `b_${p}`], [`${p}_b`]),
    node('Reshape', [`${p}_b`, `shape_${n}_${h}_${d}`], [`${p}_r`]), node('Transpose', [`${p}_r`], [`${p}_h`], { perm: k ? [0, 2, 3, 1] : [0, 2, 1, 3] })];
}

test('q and k of one input (head size 8) packed into one split beside a head-size-4 projection of it: 4 TRANSPOSE (was 5)', async () => {
  const model = buildModel({
    opset: 17, inputs: [['x', 'float32', [1, L, E]], ['mem', 'float32', [1, M, E]]], outputs: ['y', 'z'],
    initializers: [...['q', 'k', 'v', 's'].flatMap((p, j) => [w(`w_${p}`, [E, E], 10 + j), w(`b_${p}`, [E], 20 + j)]),
      i64(`shape_${L}_2_8`, [1, L, 2, 8]), i64(`shape_${M}_2_8`, [1, M, 2, 8]), i64(`shape_${L}_4_4`, [1, L, 4, 4]), i64('merge', [1, L, E]),
      tensor('scale', 'float32', [], [0.35])],
    nodes: [
      ...heads('x', 'q', L, 2, 8), ...heads('x', 'k', L, 2, 8, true), ...heads('mem', 'v', M, 2, 8), ...heads('x', 's', L, 4, 4),
      node('MatMul', ['q_h', 'k_h'], ['scores']), node('Mul', ['scores', 'scale'], ['scaled']), node('Softmax', ['scaled'], ['probs'], { axis: -1 }),
      // The weights applied to q's heads (any [1, 2, L, 8] value serves); v of another input is an output of its own.
      node('MatMul', ['probs', 'q_h'], ['ctx']), node('Transpose', ['ctx'], ['ctx_t'], { perm: [0, 2, 1, 3] }), node('Reshape', ['ctx_t', 'merge'], ['y']),
      node('Relu', ['s_h'], ['z']), node('Identity', ['v_h'], ['v_out']),
    ],
  });
  const g = { ...model, graph: { ...model.graph, outputs: [...model.graph.outputs, { name: 'v_out', dtype: 'float32' as const, shape: [1, 2, M, 8] }] } };
  const x = w('x', [1, L, E], 1);
  const mem = w('mem', [1, M, E], 2);
  const m = await convertAndMatch(encodeModel(g), g, [x, mem]);
  // q + k: one split; the head-size-4 branch: its own; v over mem: its own (an output, stored as ONNX wants); the merge.
  assert.equal(m.result.transposeCount, 4, JSON.stringify(m.result.opHistogram));
  for (const o of m.outputs) assert.ok(o.rel <= 1e-5, `${o.name}: max|diff| ${o.maxDiff}, max|ref| ${o.maxRef}`);
});
