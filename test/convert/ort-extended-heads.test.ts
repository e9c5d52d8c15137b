// Attention saved by onnxruntime at graphOptimizationLevel "extended" carried twice the opset-17 export's TRANSPOSEs
// (vit 4 → 8, BERT 4 → 8, whisper 8 → 16, swin_t 24 → 48): its rewrites hide the head splits the attention passes
// pack into one. Each case below is the optimizer's form of one attention (q, k, v and the merge: 4 TRANSPOSE before)
// and now takes the export's 2 (one head split for q, k and v, the merge), equal to onnxruntime on LiteRT:
// - MatMulAddFusion's Linears, Reshape [1, L, E] → [L, E] → Gemm → Reshape back (ReshapeFusion may have merged that
//   view with the head view: [L, E'] → [1, L, H, d] at once), and MatMulScaleFusion's FusedMatMul with alpha (BERT,
//   whisper, wav2vec2): simplify-gemm-rows.ts `sameRows`, before the attention passes;
// - GatherSliceToSplitFusion's Split of nn.MultiheadAttention's packed [L, 1, 3E] projection, its parts viewed
//   [L, H, d] and read by FusedMatMul with transBatch flags (torchvision's ViT): simplify-heads.ts
//   splitChunksAsSlices `packed`;
// - the transpose optimizer's Split → Squeeze → Transpose of Swin's `qkv.permute(2, 0, 3, 1, 4).unbind(0)`, k moved
//   straight to kᵀ ([0, 2, 3, 1]) and q, v heads-first ([0, 2, 1, 3]): simplify-region-moves.ts unitSplitsAsGathers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';
import type { Model, Node } from '../../src/ir/types';

const L = 6, E = 16, H = 4, D = E / H;

const ms = (n: Node): Node => ({ ...n, domain: 'com.microsoft' });
function withMs(model: Model): Model {
  model.opsets.set('com.microsoft', 1);
  return model;
}

// BERT-like: three Linears of x [1, L, E] flattened to rows; v's view back merged with its head view (whisper).
function gemmRowsAttention(): Model {
  const linear = (p: string, viewed: boolean) => [
    node('Reshape', ['x', 'rows'], [`${p}_in`]), node('Gemm', [`${p}_in`, `w${p}`, `b${p}`], [`${p}_out`]),
    ...(viewed ? [node('Reshape', [`${p}_out`, 'heads'], [`${p}_r`])]
      : [node('Reshape', [`${p}_out`, 'back'], [`${p}_3d`]), node('Reshape', [`${p}_3d`, 'heads'], [`${p}_r`])]),
  ];
  return withMs(buildModel({
    inputs: [['x', 'float32', [1, L, E]]], outputs: ['y'], opset: 14,
    nodes: [
      ...linear('q', false), ...linear('k', false), ...linear('v', true),
      node('Transpose', ['q_r'], ['qh'], { perm: [0, 2, 1, 3] }), node('Transpose', ['k_r'], ['kt'], { perm: [0, 2, 3, 1] }),
      node('Transpose', ['v_r'], ['vh'], { perm: [0, 2, 1, 3] }),
      ms(node('FusedMatMul', ['qh', 'kt'], ['s'], { alpha: D ** -0.5 })), node('Softmax', ['s'], ['p'], { axis: -1 }),
      node('MatMul', ['p', 'vh'], ['o']), node('Transpose', ['o'], ['om'], { perm: [0, 2, 1, 3] }), node('Reshape', ['om', 'back'], ['y']),
    ],
    initializers: [
      ...['q', 'k', 'v'].flatMap((p, i) => [tensor(`w${p}`, 'float32', [E, E], waveValues(E * E, i + 1)), tensor(`b${p}`, 'float32', [E], waveValues(E, i + 5))]),
      tensor('rows', 'int64', [2], [L, E]), tensor('back', 'int64', [3], [1, L, E]), tensor('heads', 'int64', [4], [1, L, H, D]),
    ],
  }));
}

