// FunASR's SAN-M attention (Paraformer, SenseVoice): `q, k, v = split(linear_q_k_v(x))`, each part viewed
// [B, T, H, d] and moved heads-first — k's move also swaps its last two dims (`heads(k).transpose(-2, -1)`, perm
// (0, 2, 3, 1)) — and v, besides its head view, feeds the FSMN memory (a padded depthwise Conv1d of v · mask). Each
// part used to take its own TRANSPOSE (q, k, v) plus the merge's: 4. One head split of the packed projection serves
// q, k (adj_y) and v; the FSMN branch keeps its Slice of the projection: 2 (src/convert/simplify-heads.ts
// fuseChunkedHeads).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';
import type { Model } from '../../src/ir/types';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
const B = 1, T = 12, E = 16, H = 2, D = E / H, K = 5;

function sanmAttention(opset: number, kPerm: number[]): Model {
  return buildModel({
    inputs: [['x', 'float32', [B, T, E]], ['mask', 'float32', [B, T, 1]]], outputs: ['y'], opset,
    nodes: [
      node('MatMul', ['x', 'wqkv'], ['p']), node('Add', ['p', 'bqkv'], ['qkv']),
      opset >= 13 ? node('Split', ['qkv', 'sizes'], ['q', 'k', 'v'], { axis: -1 }) : node('Split', ['qkv'], ['q', 'k', 'v'], { axis: -1, split: [E, E, E] }),
      // The FSMN memory: (v · mask) as [B, E, T], padded, a depthwise Conv1d, back to [B, T, E].
      node('Mul', ['v', 'mask'], ['vm']), node('Transpose', ['vm'], ['vc'], { perm: [0, 2, 1] }),
      node('Pad', opset >= 11 ? ['vc', 'pads'] : ['vc'], ['vp'], opset >= 11 ? {} : { pads: [0, 0, 2, 0, 0, 2] }),
      node('Conv', ['vp', 'wf'], ['fc'], { kernel_shape: [K], group: E }), node('Transpose', ['fc'], ['f'], { perm: [0, 2, 1] }),
      node('Add', ['f', 'vm'], ['fsmn']),
      node('Reshape', ['q', 'hshape'], ['qr']), node('Transpose', ['qr'], ['qh'], { perm: [0, 2, 1, 3] }),
      node('Reshape', ['k', 'hshape'], ['kr']), node('Transpose', ['kr'], ['kh'], { perm: kPerm }),
      node('Reshape', ['v', 'hshape'], ['vr']), node('Transpose', ['vr'], ['vh'], { perm: [0, 2, 1, 3] }),
      node('Mul', ['qh', 'scale'], ['qs']),
      ...(kPerm.join() === '0,2,3,1' ? [node('MatMul', ['qs', 'kh'], ['s'])]
        : [node('Transpose', ['kh'], ['kt'], { perm: [0, 1, 3, 2] }), node('MatMul', ['qs', 'kt'], ['s'])]),
      node('Softmax', ['s'], ['a'], { axis: -1 }), node('MatMul', ['a', 'vh'], ['o']),
      node('Transpose', ['o'], ['om'], { perm: [0, 2, 1, 3] }), node('Reshape', ['om', 'merged'], ['c']),
      node('MatMul', ['c', 'wo'], ['att']), node('Add', ['att', 'fsmn'], ['y']),
    ],
    initializers: [
      tensor('wqkv', 'float32', [E, 3 * E], seq(3 * E * E, (i) => 0.3 * Math.sin(i * 0.37))),
      tensor('bqkv', 'float32', [3 * E], seq(3 * E, (i) => 0.05 * Math.cos(i))),
      tensor('wf', 'float32', [E, 1, K], seq(E * K, (i) => 0.3 * Math.cos(i * 0.71))),
      tensor('wo', 'float32', [E, E], seq(E * E, (i) => 0.25 * Math.sin(i * 1.3))),
      tensor('hshape', 'int64', [4], [B, T, H, D]), tensor('merged', 'int64', [3], [B, T, E]),
      tensor('scale', 'float32', [], [D ** -0.5]),
      ...(opset >= 11 ? [tensor('pads', 'int64', [6], [0, 0, 2, 0, 0, 2])] : []),
      ...(opset >= 13 ? [tensor('sizes', 'int64', [3], [E, E, E])] : []),
    ],
  });
}

for (const [opset, kPerm] of [[14, [0, 2, 3, 1]], [11, [0, 2, 3, 1]], [14, [0, 2, 1, 3]]] as const) {
  test(`SAN-M's q / k / v split (opset ${opset}, k moved by (${kPerm})) with v read by the FSMN conv: one head split, 4 TRANSPOSE → 2`, async () => {
    const m = await matchBuilt(sanmAttention(opset, [...kPerm]), `sanm-${opset}`, 3);
    // The packed head split and the merge; the FSMN conv reads v's Slice channel-last, no move.
    assert.equal(m.result.transposeCount, 2);
    const ops = m.result.model.subgraphs[0].operators.map((o) => o.opcode);
    assert.equal(ops.filter((o) => o === 'BATCH_MATMUL').length, 2);
  });
}
