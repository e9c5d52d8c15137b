// YOLOv13's adaptive hyperedge generation (HyperACE, twenty-fourth vision sweep): the tokens X [B, N, C] and the
// prototypes P [B, M, C] each viewed [.., H, d] and moved heads-first (P straight to Pᵀ), multiplied per head and
// averaged over the heads, then a softmax over the N tokens. The mean over heads of per-head products is the product
// over the whole C divided by H (`simplify-head-mean.ts`): no head split, and computed transposed (P·Xᵀ) the softmax's
// axis is last as stored: 3 TRANSPOSE -> 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const [N, C, M, H] = [16, 24, 4, 4];
const d = C / H;

function hyperedges(reduce: 'ReduceMean' | 'ReduceSum', softmax: boolean) {
  return buildModel({
    inputs: [['x', 'float32', [1, N, C]]], outputs: ['y'], opset: 13,
    nodes: [
      node('ReduceMean', ['x'], ['ctx'], { axes: [1], keepdims: 0 }),
      node('Gemm', ['ctx', 'wctx', 'bctx'], ['pf'], { transB: 1 }),
      node('Reshape', ['pf', 'pshape'], ['p0']),
      node('Add', ['protos', 'p0'], ['p']),
      node('MatMul', ['x', 'wpre'], ['xp']),
      node('Reshape', ['xp', 'xheads'], ['xh']),
      node('Transpose', ['xh'], ['xt'], { perm: [0, 2, 1, 3] }),
      node('Reshape', ['p', 'pheads'], ['ph']),
      node('Transpose', ['ph'], ['pt'], { perm: [0, 2, 3, 1] }),
      node('MatMul', ['xt', 'pt'], ['logits']),
      // ReduceSum takes its axes as an input from opset 13 on, ReduceMean from opset 18.
      reduce === 'ReduceSum' ? node(reduce, ['logits', 'heads_axis'], ['l'], { keepdims: softmax ? 0 : 1 })
        : node(reduce, ['logits'], ['l'], { axes: [1], keepdims: softmax ? 0 : 1 }),
      ...(softmax ? [
        node('Div', ['l', 'temp'], ['ls']),
        node('Softmax', ['ls'], ['a'], { axis: 1 }),
        node('Transpose', ['a'], ['at'], { perm: [0, 2, 1] }),
        node('MatMul', ['at', 'x'], ['e']),
        node('MatMul', ['a', 'e'], ['y']),
      ] : [node('Relu', ['l'], ['y'])]),
    ],
    initializers: [
      tensor('wctx', 'float32', [M * C, C], waveValues(M * C * C, 1).map((v) => v * 0.3)),
      tensor('bctx', 'float32', [M * C], waveValues(M * C, 2)),
      tensor('pshape', 'int64', [3], [1, M, C]),
      tensor('protos', 'float32', [1, M, C], waveValues(M * C, 3)),
      tensor('wpre', 'float32', [C, C], waveValues(C * C, 4).map((v) => v * 0.3)),
      tensor('xheads', 'int64', [4], [1, N, H, d]),
      tensor('pheads', 'int64', [4], [1, M, H, d]),
      tensor('temp', 'float32', [], [Math.sqrt(d)]),
      ...(reduce === 'ReduceSum' ? [tensor('heads_axis', 'int64', [1], [1])] : []),
    ],
  });
}

test('per-head products averaged over the heads, then a softmax over the tokens: one product, no TRANSPOSE', async () => {
  const m = await matchBuilt(hyperedges('ReduceMean', true), 'head-mean-product', 111);
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
});

test('summed over the heads with the head axis kept: one product, no head split', async () => {
  const m = await matchBuilt(hyperedges('ReduceSum', false), 'head-sum-product', 112);
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
});
