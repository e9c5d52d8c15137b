// Elementwise ops pick the layout most of their inputs are stored in (ConvertContext.commonPerm); channel-last wins
// ties. A rank-3 value the model itself transposed ([B, T, T] → [B, T, T]ᵀ, stored [0, 2, 1] with no TRANSPOSE) has
// the same perm as a 1-D signal's channel-last, but is none: FastConformer's padding mask `m & mᵀ` took it, and both
// Where nodes reading the mask in the attention moved it back (7 → 5 TRANSPOSE a layer). A 1-D conv's output keeps
// winning ties (ECAPA-TDNN's attentive statistics pooling: the softmax moved once to the conv map's order).
// One value read by elementwise ops whose results the model moves by one perm (NeMo's q + pos_bias_u and
// q + pos_bias_v, each moved heads-first for its MatMul) runs them in that perm: one TRANSPOSE, not one each.
// A rank-3 stream stored [0, 2, 1] because the model moved its [B, C, T] input to [B, T, C] (htdemucs) loses ties to
// ONNX order too, through the norm and residual ops after the move.
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
const B = 2, H = 2, T = 6, D = 4;

/** NeMo's padding mask: pad [B, T] tiled to [B, T, T], and-ed with its transpose, inverted, masking the scores before
 *  and after the softmax (masked_fill -10000, then 0). */
function maskedAttention(): Model {
  return buildModel({
    inputs: [['x', 'float32', [B, T]], ['q', 'float32', [B, H, T, D]], ['k', 'float32', [B, H, D, T]], ['v', 'float32', [B, H, T, D]]],
    outputs: ['y'], opset: 13,
    nodes: [
      node('Less', ['x', 'thr'], ['pad']), node('Unsqueeze', ['pad', 'ax1'], ['u']), node('Tile', ['u', 'reps'], ['tile']),
      node('Transpose', ['tile'], ['tt'], { perm: [0, 2, 1] }), node('And', ['tile', 'tt'], ['m']), node('Not', ['m'], ['nm']),
      node('Unsqueeze', ['nm', 'ax1'], ['m4']),
      node('MatMul', ['q', 'k'], ['s']), node('Where', ['m4', 'big', 's'], ['w']), node('Softmax', ['w'], ['p'], { axis: -1 }),
      node('Where', ['m4', 'zero', 'p'], ['p0']), node('MatMul', ['p0', 'v'], ['y']),
    ],
    initializers: [tensor('thr', 'float32', [], [0.6]), tensor('ax1', 'int64', [1], [1]), tensor('reps', 'int64', [3], [1, T, 1]),
      tensor('big', 'float32', [], [-10000]), tensor('zero', 'float32', [], [0])],
  });
}

/** ECAPA's attentive statistics: a Conv1d map c, softmax over time, Σ c·a and Σ c²·a over time. */
function attentiveStats(): Model {
  return buildModel({
    inputs: [['x', 'float32', [1, 3, 10]]], outputs: ['mean', 'sq'], opset: 13,
    nodes: [
      node('Conv', ['x', 'w'], ['c'], { kernel_shape: [3], pads: [1, 1] }), node('Softmax', ['c'], ['a'], { axis: 2 }),
      node('Mul', ['c', 'a'], ['ca']), node('ReduceSum', ['ca', 'ax2'], ['mean'], { keepdims: 0 }),
      node('Mul', ['c', 'c'], ['c2']), node('Mul', ['c2', 'a'], ['c2a']), node('ReduceSum', ['c2a', 'ax2'], ['sq'], { keepdims: 0 }),
    ],
    initializers: [tensor('w', 'float32', [5, 3, 3], seq(45, (i) => Math.sin(i * 1.3))), tensor('ax2', 'int64', [1], [2])],
  });
}

async function check(name: string, make: () => Model): Promise<Awaited<ReturnType<typeof convertAndMatch>>> {
  const file = join(mkdtempSync(join(tmpdir(), 'lazy-transpose-')), `${name}.onnx`);
  writeFileSync(file, encodeModel(make()));
  const model = make();
  const m = await convertAndMatch(file, model, seededInputs(model, 3, -1, 1));
  assert.ok(m.worst <= 1e-5, `max rel ${m.worst}`);
  return m;
}

test('a padding mask and-ed with its own transpose is stored in ONNX order: 1 TRANSPOSE (the math\'s), none at the Where', async () => {
  const m = await check('masked', maskedAttention);
  assert.equal(m.result.transposeCount, 1);
});

test('a 1-D conv map keeps its channel-last against a softmax over time: written out along the stored axis', async () => {
  // The softmax's probabilities meet the conv map in products: computed along the stored time axis
  // (ops/_softmax-stored.ts), nothing moves (2 before: the softmax over time and its move back to the map's order).
  const m = await check('stats', attentiveStats);
  assert.equal(m.result.transposeCount, 0);
});

