// A relative-position bias computed from a constant table by an MLP (DehazeFormer's / Swin V2's `meta(relative_
// positions)`: [S, S, 2] → Linear(2, 256) → ReLU → Linear(256, heads) → moved heads-first) outgrows its inputs at the
// first Linear, so shape inference leaves it unfolded and it ran at every inference (two MatMuls on S² × 256 and a
// TRANSPOSE). The chain is folded when it ends no bigger than its inputs: the bias is a constant (DehazeFormer 32 ->
// 24 TRANSPOSE, 395 -> 363 ops).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertAndMatch, seededInputs } from '../helpers/match';
import type { Model } from '../../src/ir/types';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

/** x [1, S, d]: softmax(x·xᵀ + bias)·x, bias = meta(table) moved [1, S, S]; table [S, S, 2] log-spaced offsets. */
function biasedAttention(S = 32, d = 8, hidden = 256): Model {
  const table = seq(S * S * 2, (i) => {
    const [p, q, c] = [Math.floor(i / (2 * S)), Math.floor(i / 2) % S, i % 2];
    const r = c === 0 ? (p % 8) - (q % 8) : Math.floor(p / 8) - Math.floor(q / 8);
    return Math.sign(r) * Math.log(1 + Math.abs(r));
  });
  return buildModel({
    inputs: [['x', 'float32', [1, S, d]]], outputs: ['y'], opset: 13,
    nodes: [
      node('MatMul', ['table', 'w1'], ['h0'], {}, 'meta/fc1'), node('Add', ['h0', 'b1'], ['h1'], {}, 'meta/fc1_bias'),
      node('Relu', ['h1'], ['h2'], {}, 'meta/relu'), node('MatMul', ['h2', 'w2'], ['h3'], {}, 'meta/fc2'),
      node('Add', ['h3', 'b2'], ['h4'], {}, 'meta/fc2_bias'), node('Transpose', ['h4'], ['bias'], { perm: [2, 0, 1] }, 'meta/move'),
      node('Transpose', ['x'], ['xt'], { perm: [0, 2, 1] }), node('MatMul', ['x', 'xt'], ['s']), node('Add', ['s', 'bias'], ['sb']),
      node('Softmax', ['sb'], ['a'], { axis: -1 }), node('MatMul', ['a', 'x'], ['y']),
    ],
    initializers: [
      tensor('table', 'float32', [S, S, 2], table),
      tensor('w1', 'float32', [2, hidden], seq(2 * hidden, (i) => Math.sin(i * 0.7))), tensor('b1', 'float32', [hidden], seq(hidden, (i) => 0.1 * Math.cos(i))),
      tensor('w2', 'float32', [hidden, 1], seq(hidden, (i) => 0.2 * Math.cos(i * 0.3))), tensor('b2', 'float32', [1], [0.05]),
    ],
  });
}

test('a relative-position MLP on a constant table is folded: no op of it runs, equal to onnxruntime on LiteRT', async () => {
  const model = biasedAttention();
  const file = join(mkdtempSync(join(tmpdir(), 'const-chain-')), 'bias.onnx');
  writeFileSync(file, encodeModel(model));
  const m = await convertAndMatch(file, model, seededInputs(model, 4, 0, 1));
  for (const o of m.outputs) assert.ok(o.maxRef > 0.1 && o.maxDiff <= 1e-5 * o.maxRef, `${o.name}: max|diff| ${o.maxDiff} of ${o.maxRef}`);
  const meta = m.result.model.subgraphs[0].operators.filter((op) => op.onnxNode?.startsWith('meta/'));
  assert.deepEqual(meta.map((op) => `${op.onnxNode} ${op.opcode}`), []);
});
