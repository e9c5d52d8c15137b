// SASRec's attention: nn.MultiheadAttention (batch_first=False) at batch 3 on the model's batch-first stream moved
// time-first (`seqs.transpose(0, 1)`), q from its LayerNorm, k and v from the stream itself, each head split a view
// [T, B·H, d] moved by [1, 0, 2] ([1, 2, 0] for kᵀ). The stream stays stored [B, T, E] (the model's Transpose left
// lazy), but the projections read it in ONNX order because their inputs had other readers (the norm, the residual),
// and a [T, B·H, d] view could not keep a [B, T, ·] storage anyway: each projection's input was moved, then each
// head split (sasrec 10 → 6 TRANSPOSE). Now a Linear reads a value kept in another order of its leading axes as stored
// when its other readers take any order too (ops/MatMul.ts `leadingOrder`), and such a head split is written as a
// view [T, B, H, d] moved by [1, 2, 0, 3] (src/convert/simplify-seqfirst-heads.ts): one move a split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const B = 3, T = 5, H = 2, d = 4, E = H * d;

test('time-first attention at batch 3 on a batch-first stream: projections read it as stored, 5 TRANSPOSE → 3', async () => {
  const model = buildModel({
    inputs: [['s', 'float32', [B, T, E]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Transpose', ['s'], ['x'], { perm: [1, 0, 2] }),
      // written-out LayerNorm (no affine) of the stream: q's input
      node('ReduceMean', ['x'], ['mu'], { axes: [-1] }), node('Sub', ['x', 'mu'], ['c']), node('Mul', ['c', 'c'], ['c2']),
      node('ReduceMean', ['c2'], ['var'], { axes: [-1] }), node('Add', ['var', 'eps'], ['ve']), node('Sqrt', ['ve'], ['sd']),
      node('Div', ['c', 'sd'], ['ln']),
      // q from the norm; k and v one packed projection of the raw stream, sliced
      node('MatMul', ['ln', 'wq'], ['q_mm']), node('Add', ['q_mm', 'bq'], ['q_p']),
      node('Reshape', ['q_p', 'heads'], ['q_v']), node('Transpose', ['q_v'], ['q_h'], { perm: [1, 0, 2] }),
      node('MatMul', ['x', 'wkv'], ['kv_mm']), node('Add', ['kv_mm', 'bkv'], ['kv']),
      node('Slice', ['kv', 'z', 'e1', 'last'], ['k_p']), node('Slice', ['kv', 'e1', 'e2', 'last'], ['v_p']),
      node('Reshape', ['k_p', 'heads'], ['k_v']), node('Transpose', ['k_v'], ['k_h'], { perm: [1, 2, 0] }),
      node('Reshape', ['v_p', 'heads'], ['v_v']), node('Transpose', ['v_v'], ['v_h'], { perm: [1, 0, 2] }),
      node('MatMul', ['q_h', 'k_h'], ['sc']), node('Softmax', ['sc'], ['a'], { axis: -1 }), node('MatMul', ['a', 'v_h'], ['o']),
      node('Transpose', ['o'], ['ot'], { perm: [1, 0, 2] }), node('Reshape', ['ot', 'rows'], ['or']),
      node('Gemm', ['or', 'wo', 'bo'], ['og'], { transB: 1 }), node('Reshape', ['og', 'tbe'], ['out']),
      node('Add', ['ln', 'out'], ['res']), node('Transpose', ['res'], ['y'], { perm: [1, 0, 2] }),
    ],
    initializers: [
      tensor('eps', 'float32', [], [1e-5]), tensor('heads', 'int64', [3], [T, B * H, d]), tensor('rows', 'int64', [2], [T * B, E]),
      tensor('tbe', 'int64', [3], [T, B, E]),
      tensor('wq', 'float32', [E, E], waveValues(E * E, 1)), tensor('bq', 'float32', [E], waveValues(E, 2)),
      tensor('wkv', 'float32', [E, 2 * E], waveValues(2 * E * E, 3)), tensor('bkv', 'float32', [2 * E], waveValues(2 * E, 4)),
      tensor('z', 'int64', [1], [0]), tensor('e1', 'int64', [1], [E]), tensor('e2', 'int64', [1], [2 * E]), tensor('last', 'int64', [1], [-1]),
      tensor('wo', 'float32', [E, E], waveValues(E * E, 11)), tensor('bo', 'float32', [E], waveValues(E, 12)),
    ],
  });
  const m = await matchBuilt(model, 'seq-first-heads', 81);
  assert.equal(m.result.transposeCount, 3); // 4 without the view rewrite, 5 without either
});
