// A Reshape that keeps its input's stored order (ops/_reshape.ts) may leave the value in an order that is neither
// ONNX nor channel-last: MobileViTv2's unfolded patches [B, d, p², N] are stored [B, N, d, p²] (the unfold conv's
// NHWC). When every reader carries the value on to a convolution (the norm before the attention's 1×1 conv, the
// residual Add around it), it is moved to channel-last once at the Reshape instead of once per reader: 3 TRANSPOSE
// a block → 2 (the fold back needs the other). With another kind of reader the rule stays out (same count as before). Real LiteRT
// against onnxruntime-node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededUniform } from '../../src/core/random';
import type { Model, Node } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertAndMatch } from '../helpers/match';

const [C, H, P, D] = [8, 8, 4, 8];
const N = (H / 2) * (H / 2);
const w = (name: string, dims: number[], seed: number) => {
  const r = seededUniform(seed);
  return tensor(name, 'float32', dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1));
};
const i64 = (name: string, v: number[]) => tensor(name, 'int64', [v.length], v);

/** Unfold (grouped 2×2 stride-2 conv) → Reshape [1, d, p², N] → per-channel affine (a norm's) → 1×1 conv → residual
 *  Add → Reshape back → DepthToSpace → 1×1 conv; `extra` adds readers of the patches. */
function block(extra: Node[] = [], outputs: string[] = ['y']): Model {
  return buildModel({
    opset: 17, inputs: [['x', 'float32', [1, C, H, H]]], outputs,
    initializers: [w('unfold', [C * P, 1, 2, 2], 1), w('g', [D, 1, 1], 2), w('b', [D, 1, 1], 3), w('wa', [D, D, 1, 1], 4), w('wp', [C, C, 1, 1], 5),
      w('wm', [N, 3], 6), i64('view', [1, D, P, N]), i64('fold', [1, C * P, H / 2, H / 2])],
    nodes: [
      node('Conv', ['x', 'unfold'], ['u'], { group: C, strides: [2, 2], kernel_shape: [2, 2] }), node('Reshape', ['u', 'view'], ['patches']),
      node('Mul', ['patches', 'g'], ['scaled']), node('Add', ['scaled', 'b'], ['normed']), node('Conv', ['normed', 'wa'], ['attn']),
      node('Add', ['patches', 'attn'], ['res']), node('Reshape', ['res', 'fold'], ['folded']),
      node('DepthToSpace', ['folded'], ['map'], { blocksize: 2, mode: 'CRD' }), node('Conv', ['map', 'wp'], ['y']), ...extra,
    ],
  });
}

async function check(model: Model, transposes: number): Promise<void> {
  const m = await convertAndMatch(encodeModel(model), model, [w('x', [1, C, H, H], 9)]);
  assert.equal(m.result.transposeCount, transposes, `TRANSPOSE count (${JSON.stringify(m.result.opHistogram)})`);
  for (const o of m.outputs) assert.ok(o.rel <= 1e-5, `${o.name}: max|diff| ${o.maxDiff}, max|ref| ${o.maxRef}`);
}

test('MobileViTv2-style block: the patches move to channel-last once, at the view (2 TRANSPOSE, was 3), and match onnxruntime', async () => {
  await check(block(), 2);
});

test('a reader that is not carried on to a convolution (a MatMul, an output) keeps the stored order: 4 TRANSPOSE as before', async () => {
  await check(block([node('MatMul', ['patches', 'wm'], ['side'])], ['y', 'side']), 4);
});
