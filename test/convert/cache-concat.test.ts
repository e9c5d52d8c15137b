// An autoregressive decoder unrolled by the exporter grows its key / value cache inside the graph: each step's key
// [B, heads, 1, d] is the model's head split of one token (Reshape, then a Transpose left lazy: stored [B, 1, heads, d],
// the same bytes as ONNX order) concatenated onto the cache along the token axis. The cache was concatenated in the
// lazy order, token-major, and every step's attention moved K and V back heads-first (Pix2Seq's greedy decode, 10
// steps x 2 layers: 42 TRANSPOSEs, 6 after). Parts stored in ONNX order's bytes are concatenated in ONNX order.
// (A packed projection's split heads are the ones left lazy: separate q / k / v projections were stored heads-first.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';
import type { Model } from '../../src/ir/types';

const H = 2, D = 4, C = H * D, STEPS = 3;

/** STEPS decode steps over tokens x[:, t]: the packed q, k, v projection split and split into heads, k / v appended to the caches,
 *  softmax(q·Kᵀ)·V merged back; the steps' outputs concatenated. */
function unrolledDecoder(): Model {
  const nodes = [];
  const outs: string[] = [];
  for (let t = 0; t < STEPS; t++) {
    const s = `s${t}`;
    nodes.push(node('Gather', ['x', `i${t}`], [`${s}x`], { axis: 1 }), node('Unsqueeze', [`${s}x`, 'ax1'], [`${s}tok`]));
    // One packed projection split in three (torch's `qkv(x).chunk(3, -1)`), each split into heads.
    nodes.push(node('MatMul', [`${s}tok`, 'wqkv'], [`${s}qkv`]), node('Split', [`${s}qkv`, 'thirds'], ['q', 'k', 'v'].map((p) => `${s}${p}l`), { axis: -1 }));
    for (const p of ['q', 'k', 'v']) {
      nodes.push(node('Reshape', [`${s}${p}l`, 'heads'], [`${s}${p}r`]), node('Transpose', [`${s}${p}r`], [`${s}${p}`], { perm: [0, 2, 1, 3] }));
    }
    if (t === 0) {
      nodes.push(node('Identity', [`${s}k`], [`${s}K`]), node('Identity', [`${s}v`], [`${s}V`]));
    } else {
      nodes.push(node('Concat', [`s${t - 1}K`, `${s}k`], [`${s}K`], { axis: 2 }), node('Concat', [`s${t - 1}V`, `${s}v`], [`${s}V`], { axis: 2 }));
    }
    nodes.push(node('Transpose', [`${s}K`], [`${s}Kt`], { perm: [0, 1, 3, 2] }), node('MatMul', [`${s}q`, `${s}Kt`], [`${s}sc`]),
      node('Softmax', [`${s}sc`], [`${s}p`], { axis: -1 }), node('MatMul', [`${s}p`, `${s}V`], [`${s}a`]),
      node('Transpose', [`${s}a`], [`${s}at`], { perm: [0, 2, 1, 3] }), node('Reshape', [`${s}at`, 'merge'], [`${s}y`]));
    outs.push(`${s}y`);
  }
  nodes.push(node('Concat', outs, ['y'], { axis: 1 }));
  return buildModel({
    inputs: [['x', 'float32', [1, STEPS, C]]], outputs: ['y'], opset: 13, nodes,
    initializers: [
      ...Array.from({ length: STEPS }, (_, t) => tensor(`i${t}`, 'int64', [], [t])), tensor('ax1', 'int64', [1], [1]),
      tensor('heads', 'int64', [4], [1, 1, H, D]), tensor('merge', 'int64', [3], [1, 1, C]),
      tensor('wqkv', 'float32', [C, 3 * C], waveValues(3 * C * C, 1)), tensor('thirds', 'int64', [3], [C, C, C]),
    ],
  });
}

test('a key / value cache grown one token a step is concatenated heads-first: no TRANSPOSE', async () => {
  const m = await matchBuilt(unrolledDecoder(), 'cache-concat', 5);
  assert.equal(m.result.transposeCount, 0, 'K and V read as concatenated, K by adj_y');
});
