// TQNet's variates-as-tokens attention (twenty-fourth sequence sweep): x [1, T, V] moved by the model to [V, 1, T]
// (lazy: stored [1, T, V]) and projected over T for q (and the same for k from another value), heads split [V, H, d] and moved heads-first. A MatMul by
// constant weights of a value whose contracted axis is neither last nor next-to-last as stored takes the weights on
// the left, Wᵀ times the stored bytes, and keeps A's order (`ops/_matmul-left.ts`): x is not moved for either
// projection, and q, k stored [H, d, V] are read by the scores' product as they lie (main: 4 TRANSPOSE, here none).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const [T, V, H] = [12, 5, 3];
const d = T / H;

function variateAttention() {
  return buildModel({
    inputs: [['x', 'float32', [1, T, V]], ['z', 'float32', [1, T, V]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Transpose', ['x'], ['xt'], { perm: [2, 0, 1] }),
      node('MatMul', ['xt', 'wq'], ['q0']),
      node('Add', ['q0', 'bq'], ['q1']),
      node('Reshape', ['q1', 'heads'], ['q2']),
      node('Transpose', ['q2'], ['q'], { perm: [1, 0, 2] }),
      node('Transpose', ['z'], ['zt'], { perm: [2, 0, 1] }),
      node('MatMul', ['zt', 'wk'], ['k0']),
      node('Reshape', ['k0', 'heads'], ['k1']),
      node('Transpose', ['k1'], ['kt'], { perm: [1, 2, 0] }),
      node('MatMul', ['q', 'kt'], ['s']),
      node('Softmax', ['s'], ['y'], { axis: -1 }),
    ],
    initializers: [
      tensor('wq', 'float32', [T, T], waveValues(T * T, 1).map((v) => v * 0.4)),
      tensor('bq', 'float32', [T], waveValues(T, 2)),
      tensor('wk', 'float32', [T, T], waveValues(T * T, 3).map((v) => v * 0.4)),
      tensor('heads', 'int64', [3], [V, H, d]),
    ],
  });
}

test('projections over the stored middle axis take the weights on the left: x, z not moved', async () => {
  const m = await matchBuilt(variateAttention(), 'matmul-weights-left', 301);
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
});
