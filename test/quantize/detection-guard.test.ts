// The int8 guard on an end-to-end detector's packed rows ([1, K, 6]: x1, y1, x2, y2, score, label, sorted by score by a
// TopK; YOLOv10's NMS-free head, @idscan/idvc2's yoloFaceFingers): judged as detection sets (src/quantize/
// output-cosine.ts, src/compare/detection-sets.ts packedSetVectors), not row by row, where near-equal scores put
// other rows at each rank. A model made to collapse is still refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { packedDetectionOutputs, worstOutputCosine } from '../../src/quantize/output-cosine';
import { rng } from './helpers';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';

const t = (rows: number[][]): Tensor => ({ name: 'det', dtype: 'float32', dims: [1, rows.length, 6], data: Float32Array.from(rows.flat()) });
const runs = (samples: number[][][]) => samples.map((rows) => new Map([['det', t(rows)]]));

/** Two detections, then 18 rows of tied tiny scores (boxes all over the picture), as YOLOv10 writes them. */
function detections(seed: number): number[][] {
  const r = rng(seed);
  const rows = [[40, 20, 110, 90, 0.86, 16], [44, 6, 246, 176, 0.75, 6]];
  for (let i = 0; i < 18; i++) {
    const x = r() * 250, y = r() * 150;
    rows.push([x, y, x + 20 + r() * 60, y + 20 + r() * 60, 0.002, Math.floor(r() * 17)]);
  }
  return rows;
}

test('packed detection rows reordered among tied scores keep the guard\'s measure (row by row they did not)', () => {
  const ref = [detections(1), detections(2), detections(3), detections(4)];
  assert.deepEqual([...packedDetectionOutputs(runs(ref))], ['det']);
  // int8: the two detections' scores a step apart, the tied rows below them in another order, boxes a pixel over.
  const got = ref.map((rows) => [
    rows[0].map((v, k) => (k < 4 ? v + 1 : k === 4 ? 0.85 : v)), rows[1].map((v, k) => (k < 4 ? v - 1 : k === 4 ? 0.76 : v)),
    ...rows.slice(2).reverse()]);
  const c = worstOutputCosine(runs(ref), runs(got));
  assert.ok(c > 0.999, `as sets ${c}`);
  // Row by row (the rows' values as one plain output) the same outputs read far under the guard's 0.99.
  const plain = (s: number[][][]) => s.map((rows) => new Map([['det', { ...t(rows), dims: [rows.length * 6] }]]));
  assert.ok(worstOutputCosine(plain(ref), plain(got)) < 0.9);
});

test('a detection lost, moved off its object, relabelled or a collapsed table is judged under the guard', () => {
  const ref = [detections(1), detections(2), detections(3), detections(4)];
  const edit = (f: (rows: number[][]) => number[][]) => worstOutputCosine(runs(ref), runs(ref.map((rows) => f(rows.map((r) => [...r])))));
  // The face row's score falls to the tail's on every sample (the document row stays).
  assert.ok(edit((rows) => { rows[0][4] = 0.002; return rows; }) < 0.9);
  // Its box moved onto the document (IoU < 0.5): what plain int8 did to yoloFaceFingers' face row.
  assert.ok(edit((rows) => { rows[0] = [44, 6, 246, 176, 0.86, 16]; return rows; }) < 0.9);
  // Another label.
  assert.ok(edit((rows) => { rows[0][5] = 3; return rows; }) < 0.9);
  // One sample's detections lost: a quarter of the pooled weight.
  const one = worstOutputCosine(runs(ref), runs(ref.map((rows, k) => (k === 2 ? rows.map((r) => [r[0], r[1], r[2], r[3], 0.002, r[5]]) : rows))));
  assert.ok(one < 0.9, `one sample lost ${one}`);
  // Every row the same box and score (a collapsed head), or all zero.
  assert.ok(edit((rows) => rows.map(() => [100, 50, 150, 100, 0.5, 0])) < 0.3);
  assert.equal(edit((rows) => rows.map(() => [0, 0, 0, 0, 0, 0])), 0);
});

const K = 10;
const LOGIT_BIAS = -15;
const LOGIT_GAIN = 5;
const CELLS = 64;

/** A tiny end-to-end detector: x [1, 3, 16, 16] → conv 3→8 stride 2 + relu (`collapse`: then shifted by 1e6 and back,
 *  which int8 rounding wipes out) → conv 8→5 → 64 cells' boxes (anchor grid + sigmoid offsets, half sizes 1-5 px),
 *  scores (sigmoid; logits gained and biased so that one or two cells stand out over a tail of 0.01-0.2) and labels
 *  (cell % 3); TopK of the scores, the boxes gathered, rows [1, 10, 6]. */
