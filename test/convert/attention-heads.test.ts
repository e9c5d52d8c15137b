// EfficientFormerV2's talking heads: 1×1 Convs over the heads axis of the attention map, before and after the
// Softmax. Run as CONV_2D they had the map moved to channel-last and back around each (EfficientFormerV2-style: 8
// TRANSPOSE per attention, 4 of them these); written as a MatMul by the [O, heads] weights in ONNX order they need
// none. A 1×1 Conv on an image keeps CONV_2D.
// (src/convert/simplify-head-conv.ts; the interleaved q / k / v split below: simplify-heads.ts fuseSplitHeads.)
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
const H = 4, T = 9, D = 8;

/** q [1, H, T, D], k [1, H, D, T], v [1, H, T, D]: softmax(th2(softmax-input th1(q·k·s + biases)))·v, as Attention4D. */
function attention4d(): Model {
  return buildModel({
    inputs: [['q', 'float32', [1, H, T, D]], ['k', 'float32', [1, H, D, T]], ['v', 'float32', [1, H, T, D]]], outputs: ['y'], opset: 13,
    nodes: [
      node('MatMul', ['q', 'k'], ['s']), node('Mul', ['s', 'scale'], ['ss']), node('Add', ['ss', 'biases'], ['a']),
      node('Conv', ['a', 'w1', 'b1'], ['t1'], { kernel_shape: [1, 1] }), node('Softmax', ['t1'], ['p'], { axis: -1 }),
      node('Conv', ['p', 'w2', 'b2'], ['t2'], { kernel_shape: [1, 1] }), node('MatMul', ['t2', 'v'], ['y']),
    ],
    initializers: [
      tensor('scale', 'float32', [], [D ** -0.5]), tensor('biases', 'float32', [H, T, T], seq(H * T * T, (i) => 0.1 * Math.sin(i))),
      tensor('w1', 'float32', [H, H, 1, 1], seq(H * H, (i) => Math.cos(i * 0.9))), tensor('b1', 'float32', [H], [0.1, -0.2, 0.3, 0]),
      tensor('w2', 'float32', [H, H, 1, 1], seq(H * H, (i) => Math.sin(i * 1.7))), tensor('b2', 'float32', [H], [0, 0.05, -0.1, 0.2]),
    ],
  });
}

test('talking-head 1×1 Convs over an attention map: a MatMul in ONNX order, 0 TRANSPOSE, equal to onnxruntime', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'talking-heads-')), 'attention4d.onnx');
  writeFileSync(file, encodeModel(attention4d()));
  const model = attention4d();
  const m = await convertAndMatch(file, model, seededInputs(model, 5, -1, 1));
  assert.ok(m.worst <= 1e-5, `max rel ${m.worst}`);
  assert.equal(m.result.transposeCount, 0);
  assert.equal(m.result.opHistogram.CONV_2D ?? 0, 0);
});

test('a 1×1 Conv on an image stays CONV_2D', () => {
  const model = buildModel({
    inputs: [['x', 'float32', [1, 3, 8, 8]]], outputs: ['y'], opset: 13,
    nodes: [node('Conv', ['x', 'w'], ['c'], { kernel_shape: [1, 1] }), node('Softmax', ['c'], ['y'], { axis: 1 })],
    initializers: [tensor('w', 'float32', [4, 3, 1, 1], seq(12, (i) => Math.sin(i)))],
  });
  const r = convertModel(model);
  assert.equal(r.opHistogram.CONV_2D, 1);
  assert.equal(r.opHistogram.BATCH_MATMUL ?? 0, 0);
});

// LeViT's / TinyViT's (MobileSAM's) attention: q, k, v interleaved per head in one projection,
// `qkv.view(B, N, H, kd + kd + d).split([kd, kd, d], 3)`, each part permuted to heads first (k with kᵀ in the same
// Transpose, perm 0, 2, 3, 1). One Transpose of the [B, N, H, P] value before the Split serves the three: 4 TRANSPOSE
// per attention → 2 (the head split and the merge). Split sizes as an input (opset 13) and as an attribute (opset 11).
const N = 16, C = 8, HS = 2, KD = 4, DV = 8, P = 2 * KD + DV;

function levitAttention(opset: number): Model {
  const sizes = [KD, KD, DV];
  return buildModel({
    inputs: [['x', 'float32', [1, N, C]]], outputs: ['y'], opset,
    nodes: [
      node('MatMul', ['x', 'w'], ['qkv']), node('Reshape', ['qkv', 'heads'], ['r']),
      opset >= 13 ? node('Split', ['r', 'sizes'], ['q0', 'k0', 'v0'], { axis: 3 }) : node('Split', ['r'], ['q0', 'k0', 'v0'], { axis: 3, split: sizes }),
      node('Transpose', ['q0'], ['q'], { perm: [0, 2, 1, 3] }), node('Transpose', ['k0'], ['kt'], { perm: [0, 2, 3, 1] }),
      node('Transpose', ['v0'], ['v'], { perm: [0, 2, 1, 3] }),
      node('MatMul', ['q', 'kt'], ['s']), node('Softmax', ['s'], ['a'], { axis: -1 }), node('MatMul', ['a', 'v'], ['o']),
      node('Transpose', ['o'], ['ot'], { perm: [0, 2, 1, 3] }), node('Reshape', ['ot', 'merged'], ['y']),
    ],
    initializers: [
      tensor('w', 'float32', [C, HS * P], seq(C * HS * P, (i) => 0.5 * Math.sin(i * 0.37))),
      tensor('heads', 'int64', [4], [1, N, HS, P]), tensor('merged', 'int64', [3], [1, N, HS * DV]),
      ...(opset >= 13 ? [tensor('sizes', 'int64', [3], sizes)] : []),
    ],
  });
}

for (const opset of [13, 11]) {
  test(`per-head interleaved q / k / v split (opset ${opset}): one head move for the three, equal to onnxruntime`, async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'split-heads-')), `levit-${opset}.onnx`);
    writeFileSync(file, encodeModel(levitAttention(opset)));
    const model = levitAttention(opset);
    const m = await convertAndMatch(file, model, seededInputs(model, 7, -1, 1));
    assert.ok(m.worst <= 1e-5, `max rel ${m.worst}`);
    assert.equal(m.result.transposeCount, 2);
  });
}