// torchvision ViT's nn.MultiheadAttention at batch 1: the packed projection split in one Split, FusedMatMul's moves.
function splitPackedAttention(): Model {
  const f = (k: string, v: number) => [k, v] as const;
  return withMs(buildModel({
    inputs: [['x', 'float32', [L, 1, E]]], outputs: ['y'], opset: 14,
    nodes: [
      node('Reshape', ['x', 'rows'], ['xi']), node('Gemm', ['xi', 'w', 'b'], ['xo']), node('Reshape', ['xo', 'packed'], ['qkv']),
      node('Split', ['qkv', 'splits'], ['q', 'k', 'v'], { axis: 2 }),
      node('Reshape', ['q', 'heads'], ['qr']), node('Reshape', ['k', 'heads'], ['kr']), node('Reshape', ['v', 'heads'], ['vr']),
      ms(node('FusedMatMul', ['qr', 'kr'], ['s'], Object.fromEntries([f('transBatchA', 1), f('transBatchB', 1), f('transB', 1), f('alpha', D ** -0.5)]))),
      node('Softmax', ['s'], ['p'], { axis: -1 }),
      ms(node('FusedMatMul', ['p', 'vr'], ['o'], { transBatchB: 1 })),
      node('Transpose', ['o'], ['om'], { perm: [1, 0, 2] }), node('Reshape', ['om', 'merged'], ['y']),
    ],
    initializers: [
      tensor('w', 'float32', [E, 3 * E], waveValues(3 * E * E, 1)), tensor('b', 'float32', [3 * E], waveValues(3 * E, 2)),
      tensor('rows', 'int64', [2], [L, E]), tensor('packed', 'int64', [3], [L, 1, 3 * E]), tensor('splits', 'int64', [3], [E, E, E]),
      tensor('heads', 'int64', [3], [L, H, D]), tensor('merged', 'int64', [3], [L, 1, E]),
    ],
  }));
}

// Swin's windows [W, N, 3, H, d] unbound by a Split of unit parts, each Squeezed and moved; k straight to kᵀ.
function unitSplitAttention(H = 4): Model {
  const Wn = 2;
  return withMs(buildModel({
    inputs: [['x', 'float32', [Wn, L, 3, H, D]]], outputs: ['y'], opset: 14,
    nodes: [
      node('Split', ['x', 'ones'], ['q1', 'k1', 'v1'], { axis: 2 }),
      node('Squeeze', ['q1', 'ax'], ['q']), node('Squeeze', ['k1', 'ax'], ['k']), node('Squeeze', ['v1', 'ax'], ['v']),
      node('Transpose', ['q'], ['qh'], { perm: [0, 2, 1, 3] }), node('Transpose', ['k'], ['kt'], { perm: [0, 2, 3, 1] }),
      node('Transpose', ['v'], ['vh'], { perm: [0, 2, 1, 3] }),
      ms(node('FusedMatMul', ['qh', 'kt'], ['s'], { alpha: D ** -0.5 })), node('Softmax', ['s'], ['p'], { axis: -1 }),
      node('MatMul', ['p', 'vh'], ['o']), node('Transpose', ['o'], ['om'], { perm: [0, 2, 1, 3] }), node('Reshape', ['om', 'merged'], ['y']),
    ],
    initializers: [tensor('ones', 'int64', [3], [1, 1, 1]), tensor('ax', 'int64', [1], [2]), tensor('merged', 'int64', [3], [Wn, L, H * D])],
  }));
}

test('onnxruntime-extended Linears (Reshape → Gemm → Reshape, a merged head view, FusedMatMul alpha): q, k, v one head split, 4 TRANSPOSE → 2', async () => {
  const m = await matchBuilt(gemmRowsAttention(), 'ort-ext-gemm-rows', 21);
  assert.equal(m.result.transposeCount, 2);
});

test('onnxruntime-extended nn.MultiheadAttention (packed projection, one Split, FusedMatMul transBatch): 4 TRANSPOSE → 2', async () => {
  const m = await matchBuilt(splitPackedAttention(), 'ort-ext-split-packed', 22);
  assert.equal(m.result.transposeCount, 2);
});

test('onnxruntime-extended Swin unbind (unit Split, Squeeze, q / v heads-first, k to kᵀ): 4 TRANSPOSE → 2', async () => {
  const m = await matchBuilt(unitSplitAttention(), 'ort-ext-unit-split', 23);
  assert.equal(m.result.transposeCount, 2);
});

// SAM 2 Hiera's first stage has one head: q's and v's moves keep their memory order (RESHAPEs), kᵀ is adj_y. Moving the
// whole [W, N, 3, 1, d] once would be a TRANSPOSE where there was none.
test('the same unbind with one head stays without TRANSPOSE', async () => {
  const m = await matchBuilt(unitSplitAttention(1), 'ort-ext-unit-split-1', 24);
  assert.equal(m.result.transposeCount, 0);
});
