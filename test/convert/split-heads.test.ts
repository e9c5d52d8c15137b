// LeViT's / TinyViT's (MobileSAM's) attention: q, k, v interleaved per head in one projection,
// `qkv.view(B, N, H, kd + kd + d).split([kd, kd, d], 3)`, each part permuted to heads first (k with kᵀ in the same
// Transpose, perm 0, 2, 3, 1). One Transpose of the [B, N, H, P] value before the Split serves the three: 4 TRANSPOSE
// per attention → 2 (the head split and the merge). Split sizes as an input (opset 13) and as an attribute (opset 11).
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
const N = 16, C = 8, H = 2, KD = 4, D = 8, P = 2 * KD + D;

function levitAttention(opset: number): Model {
  const sizes = [KD, KD, D];
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
      tensor('w', 'float32', [C, H * P], seq(C * H * P, (i) => 0.5 * Math.sin(i * 0.37))),
      tensor('heads', 'int64', [4], [1, N, H, P]), tensor('merged', 'int64', [3], [1, N, H * D]),
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
