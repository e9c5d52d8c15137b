// Deformable attention's sampling grids as MSDeformAttn's PyTorch core writes them (DINO, Deformable-DETR):
// `sampling_grids[:, :, :, level].transpose(1, 2).flatten(0, 1)` for each feature level, then grid_sample. The grids'
// per-level moves are one move before the Gathers (src/convert/simplify-hoist-moves.ts): one TRANSPOSE for the three.
// The same for the value split per level (`value.split(...)`, each `.flatten(2).transpose(1, 2).reshape(B·M, D, H, W)`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertAndMatch, seededInputs } from '../helpers/match';
import type { Model } from '../../src/ir/types';
import { makeTensor } from '../../src/ir/tensor';

const i64 = (name: string, v: number[]) => tensor(name, 'int64', [v.length], v);
const Q = 6, M = 2, L = 3, P = 4, D = 4;
const SIZES = [[6, 6], [3, 3], [2, 2]];

function deformableSampling(): Model {
  const nodes = [node('Mul', ['loc', 'two'], ['l2']), node('Sub', ['l2', 'one'], ['grids'])];
  const outs: string[] = [];
  SIZES.forEach((_, l) => {
    nodes.push(node('Gather', ['grids', `lv${l}`], [`g${l}`], { axis: 3 }), node('Transpose', [`g${l}`], [`t${l}`], { perm: [0, 2, 1, 3, 4] }),
      node('Reshape', [`t${l}`, 'gshape'], [`r${l}`]),
      node('GridSample', [`v${l}`, `r${l}`], [`s${l}`], { align_corners: 0, mode: 'bilinear', padding_mode: 'zeros' }));
    outs.push(`s${l}`);
  });
  nodes.push(node('Concat', outs, ['y'], { axis: 3 }));
  return buildModel({
    inputs: [['loc', 'float32', [1, Q, M, L, P, 2]], ...SIZES.map(([h, w], l) => [`v${l}`, 'float32', [M, D, h, w]] as [string, 'float32', number[]])],
    outputs: ['y'], opset: 16, nodes,
    initializers: [tensor('two', 'float32', [], [2]), tensor('one', 'float32', [], [1]), i64('gshape', [M, Q, P, 2]),
      ...SIZES.map((_, l) => tensor(`lv${l}`, 'int64', [], [l]))],
  });
}

test('deformable attention: the sampling grids of three levels are moved once before their Gathers (3 -> 1 TRANSPOSE)', async () => {
  const model = deformableSampling();
  const file = join(mkdtempSync(join(tmpdir(), 'deform-grids-')), 'deform_grids.onnx');
  writeFileSync(file, encodeModel(model));
  const m = await convertAndMatch(file, model, seededInputs(model, 47, 0, 1));
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.ok(m.outputs.every((o) => o.maxRef > 0));
  assert.equal(m.result.opHistogram.GATHER >= 3, true, JSON.stringify(m.result.opHistogram));
  assert.equal(m.result.transposeCount, 1, JSON.stringify(m.result.opHistogram));
});

/** The value [1, Lv, M, D] split per level along Lv, each level's heads moved first for grid_sample. */
function deformableValues(): Model {
  const lv = SIZES.reduce((a, [h, w]) => a + h * w, 0);
  const nodes = [node('Reshape', ['proj', 'heads'], ['value'])];
  const outs: string[] = [];
  SIZES.forEach(([h, w], l) => {
    nodes.push(node('Slice', ['value', `s${l}`, `e${l}`, 'ax1'], [`v${l}`]), node('Reshape', [`v${l}`, `flat${l}`], [`f${l}`]),
      node('Transpose', [`f${l}`], [`t${l}`], { perm: [0, 2, 1] }), node('Reshape', [`t${l}`, `img${l}`], [`m${l}`]),
      node('GridSample', [`m${l}`, `grid${l}`], [`o${l}`], { align_corners: 0, mode: 'bilinear', padding_mode: 'zeros' }));
    outs.push(`o${l}`);
  });
  nodes.push(node('Concat', outs, ['y'], { axis: 3 }));
  let s = 0;
  const bounds = SIZES.map(([h, w]) => { const b = [s, s + h * w]; s += h * w; return b; });
  return buildModel({
    inputs: [['proj', 'float32', [1, lv, M * D]], ...SIZES.map((_, l) => [`grid${l}`, 'float32', [M, Q, P, 2]] as [string, 'float32', number[]])],
    outputs: ['y'], opset: 16, nodes,
    initializers: [i64('heads', [1, lv, M, D]), i64('ax1', [1]),
      ...bounds.flatMap(([a, b], l) => [i64(`s${l}`, [a]), i64(`e${l}`, [b]), i64(`flat${l}`, [1, b - a, M * D]),
        i64(`img${l}`, [M, D, SIZES[l][0], SIZES[l][1]])])],
  });
}