/** NeMo's rel_shift attention scores: q [B, T, H, D] plus two biases, each moved heads-first for its MatMul. */
function biasedCopies(): Model {
  return buildModel({
    inputs: [['q', 'float32', [B, T, H, D]], ['k', 'float32', [B, H, D, T]], ['p', 'float32', [B, H, D, T]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Add', ['q', 'bu'], ['qu']), node('Transpose', ['qu'], ['qut'], { perm: [0, 2, 1, 3] }), node('MatMul', ['qut', 'k'], ['ac']),
      node('Add', ['q', 'bv'], ['qv']), node('Transpose', ['qv'], ['qvt'], { perm: [0, 2, 1, 3] }), node('MatMul', ['qvt', 'p'], ['bd']),
      node('Add', ['ac', 'bd'], ['y']),
    ],
    initializers: [tensor('bu', 'float32', [H, D], seq(H * D, (i) => Math.sin(i))), tensor('bv', 'float32', [H, D], seq(H * D, (i) => Math.cos(i)))],
  });
}

test('two biased copies of one value, each transposed heads-first: the value moved once', async () => {
  const m = await check('biased', biasedCopies);
  assert.equal(m.result.transposeCount, 1);
});

/** htdemucs' token stream: a [1, C, T] input the model moves to [1, T, C], normed (scale and shift), a linear layer
 *  on [T, B, C] (nn.MultiheadAttention's batch_first moves) and the residual sum, read by the next one. */
function movedStream(): Model {
  const C = 6, L = 5;
  return buildModel({
    inputs: [['x', 'float32', [1, C, L]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Transpose', ['x'], ['t'], { perm: [0, 2, 1] }), node('Mul', ['t', 'g'], ['n']), node('Add', ['n', 'b'], ['n2']),
      node('Transpose', ['n2'], ['tb'], { perm: [1, 0, 2] }), node('MatMul', ['tb', 'w1'], ['a0']),
      node('Transpose', ['a0'], ['a'], { perm: [1, 0, 2] }), node('Add', ['n2', 'a'], ['r']),
      node('Transpose', ['r'], ['rb'], { perm: [1, 0, 2] }), node('MatMul', ['rb', 'w2'], ['y']),
    ],
    initializers: [tensor('g', 'float32', [C], seq(C, (i) => 1 + 0.1 * i)), tensor('b', 'float32', [C], seq(C, (i) => Math.sin(i))),
      tensor('w1', 'float32', [C, C], seq(C * C, (i) => Math.sin(i * 0.7))), tensor('w2', 'float32', [C, C], seq(C * C, (i) => Math.cos(i * 0.3)))],
  });
}

test('a rank-3 stream stored [0, 2, 1] because the model moved its input (not a conv map) loses the tie to ONNX order', async () => {
  const m = await check('stream', movedStream);
  // The input's move, once (was 3: the normed stream for the MatMul, the MatMul's output to the residual's
  // channel-last, the sum back for the next MatMul; 2 with the vote alone: the residual read the normed stream moved
  // again, the copy made for [T, B, C] of another name for the same tensor: twin-copies.ts).
  assert.equal(m.result.transposeCount, 1);
});

/** htdemucs' layer input: the [1, C, T] input moved to [1, T, C], a LayerNorm written out (ReduceMean over C, Sub, Pow,
 *  ReduceMean, Add ε, Sqrt, Div, scale and shift: each op votes its own layout), moved to [T, B, C] for the
 *  projection, and the residual sum with the stream itself. */
function decomposedNormStream(): Model {
  const C = 6, L = 5;
  return buildModel({
    inputs: [['x', 'float32', [1, C, L]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Transpose', ['x'], ['t'], { perm: [0, 2, 1] }), node('ReduceMean', ['t'], ['mu'], { axes: [-1] }),
      node('Sub', ['t', 'mu'], ['d']), node('Pow', ['d', 'two'], ['d2']), node('ReduceMean', ['d2'], ['var'], { axes: [-1] }),
      node('Add', ['var', 'eps'], ['ve']), node('Sqrt', ['ve'], ['sd']), node('Div', ['d', 'sd'], ['z']),
      node('Mul', ['z', 'g'], ['n']), node('Add', ['n', 'b'], ['n2']),
      node('Transpose', ['n2'], ['tb'], { perm: [1, 0, 2] }), node('MatMul', ['tb', 'w1'], ['a0']),
      node('Transpose', ['a0'], ['a'], { perm: [1, 0, 2] }), node('Add', ['t', 'a'], ['r']),
      node('Transpose', ['r'], ['rb'], { perm: [1, 0, 2] }), node('MatMul', ['rb', 'w2'], ['y']),
    ],
    initializers: [tensor('g', 'float32', [C], seq(C, (i) => 1 + 0.1 * i)), tensor('b', 'float32', [C], seq(C, (i) => Math.sin(i))),
      tensor('two', 'float32', [], [2]), tensor('eps', 'float32', [], [1e-5]),
      tensor('w1', 'float32', [C, C], seq(C * C, (i) => Math.sin(i * 0.7))), tensor('w2', 'float32', [C, C], seq(C * C, (i) => Math.cos(i * 0.3)))],
  });
}

test('a moved [B, C, T] input normed by a written-out LayerNorm and added back is moved once, where the model moves it', async () => {
  const m = await check('normed-stream', decomposedNormStream);
  // Was 2: the normed stream for the projection and the stream itself for the residual sum, each moved from the
  // input's order; the move is now done at the model's Transpose (ops/Transpose.ts `normedAlongLast`).
  assert.equal(m.result.transposeCount, 1);
});
