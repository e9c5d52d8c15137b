// gMLP's spatial gating unit as the paper's code writes it (sixteenth sweep): `Conv1d(n, n, 1)` over the token axis of
// LayerNorm'd [B, n, d] tokens (half of a Linear's output), times the other half. As a conv it moved the tokens channel-last and
// its output back (2 TRANSPOSE per block); a pointwise 1-D conv over rows stored in ONNX order that feeds no spatial
// op is now BATCH_MATMUL with the weights on the left (ops/Conv.ts): none. A pointwise Conv1d between convolutions
// stays a CONV_2D on channel-last data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';

const N = 6;
const D = 8;
const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

async function check(model: ReturnType<typeof buildModel>, transposes: number, opcode: string) {
  const m = await matchBuilt(model, 'conv1d-left-product', 5);
  assert.equal(m.result.transposeCount, transposes);
  assert.ok(m.result.model.subgraphs[0].operators.some((op) => op.opcode === opcode), `a ${opcode}`);
  return m;
}

test('gMLP spatial gating: Conv1d over the token axis is a left product, no TRANSPOSE, matches onnxruntime', async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [1, N, 2 * D]]], outputs: ['y'], opset: 17,
    nodes: [
      node('MatMul', ['x', 'fc1'], ['h']),
      node('Split', ['h', 'halves'], ['u', 'v'], { axis: 2 }),
      node('LayerNormalization', ['v', 'gamma', 'beta'], ['vc'], { axis: -1 }),
      node('Conv', ['vc', 'w', 'b'], ['vm']),
      node('Mul', ['u', 'vm'], ['y']),
    ],
    initializers: [tensor('fc1', 'float32', [2 * D, 2 * D], seq(4 * D * D, (i) => Math.sin(i * 0.13) * 0.3)),
      tensor('halves', 'int64', [2], [D, D]), tensor('gamma', 'float32', [D], seq(D, (i) => 1 + i * 0.1)),
      tensor('beta', 'float32', [D], seq(D, (i) => i * 0.05)), tensor('w', 'float32', [N, N, 1], seq(N * N, (i) => Math.sin(i * 0.61))), tensor('b', 'float32', [N], seq(N, (i) => 1 - i * 0.1))],
  });
  await check(model, 0, 'BATCH_MATMUL');
});

test('a pointwise Conv1d between convolutions stays a channel-last CONV_2D', async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [1, 3, 10]]], outputs: ['y'], opset: 13,
    nodes: [node('Conv', ['x', 'w1'], ['h'], { pads: [1, 1] }), node('Conv', ['h', 'w2', 'b2'], ['y'])],
    initializers: [tensor('w1', 'float32', [4, 3, 3], seq(36, (i) => Math.sin(i))), tensor('w2', 'float32', [5, 4, 1], seq(20, (i) => Math.cos(i))),
      tensor('b2', 'float32', [5], seq(5, (i) => i * 0.1))],
  });
  const m = await check(model, 0, 'CONV_2D');
  assert.equal(m.result.model.subgraphs[0].operators.filter((op) => op.opcode === 'CONV_2D').length, 2);
});
