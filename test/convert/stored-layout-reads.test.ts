// Reading a CNN's channel-last map as it is stored, where ONNX reads it flattened in channel-first order:
// GatherElements (ops/GatherElements.ts) and a MatMul by constant weights (ops/MatMul.ts).
//
// GatherElements on a CNN's map flattened in its stored (channel-last) order, as MoveNet's centre-net decode does
// (reg.reshape(n, 2k, h·w) gathered at the arg-max centre): the gather reads the data as stored, its coordinates
// listing each element's ONNX coordinates in the stored axis order, instead of a TRANSPOSE of the whole map back to
// ONNX order (MoveNet-style decode: 4 TRANSPOSE → 1). Both index forms: computed (ArgMax) and constant.
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

/** x [1, 3, 6, 6] → two 1×1 convs; the first's per-channel arg-max over the 36 positions picks where the second is
 *  read (y_at), and constant indices read two fixed positions per channel along axis 2 (y_fixed) and one along
 *  axis 1 of the [1, 36, 4] view (y_rows). */
function decodeModel(): Model {
  return buildModel({
    inputs: [['x', 'float32', [1, 3, 6, 6]]], outputs: ['y_at', 'y_fixed', 'y_rows'], opset: 13,
    nodes: [
      node('Conv', ['x', 'w1'], ['c1']), node('Conv', ['x', 'w2'], ['c2']),
      node('Reshape', ['c1', 'flat'], ['f1']), node('Reshape', ['c2', 'flat'], ['f2']),
      node('ArgMax', ['f1'], ['at'], { axis: 2, keepdims: 1 }),
      node('GatherElements', ['f2', 'at'], ['y_at'], { axis: 2 }),
      node('GatherElements', ['f2', 'fixed'], ['y_fixed'], { axis: 2 }),
      node('Transpose', ['f2'], ['t2'], { perm: [0, 2, 1] }),
      node('GatherElements', ['t2', 'rows'], ['y_rows'], { axis: 1 }),
    ],
    initializers: [
      tensor('w1', 'float32', [4, 3, 1, 1], seq(12, (i) => Math.sin(i * 1.3))),
      tensor('w2', 'float32', [4, 3, 1, 1], seq(12, (i) => Math.cos(i * 0.7))),
      tensor('flat', 'int64', [3], [1, 4, 36]),
      tensor('fixed', 'int64', [1, 4, 2], [0, 35, 7, -1, 20, 3, 11, 30]),
      tensor('rows', 'int64', [1, 2, 4], [5, 0, 35, 12, -3, 17, 1, 29]),
    ],
  });
}

test('GatherElements of a channel-last map flattened: no TRANSPOSE, equal to onnxruntime on LiteRT', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'gather-elements-')), 'decode.onnx');
  writeFileSync(file, encodeModel(decodeModel()));
  const model = decodeModel();
  const m = await convertAndMatch(file, model, seededInputs(model, 3, 0, 1));
  assert.deepEqual(m.outputs.map((o) => o.name).sort(), ['y_at', 'y_fixed', 'y_rows']);
  for (const o of m.outputs) assert.ok(o.maxDiff <= 1e-6 * Math.max(1, o.maxRef), `${o.name}: max|diff| ${o.maxDiff}`);
  assert.equal(m.result.transposeCount, 0);
  assert.ok((m.result.opHistogram.GATHER_ND ?? 0) === 3);
});

// A channel-last map flattened to [N, C, H·W] and multiplied by constant weights along H·W (RTMPose's SimCC head:
// the 7×7 conv's [1, K, H, W] flattened, ScaleNorm'd, then Linear(H·W, 256)): the flattened value is stored
// [N, H·W, C], its last two dims swapped, and BATCH_MATMUL reads it as it is (adj_x) instead of a TRANSPOSE before a
// FULLY_CONNECTED. RTMPose-style 1 → 0 TRANSPOSE.
/** x [1, 3, 4, 5] → 3×3 Conv to 6 channels → Reshape [1, 6, 20] → ÷ its L2 norm over the 20 → MatMul by [20, 7]. */
function simccHead(): Model {
  return buildModel({
    inputs: [['x', 'float32', [1, 3, 4, 5]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'w'], ['c'], { pads: [1, 1, 1, 1] }), node('Reshape', ['c', 'flat'], ['f']),
      node('ReduceL2', ['f'], ['norm'], { axes: [-1], keepdims: 1 }), node('Div', ['f', 'norm'], ['n']),
      node('MatMul', ['n', 'proj'], ['y']),
    ],
    initializers: [
      tensor('w', 'float32', [6, 3, 3, 3], seq(162, (i) => Math.sin(i * 0.41))), tensor('flat', 'int64', [3], [1, 6, 20]),
      tensor('proj', 'float32', [20, 7], seq(140, (i) => Math.cos(i * 0.23))),
    ],
  });
}

test('MatMul by constant weights of a flattened channel-last map: BATCH_MATMUL adj_x, 0 TRANSPOSE, equal to onnxruntime', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'matmul-map-')), 'simcc.onnx');
  writeFileSync(file, encodeModel(simccHead()));
  const model = simccHead();
  const m = await convertAndMatch(file, model, seededInputs(model, 2, 0, 1));
  assert.ok(m.worst <= 1e-5, `max rel ${m.worst}`);
  assert.equal(m.result.transposeCount, 0);
  const bmm = m.result.model.subgraphs[0].operators.filter((o) => o.opcode === 'BATCH_MATMUL');
  assert.equal(bmm.length, 1);
  assert.equal((bmm[0].options as { adjX?: boolean }).adjX, true);
});

// Mobile-Former's Mobile → Former cross attention: the conv map viewed per head is the keys [B, H, d, N] as it is and,
// through a Transpose, the values [B, H, N, d]. The keys' move to ONNX order is made for the first MatMul; the
// second reads that copy with adj_y instead of a TRANSPOSE of its own (6 → 5 a block).
function mapAttention(): Model {
  const H = 2, d = 4, T = 3;
  return buildModel({
    inputs: [['x', 'float32', [1, 3, 4, 5]], ['q', 'float32', [1, H, T, d]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'w'], ['c'], { pads: [1, 1, 1, 1] }), node('Reshape', ['c', 'heads'], ['k']),
      node('Transpose', ['k'], ['v'], { perm: [0, 1, 3, 2] }),
      node('MatMul', ['q', 'k'], ['s']), node('Softmax', ['s'], ['a'], { axis: -1 }), node('MatMul', ['a', 'v'], ['y']),
    ],
    initializers: [tensor('w', 'float32', [H * d, 3, 3, 3], seq(H * d * 27, (i) => Math.sin(i * 0.37))),
      tensor('heads', 'int64', [4], [1, H, d, 20])],
  });
}

test('a map read as keys and, transposed, as values: one TRANSPOSE, the values read with adj_y', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'map-attention-')), 'mobile-former.onnx');
  writeFileSync(file, encodeModel(mapAttention()));
  const model = mapAttention();
  const m = await convertAndMatch(file, model, seededInputs(model, 4, 0, 1));
  assert.ok(m.worst <= 1e-5, `max rel ${m.worst}`);
  assert.equal(m.result.transposeCount, 1);
  const bmm = m.result.model.subgraphs[0].operators.filter((o) => o.opcode === 'BATCH_MATMUL');
  assert.deepEqual(bmm.map((o) => (o.options as { adjY?: boolean }).adjY), [false, true]);
});
