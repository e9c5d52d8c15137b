// gMLP's spatial gating unit as the paper's code writes it (sixteenth sweep): `Conv1d(n, n, 1)` over the token axis of
// LayerNorm'd [B, n, d] tokens (half of a Linear's output), times the other half. As a conv it moved the tokens channel-last and
// its output back (2 TRANSPOSE per block); a pointwise 1-D conv over rows stored in ONNX order that feeds no spatial
// op is now BATCH_MATMUL with the weights on the left (ops/Conv.ts): none. A pointwise Conv1d between convolutions
// stays a CONV_2D on channel-last data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { toNumbers } from '../../src/ir/tensor';
import type { Tensor } from '../../src/ir/types';

const N = 6;
const D = 8;
const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

async function check(model: ReturnType<typeof buildModel>, feeds: Tensor[], transposes: number, opcode: string) {
  const want = toNumbers((await runOnnx(encodeModel(model), feeds)).get('y')!);
  const r = convertModel(model);
  assert.equal(r.transposeCount, transposes);
  assert.ok(r.model.subgraphs[0].operators.some((op) => op.opcode === opcode), `a ${opcode}`);
  const lite = await openConverted(serializeTflite(r.model));
  try {
    const got = toNumbers((await lite.run(feeds)).get('y')!);
    want.forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= 1e-5 + 1e-5 * Math.abs(v), `element ${i}: ${got[i]} vs ${v}`));
  } finally {
    lite.close();
  }
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
  await check(model, [tensor('x', 'float32', [1, N, 2 * D], seq(N * 2 * D, (i) => Math.cos(i * 0.37) * 2))], 0, 'BATCH_MATMUL');
});

test('a pointwise Conv1d between convolutions stays a channel-last CONV_2D', async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [1, 3, 10]]], outputs: ['y'], opset: 13,
    nodes: [node('Conv', ['x', 'w1'], ['h'], { pads: [1, 1] }), node('Conv', ['h', 'w2', 'b2'], ['y'])],
    initializers: [tensor('w1', 'float32', [4, 3, 3], seq(36, (i) => Math.sin(i))), tensor('w2', 'float32', [5, 4, 1], seq(20, (i) => Math.cos(i))),
      tensor('b2', 'float32', [5], seq(5, (i) => i * 0.1))],
  });
  const r = convertModel(model);
  assert.equal(r.model.subgraphs[0].operators.filter((op) => op.opcode === 'CONV_2D').length, 2);
  await check(model, [tensor('x', 'float32', [1, 3, 10], seq(30, (i) => Math.sin(i * 0.3)))], 0, 'CONV_2D');
});