function packedDetector(collapse: boolean): Uint8Array {
  const r = rng(5);
  const w = (name: string, dims: number[], s: number) => tensor(name, 'float32', dims, Array.from({ length: dims.reduce((a, b) => a * b) }, () => (r() - 0.5) * s));
  const anchors = Array.from({ length: CELLS }, (_, c) => [2 * (c % 8) + 1, 2 * Math.floor(c / 8) + 1]).flat();
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 3, 16, 16]]], outputs: ['detections'], opset: 13,
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c1'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }), node('Relu', ['c1'], ['r1']),
      ...(collapse ? [node('Add', ['r1', 'big'], ['up'], {}, 'shift_up'), node('Sub', ['up', 'big'], ['feat'], {}, 'shift_down')] : [node('Identity', ['r1'], ['feat'])]),
      node('Conv', ['feat', 'w2', 'b2'], ['c2'], { kernel_shape: [1, 1] }), node('Reshape', ['c2', 'sh'], ['flat']),
      node('Transpose', ['flat'], ['cells'], { perm: [0, 2, 1] }),
      node('Slice', ['cells', 's0', 's2', 'ax'], ['oxy']), node('Slice', ['cells', 's2', 's4', 'ax'], ['owh']), node('Slice', ['cells', 's4', 's5', 'ax'], ['logit']),
      node('Sigmoid', ['oxy'], ['sxy']), node('Mul', ['sxy', 'two'], ['dxy']), node('Add', ['dxy', 'anchors'], ['xy']),
      node('Sigmoid', ['owh'], ['swh']), node('Mul', ['swh', 'four'], ['hwh']), node('Add', ['hwh', 'one'], ['wh']),
      node('Sub', ['xy', 'wh'], ['p1']), node('Add', ['xy', 'wh'], ['p2']), node('Concat', ['p1', 'p2'], ['boxes'], { axis: 2 }),
      node('Sigmoid', ['logit'], ['prob']), node('Reshape', ['prob', 'sh2'], ['scores']),
      node('TopK', ['scores', 'k'], ['top', 'idx'], { axis: 1 }), node('Reshape', ['idx', 'sh1'], ['idx1']),
      node('Gather', ['boxes', 'idx1'], ['picked'], { axis: 1 }), node('Reshape', ['top', 'sh3'], ['topcol']),
      node('Mod', ['idx', 'three'], ['cls']), node('Cast', ['cls'], ['clsf'], { to: 1 }), node('Reshape', ['clsf', 'sh3'], ['labels']),
      node('Concat', ['picked', 'topcol', 'labels'], ['detections'], { axis: 2 }),
    ],
    initializers: [
      w('w1', [8, 3, 3, 3], 1.5), w('b1', [8], 0.2), tensor('w2', 'float32', [5, 8, 1, 1], Array.from({ length: 40 }, (_, i) => (r() - 0.5) * 2 * (i >= 32 ? LOGIT_GAIN : 1))),
      tensor('b2', 'float32', [5], [0.1, -0.1, 0.1, -0.1, LOGIT_BIAS]), tensor('big', 'float32', [1], [1e6]),
      tensor('sh', 'int64', [3], [1, 5, CELLS]), tensor('s0', 'int64', [1], [0]), tensor('s2', 'int64', [1], [2]), tensor('s4', 'int64', [1], [4]),
      tensor('s5', 'int64', [1], [5]), tensor('ax', 'int64', [1], [2]), tensor('two', 'float32', [1], [2]), tensor('four', 'float32', [1], [4]),
      tensor('one', 'float32', [1], [1]), tensor('anchors', 'float32', [1, CELLS, 2], anchors), tensor('sh2', 'int64', [2], [1, CELLS]),
      tensor('k', 'int64', [1], [K]), tensor('sh1', 'int64', [1], [K]), tensor('sh3', 'int64', [3], [1, K, 1]), tensor('three', 'int64', [1], [3]),
    ],
  }));
}

test('int8 of an end-to-end detector made to collapse is refused, judged as detection sets; the same detector without the shift is written', async () => {
  await assert.rejects(quantizeModelBytes(packedDetector(true), 'det.onnx', {}, { mode: 'int8', int16: 'off' }),
    (e: Error) => e.name === 'ModelError' && /output cosine (-?0\.[0-8]\d*|0\.9[0-8]\d*) .*below --min-cosine 0\.99.*shift_down \(Sub\).*nothing written/.test(e.message));
  const ok = await quantizeModelBytes(packedDetector(false), 'det.onnx', {}, { mode: 'int8', int16: 'off' });
  assert.equal(ok.summary.guard?.met, true, JSON.stringify(ok.summary.guard));
  assert.deepEqual(ok.summary.guard?.detectionSets, ['detections']);
  // TopK's values keep their input's int8 parameters: with their own, the scores came out ~15% low (norm 0.856).
  assert.ok(Math.abs(ok.summary.guard!.normRatio! - 1) < 0.01, JSON.stringify(ok.summary.guard));
  // The labels (index % 3 cast to float) come out whole: an int8 grid of their own range (2/255) gave label 1 as
  // 0.996, a reader's int() class 0, and the rows unpaired (guard 0.66).
  const session = await openConverted(serializeTflite(ok.result.model));
  try {
    const r = rng(9);
    const out = (await session.run([tensor('x', 'float32', [1, 3, 16, 16], Array.from({ length: 768 }, r))])).get('detections')!.data as Float32Array;
    const labels = Array.from({ length: K }, (_, i) => out[6 * i + 5]);
    assert.ok(labels.every((l) => Number.isInteger(l) && l >= 0 && l <= 2) && labels.some((l) => l === 1), labels.join());
  } finally {
    session.close();
  }
});
