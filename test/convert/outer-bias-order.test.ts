// The Forgetting Transformer's decay bias (twenty-first sweep): per-head forget gates [B, N, H] moved heads-first by
// the model, summed along time, and broadcast into an outer difference `c[..., :, None] - c[..., None, :]` [B, H, N, N]
// that is added to the attention scores. The difference took the gates' stored order, so the scores [B, H, N, N] were
// moved to it for the Add and back for the softmax (two TRANSPOSEs of N² elements per head); it is now computed in the
// scores' order, moving its two [B, H, N] inputs instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';
import type { Model } from '../../src/ir/types';

const [N, H, D] = [12, 4, 8];

/** x [1, N, D]: q / k in H heads of D each, the gates [1, N, H] = Wf·x, log-sigmoid, moved [1, H, N], cumulative
 *  sum along N, their outer difference added to q·kᵀ / √D, softmax. */
function foxBias(): Model {
  return buildModel({
    inputs: [['x', 'float32', [1, N, D]]], outputs: ['attn'], opset: 14,
    nodes: [
      node('MatMul', ['x', 'wq'], ['q0']), node('Reshape', ['q0', 'heads'], ['q1']), node('Transpose', ['q1'], ['q'], { perm: [0, 2, 1, 3] }),
      node('MatMul', ['x', 'wk'], ['k0']), node('Reshape', ['k0', 'heads'], ['k1']), node('Transpose', ['k1'], ['kt'], { perm: [0, 2, 3, 1] }),
      node('MatMul', ['x', 'wf'], ['f']), node('Sigmoid', ['f'], ['fs']), node('Log', ['fs'], ['lf']),
      node('Transpose', ['lf'], ['lft'], { perm: [0, 2, 1] }), node('CumSum', ['lft', 'axis'], ['c']),
      node('Unsqueeze', ['c', 'last'], ['ci']), node('Unsqueeze', ['c', 'before'], ['cj']), node('Sub', ['ci', 'cj'], ['bias']),
      node('MatMul', ['q', 'kt'], ['s0']), node('Div', ['s0', 'scale'], ['s']),
      node('Add', ['s', 'bias'], ['w']), node('Softmax', ['w'], ['attn'], { axis: -1 }),
    ],
    initializers: [
      tensor('wq', 'float32', [D, H * D], waveValues(D * H * D, 1)), tensor('wk', 'float32', [D, H * D], waveValues(D * H * D, 2)),
      tensor('wf', 'float32', [D, H], waveValues(D * H, 3)), tensor('heads', 'int64', [4], [1, N, H, D]),
      tensor('axis', 'int64', [], [2]), tensor('last', 'int64', [1], [-1]), tensor('before', 'int64', [1], [-2]),
      tensor('scale', 'float32', [], [Math.sqrt(D)]),
    ],
  });
}

test('an outer difference added to attention scores runs in the scores\' order: no TRANSPOSE of the scores', async () => {
  const m = await matchBuilt(foxBias(), 'outer-bias-order', 3, 1e-5);
  const sg = m.result.model.subgraphs[0];
  const moved = sg.operators.filter((op) => op.opcode === 'TRANSPOSE').map((op) => sg.tensors[op.inputs[0]].shape);
  // (q and kᵀ split into heads: 2 moves the math needs; the scores [1, H, N, N] none, the gates [1, N, H] unsqueezed twice)
  assert.ok(moved.every((s) => s.filter((d) => d === N).length < 2), `TRANSPOSEs of ${moved.map((s) => `[${s}]`).join(' ')}`);
});

// Both views of the gates ([1, H, N, 1] and [1, H, 1, N], stored [1, N, ·, H]) were moved to ONNX order one by one; the
// gates are now moved once and each view is a RESHAPE of that copy (view-copy.ts `viaViewSource`): 3 -> 2 TRANSPOSEs.
test('two views of one moved value read the value moved once: one TRANSPOSE of the gates, not one per view', async () => {
  const m = await matchBuilt(foxBias(), 'outer-bias-views', 3, 1e-5);
  assert.equal(m.result.transposeCount, 2);
});
