// Thirteenth sweep, vision (docs/model-sweep.md): each test holds a fix the sweep needed, its graph built here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertModel } from '../../src/convert/convert';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertAndMatch, seededInputs } from '../helpers/match';
import type { Model } from '../../src/ir/types';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

/** DINO's query positions as torch 1.13 exports them: the run-time reference boxes cast to double (`10000 ** t` with
 *  an int base is a double constant), sine features, then the MLP, the reference gathered per query, log of the
 *  inverse sigmoid, all of it on float64 values. */
function doubleChain(): Model {
  return buildModel({
    inputs: [['ref', 'float32', [1, 6, 4]]], outputs: ['y', 'z'], opset: 16,
    nodes: [
      node('Cast', ['ref'], ['r64'], { to: 11 }), node('Div', ['r64', 'dim_t'], ['p']), node('Sin', ['p'], ['s']),
      node('Cos', ['p'], ['c']), node('Concat', ['s', 'c'], ['sc'], { axis: -1 }),
      node('MatMul', ['sc', 'w'], ['h']), node('Relu', ['h'], ['hr']), node('Reshape', ['hr', 'flat'], ['hr2']),
      node('Gemm', ['hr2', 'w2'], ['g'], { transB: 1 }), node('Gather', ['g', 'rows'], ['gr'], { axis: 0 }),
      node('Sigmoid', ['gr'], ['sg']), node('Log', ['sg'], ['y']),
      node('Exp', ['r64'], ['e']), node('Sqrt', ['e'], ['z']),
    ],
    initializers: [
      tensor('dim_t', 'float64', [4], [1, 2, 4, 8]),
      tensor('w', 'float64', [8, 5], seq(40, (i) => Math.sin(i * 0.7))),
      tensor('flat', 'int64', [2], [6, 5]),
      tensor('w2', 'float64', [3, 5], seq(15, (i) => Math.cos(i * 1.3))),
      tensor('rows', 'int64', [4], [5, 0, 2, 2]),
    ],
  });
}

test('float64 values (DINO\'s reference boxes in double) convert through MatMul, Gemm, Gather and the unary ops', async () => {
  // Was refused: "Log on float64 is not supported" (then Gather, MatMul): float64 values are stored as FLOAT32
  // (constdata.ts) and the arithmetic ops took them already; every converter that takes float32 takes them now.
  const model = doubleChain();
  const file = join(mkdtempSync(join(tmpdir(), 'double-chain-')), 'double_chain.onnx');
  writeFileSync(file, encodeModel(model));
  const m = await convertAndMatch(file, model, seededInputs(model, 31, -1, 1));
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.ok(m.outputs.every((o) => o.maxRef > 0));
  assert.equal(m.result.opHistogram.LOG, 1, JSON.stringify(m.result.opHistogram));
});

/** Lift-Splat's frustum geometry: `post_rots.view(B, N, 1, 1, 1, 3, 3).matmul(points.unsqueeze(-1))`, the
 *  [B, N, D, H, W, 3, 1] points sliced, scaled and concatenated, `.squeeze(-1)`: rank-7 values of a batch-1 model. */
function frustum(): Model {
  const i64 = (name: string, v: number[]) => tensor(name, 'int64', [v.length], v);
  return buildModel({
    inputs: [['pts', 'float32', [1, 2, 3, 4, 5, 3]], ['rot', 'float32', [1, 2, 3, 3]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Reshape', ['rot', 'r7'], ['r']), node('Unsqueeze', ['pts', 'last'], ['p']), node('MatMul', ['r', 'p'], ['m']),
      node('Slice', ['m', 's0', 's2', 'ax'], ['xy']), node('Slice', ['m', 's2', 's3', 'ax'], ['z']),
      node('Mul', ['xy', 'z'], ['xyz']), node('Concat', ['xyz', 'z'], ['c'], { axis: 5 }),
      node('Squeeze', ['c', 'last'], ['q']), node('Add', ['q', 'pts'], ['y']),
    ],
    initializers: [i64('r7', [1, 2, 1, 1, 1, 3, 3]), i64('last', [-1]), i64('ax', [-2]), i64('s0', [0]), i64('s2', [2]), i64('s3', [3])],
  });
}

test('rank-7 MatMul / Slice / Concat and Unsqueeze / Squeeze into and out of rank 7 lose the unit dim (LSS geometry)', async () => {
  // Was a model LiteRT could not load ("failed to delegate BATCH_MATMUL", "CONCATENATION": XNNPack stops at rank 6).
  const model = frustum();
  const file = join(mkdtempSync(join(tmpdir(), 'frustum-')), 'frustum.onnx');
  writeFileSync(file, encodeModel(model));
  const m = await convertAndMatch(file, model, seededInputs(model, 32, -1, 1));
  assert.ok(m.worst <= 1e-6, `rel ${m.worst}`);
  assert.ok(m.outputs.every((o) => o.maxRef > 0));
  assert.equal(m.result.transposeCount, 0);
});

test('an op that takes no float32 still refuses float64 in one line', () => {
  const model = buildModel({
    inputs: [['x', 'float32', [4]]], outputs: ['y'], opset: 13,
    nodes: [node('Cast', ['x'], ['d'], { to: 11 }), node('BitShift', ['d', 'd'], ['y'], { direction: 'LEFT' })],
    initializers: [],
  });
  assert.throws(() => convertModel(model), /BitShift/);
});
