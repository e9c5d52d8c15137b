// q, k, v Gathered from a packed [3, B·T, h, J, d] projection along axis 0, each viewed [B, T, h, J, d] and moved
// [B, h, J, T, d] (k with its last two dims swapped too: one exported perm), as MotionBERT's DSTformer writes its
// temporal attention: the view is of the packed value viewed [3, B, T, h, J, d] first, so one move before the
// Gathers serves the three, and kᵀ is read as adj_y. Before: the packed move plus one TRANSPOSE each for q, k and v
// (MotionBERT 28 TRANSPOSE -> 16).
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

/** x [T, J, C] (batch 1 folded with T): qkv = x·W viewed [T, J, 3, h, d], moved [3, T, h, J, d]; q / k / v Gathered,
 *  viewed [1, T, h, J, d], moved [1, h, J, T, d] (k: [1, h, J, d, T]); attention over T; merged back to [T, J, C]. */
function temporalAttention(T = 6, J = 5, h = 2, d = 8): Model {
  const C = h * d;
  const part = (i: number, perm: number[]) => [
    node('Gather', ['qkv_t', `i${i}`], [`g${i}`], { axis: 0 }), node('Reshape', [`g${i}`, 'view'], [`v${i}`]),
    node('Transpose', [`v${i}`], [`m${i}`], { perm }),
  ];
  return buildModel({
    inputs: [['x', 'float32', [T, J, C]]], outputs: ['y'], opset: 13,
    nodes: [
      node('MatMul', ['x', 'wqkv'], ['qkv']), node('Reshape', ['qkv', 'split'], ['qkv5']),
      node('Transpose', ['qkv5'], ['qkv_t'], { perm: [2, 0, 3, 1, 4] }),
      ...part(0, [0, 2, 3, 1, 4]), ...part(1, [0, 2, 3, 4, 1]), ...part(2, [0, 2, 3, 1, 4]),
      node('MatMul', ['m0', 'm1'], ['s']), node('Mul', ['s', 'scale'], ['ss']), node('Softmax', ['ss'], ['a'], { axis: -1 }),
      node('MatMul', ['a', 'm2'], ['o']), node('Transpose', ['o'], ['ot'], { perm: [0, 3, 2, 1, 4] }),
      node('Reshape', ['ot', 'merged'], ['om']), node('MatMul', ['om', 'wo'], ['y']),
    ],
    initializers: [
      tensor('wqkv', 'float32', [C, 3 * C], seq(3 * C * C, (i) => 0.3 * Math.sin(i * 0.37))),
      tensor('wo', 'float32', [C, C], seq(C * C, (i) => 0.3 * Math.cos(i * 0.29))),
      tensor('split', 'int64', [5], [T, J, 3, h, d]), tensor('view', 'int64', [5], [1, T, h, J, d]),
      tensor('merged', 'int64', [3], [T, J, C]), tensor('scale', 'float32', [], [d ** -0.5]),
      tensor('i0', 'int64', [], [0]), tensor('i1', 'int64', [], [1]), tensor('i2', 'int64', [], [2]),
    ],
  });
}

test('q, k, v Gathered from a packed projection, viewed and moved (kᵀ in one perm): one move for the three, equal to onnxruntime on LiteRT', async () => {
  const model = temporalAttention();
  const file = join(mkdtempSync(join(tmpdir(), 'gathered-view-moves-')), 'temporal.onnx');
  writeFileSync(file, encodeModel(model));
  const m = await convertAndMatch(file, model, seededInputs(model, 4, 0, 1));
  for (const o of m.outputs) assert.ok(o.maxRef > 0.01 && o.maxDiff <= 1e-5 * o.maxRef, `${o.name}: max|diff| ${o.maxDiff} of ${o.maxRef}`);
  assert.equal(m.result.transposeCount, 2); // the packed move and the head merge
});
