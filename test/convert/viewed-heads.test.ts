// ultralytics' C2PSA / PSA attention (YOLO11, YOLOv10): q, k, v viewed head-first out of a 1×1 conv's channels,
// `qkv(x).view(B, H, 2·kd + d, N).split([kd, kd, d], dim=2)`, then `q.transpose(-2, -1) @ k`, `v @ attn.transpose(-2, -1)`
// and a depthwise pe Conv on v viewed back as an image. Stored channel-last, each part used to take its own TRANSPOSE
// (q, k, v) plus the merge's: 4. One move of the viewed conv output before the Split serves q, k (adj_y) and v (adj_x);
// the pe Conv reads v without a move: 2 (src/convert/simplify-heads.ts fuseViewedHeads).
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
const C = 16, S = 4, HS = 2, KD = 4, DV = 8, P = 2 * KD + DV, N = S * S;

function psaAttention(opset: number): Model {
  const sizes = [KD, KD, DV];
  return buildModel({
    inputs: [['x', 'float32', [1, C, S, S]]], outputs: ['y'], opset,
    nodes: [
      node('Conv', ['x', 'wqkv', 'bqkv'], ['qkv'], { kernel_shape: [1, 1] }), node('Reshape', ['qkv', 'heads'], ['r']),
      opset >= 13 ? node('Split', ['r', 'sizes'], ['q', 'k', 'v'], { axis: 2 }) : node('Split', ['r'], ['q', 'k', 'v'], { axis: 2, split: sizes }),
      node('Transpose', ['q'], ['qt'], { perm: [0, 1, 3, 2] }), node('MatMul', ['qt', 'k'], ['s']),
      node('Mul', ['s', 'scale'], ['ss']), node('Softmax', ['ss'], ['a'], { axis: -1 }),
      node('Transpose', ['a'], ['at'], { perm: [0, 1, 3, 2] }), node('MatMul', ['v', 'at'], ['o']),
      node('Reshape', ['o', 'image'], ['oi']), node('Reshape', ['v', 'image'], ['vi']),
      node('Conv', ['vi', 'wpe', 'bpe'], ['pe'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: C }),
      node('Add', ['oi', 'pe'], ['sum']), node('Conv', ['sum', 'wproj', 'bproj'], ['y'], { kernel_shape: [1, 1] }),
    ],
    initializers: [
      tensor('wqkv', 'float32', [HS * P, C, 1, 1], seq(HS * P * C, (i) => 0.4 * Math.sin(i * 0.37))),
      tensor('bqkv', 'float32', [HS * P], seq(HS * P, (i) => 0.05 * Math.cos(i))),
      tensor('heads', 'int64', [4], [1, HS, P, N]), tensor('image', 'int64', [4], [1, C, S, S]),
      tensor('scale', 'float32', [], [KD ** -0.5]),
      tensor('wpe', 'float32', [C, 1, 3, 3], seq(C * 9, (i) => 0.3 * Math.cos(i * 0.71))), tensor('bpe', 'float32', [C], seq(C, (i) => 0.01 * i)),
      tensor('wproj', 'float32', [C, C, 1, 1], seq(C * C, (i) => 0.25 * Math.sin(i * 1.3))), tensor('bproj', 'float32', [C], seq(C, () => 0)),
      ...(opset >= 13 ? [tensor('sizes', 'int64', [3], sizes)] : []),
    ],
  });
}

for (const opset of [13, 11]) {
  test(`C2PSA's head-first q / k / v view (opset ${opset}): one move before the split, 4 TRANSPOSE → 2, equal to onnxruntime`, async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'viewed-heads-')), `psa-${opset}.onnx`);
    const model = psaAttention(opset);
    writeFileSync(file, encodeModel(model));
    const m = await convertAndMatch(file, model, seededInputs(model, 5, -1, 1));
    assert.ok(m.worst <= 1e-5, `max rel ${m.worst}`);
    // The move of the viewed qkv (heads ahead of tokens) and the merge back to the image: nothing per part.
    assert.equal(m.result.transposeCount, 2);
    const ops = m.result.model.subgraphs[0].operators.map((o) => o.opcode);
    assert.equal(ops.filter((o) => o === 'BATCH_MATMUL').length, 2);
  });
}