test('deformable attention: the value split per level is moved heads-first once before its Slices (3 -> 1 TRANSPOSE)', async () => {
  const model = deformableValues();
  const file = join(mkdtempSync(join(tmpdir(), 'deform-values-')), 'deform_values.onnx');
  writeFileSync(file, encodeModel(model));
  const m = await convertAndMatch(file, model, seededInputs(model, 59, -1, 1));
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.ok(m.outputs.every((o) => o.maxRef > 0));
  assert.equal(m.result.transposeCount, 1, JSON.stringify(m.result.opHistogram));
});

// ChatGLM's sequence-first stream: the embedding lookup moved `[B, S, H] → [S, B, H]` by the model, then a pre-norm
// block whose projection is read twice (q / k-like slices) and a residual. Left lazy, the stream took two moves of
// its own (2 TRANSPOSE without the fix); the indices are now moved instead (`movedLookupsAsMovedIndices`): one
// TRANSPOSE of the int [B, S] ids.
test('an embedding lookup moved sequence-first: the ids are moved instead of the stream (2 -> 1 TRANSPOSE)', async () => {
  const B = 2, S = 3, H = 16, V = 11;
  const wave = (n: number, s: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 3.7 + s) * 0.5);
  const model = buildModel({
    inputs: [['ids', 'int64', [B, S]]], outputs: ['y'], opset: 17,
    nodes: [
      node('Gather', ['table', 'ids'], ['emb']), node('Transpose', ['emb'], ['x'], { perm: [1, 0, 2] }),
      node('LayerNormalization', ['x', 'g', 'b'], ['n'], { axis: -1 }), node('MatMul', ['n', 'w1'], ['p']),
      node('Slice', ['p', 'lo', 'mid', 'last'], ['p1']), node('Slice', ['p', 'mid', 'hi', 'last'], ['p2']),
      node('Mul', ['p1', 'p2'], ['m']), node('Add', ['x', 'm'], ['x2']),
      node('LayerNormalization', ['x2', 'g', 'b'], ['n2'], { axis: -1 }), node('MatMul', ['n2', 'w2'], ['y']),
    ],
    initializers: [
      tensor('table', 'float32', [V, H], wave(V * H, 1)), tensor('g', 'float32', [H], wave(H, 2).map((v) => 1 + v)),
      tensor('b', 'float32', [H], wave(H, 3)), tensor('w1', 'float32', [H, 2 * H], wave(2 * H * H, 4)),
      tensor('w2', 'float32', [H, H], wave(H * H, 5)), i64('lo', [0]), i64('mid', [H]), i64('hi', [2 * H]), i64('last', [-1]),
    ],
  });
  const file = join(mkdtempSync(join(tmpdir(), 'moved-lookup-')), 'moved-lookup.onnx');
  writeFileSync(file, encodeModel(model));
  const ids = makeTensor('ids', 'int64', [B, S], Array.from({ length: B * S }, (_, i) => BigInt((i * 7 + 3) % V)));
  const m = await convertAndMatch(file, model, [ids]);
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.equal(m.result.transposeCount, 1);
});

/** BSRNN's per-band mask heads: `conv(x[:, i].transpose(1, 2))` for each band i of x [B, K, T, N]. */
function bandMaskHeads(): Model {
  const K = 3, T = 6, N = 4, C = 5;
  const nodes = [];
  const outs: string[] = [];
  for (let i = 0; i < K; i++) {
    nodes.push(node('Gather', ['x', `b${i}`], [`x${i}`], { axis: 1 }), node('Transpose', [`x${i}`], [`t${i}`], { perm: [0, 2, 1] }),
      node('Conv', [`t${i}`, `w${i}`, `c${i}`], [`m${i}`], { kernel_shape: [1] }));
    outs.push(`m${i}`);
  }
  nodes.push(node('Concat', outs, ['y'], { axis: 1 }));
  const wave = (n: number, s: number) => Array.from({ length: n }, (_, k) => Math.sin(k * 7.31 + s) * 0.5);
  return buildModel({
    inputs: [['x', 'float32', [1, K, T, N]]], outputs: ['y'], opset: 13, nodes,
    initializers: Array.from({ length: K }, (_, i) => [tensor(`b${i}`, 'int64', [], [i]), tensor(`w${i}`, 'float32', [C, N, 1], wave(C * N, i)),
      tensor(`c${i}`, 'float32', [C], wave(C, 10 + i))]).flat(),
  });
}

test('band heads: a Gather moved channels-first into a Conv1d is not hoisted (the conv reads the Gather as stored: 1 -> 0 TRANSPOSE)', async () => {
  const model = bandMaskHeads();
  const file = join(mkdtempSync(join(tmpdir(), 'band-heads-')), 'band_heads.onnx');
  writeFileSync(file, encodeModel(model));
  const m = await convertAndMatch(file, model, seededInputs(model, 53, -1, 1));
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
});
