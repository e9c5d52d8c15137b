// The int8 guard on a box table beside a table of class rows (an SSD-style detector's [1, N, 4] boxes and [1, N, C]
// scores): the boxes are judged by their IoU on the rows the scores call foreground (src/quantize/box-rows.ts), and a
// refusal says what was judged (class rows, boxes), not a text recognizer's "character error rate".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { guardMeasures, worstOutputCosine } from '../../src/quantize/output-cosine';
import { pairedBoxTables } from '../../src/quantize/box-rows';
import { rng } from './helpers';

const N = 2000;
const f32 = (name: string, rows: number[][]): Tensor => ({ name, dtype: 'float32', dims: [1, rows.length, rows[0].length], data: Float32Array.from(rows.flat()) });

/** Scores (background, face) with 12 face rows, and one box per row: corners of a 0.1-wide box at the row's prior. */
function detections(seed: number): { scores: number[][]; boxes: number[][] } {
  const r = rng(seed);
  const scores = Array.from({ length: N }, (_, i) => { const p = i % 160 === 7 ? 0.75 + 0.24 * r() : 0.02 * r() * r(); return [1 - p, p]; });
  const boxes = Array.from({ length: N }, (_, i) => { const x = (i % 50) / 50, y = Math.floor(i / 50) / 40; return [x, y, x + 0.1, y + 0.1]; });
  return { scores, boxes };
}
const runs = (ds: { scores: number[][]; boxes: number[][] }[]) => ds.map((d) => new Map([['scores', f32('scores', d.scores)], ['boxes', f32('boxes', d.boxes)]]));
const moved = (d: { scores: number[][]; boxes: number[][] }, rows: (i: number) => boolean, dx: number) =>
  ({ scores: d.scores, boxes: d.boxes.map((b, i) => (rows(i) ? [b[0] + dx, b[1], b[2] + dx, b[3]] : b)) });

test('boxes moved on the face rows miss the guard though the box table\'s cosine is 0.9999; moved on background rows they do not', () => {
  const ref = [1, 2, 3, 4].map(detections);
  assert.deepEqual([...pairedBoxTables(runs(ref), new Set(['scores']))], [['boxes', 'scores']]);
  // A tenth of the box's width on every face row: IoU 0.82 there.
  const faces = ref.map((d) => moved(d, (i) => i % 160 === 7, 0.01));
  const plain = worstOutputCosine(runs(ref).map((m) => new Map([['boxes', m.get('boxes')!]])), runs(faces).map((m) => new Map([['boxes', m.get('boxes')!]])));
  assert.ok(plain > 0.9999, `boxes alone ${plain}`);
  const m = guardMeasures(runs(ref), runs(faces));
  assert.ok(m.boxes && Math.abs(m.boxes.iou - 0.9 / 1.1) < 1e-3 && m.boxes.rows === 4 * 13, JSON.stringify(m.boxes));
  assert.ok(Math.abs(m.cosine - (1 - (1 - 0.9 / 1.1) / 3)) < 3e-3, `guard ${m.cosine}`);
  // The same move on background rows only: nobody reads those boxes.
  const bg = ref.map((d) => moved(d, (i) => i % 160 !== 7, 0.01));
  assert.ok(guardMeasures(runs(ref), runs(bg)).cosine > 0.999);
  // A move of 1/1000 of the picture (0.01 of the box): IoU 0.98, over the bar.
  assert.ok(guardMeasures(runs(ref), runs(ref.map((d) => moved(d, (i) => i % 160 === 7, 0.001)))).cosine > 0.99);
});

const CELLS = 256;

/** A tiny SSD-style head: x [1, 3, 16, 16] → conv + relu → score logits (background 0, face gained and biased: a few
 *  cells per picture stand out) → [1, 256, 2] softmax rows, and box offsets → [1, 256, 4] corners of a 0.4-wide box per
 *  cell (prior + 0.02 · offset). `scoreShift`: the score logits shifted by it and back (Add / Sub), so int8 stores
 *  them on a grid of shift / 255 (250 moves face scores by up to 0.25). `boxShift`: the box layer has a fifth channel
 *  of bias boxShift / 0.02 that a Slice drops, so its int8 output (one scale for the five channels: the decode after it
 *  stays float32, int8-box-decode.ts) holds the offsets on a grid of ~boxShift / 255 of the picture (8: corners moved
 *  by up to 1/64 of the picture, IoU ~0.9 on 0.4-wide boxes). */
function detector(scoreShift: number, boxShift: number, heavy = false): Uint8Array {
  const r = rng(5);
  // `heavy`: the features pass through a 3×3 conv to HIDDEN channels and back that computes the identity (ReLU(x) −
  // ReLU(−x), the other channels ~0): 18K weights, so that the search's size budget (35% of float32) is not spent by the
  // float16 prior table alone (int8-box-decode.ts) and has room for a float layer.
  const HIDDEN = 128;
  const t = rng(8);
  const tiny = () => (t() - 0.5) * 1e-3;
  const up = Array.from({ length: HIDDEN * 8 * 9 }, (_, i) => { const [o, c, k] = [Math.floor(i / 72), Math.floor(i / 9) % 8, i % 9]; return k === 4 && o < 16 ? (o % 8 === c ? (o < 8 ? 1 : -1) : 0) : tiny(); });
  const down = Array.from({ length: 8 * HIDDEN * 9 }, (_, i) => { const [o, c, k] = [Math.floor(i / (HIDDEN * 9)), Math.floor(i / 9) % HIDDEN, i % 9]; return k === 4 && c < 16 ? (c % 8 === o ? (c < 8 ? 1 : -1) : 0) : tiny(); });
  const w1 = Array.from({ length: 8 * 3 * 9 }, () => (r() - 0.5) * 1.5);
  const w2 = [...new Array<number>(8).fill(0), ...Array.from({ length: 8 }, () => (r() - 0.5) * 8)];
  const w3 = Array.from({ length: 4 * 8 }, () => (r() - 0.5) * 2);
  const priors = Array.from({ length: CELLS }, (_, i) => { const x = (i % 16) / 16, y = Math.floor(i / 16) / 16; return [x, y, x + 0.4, y + 0.4]; }).flat();
  const shift = (name: string, from: string, to: string, by: number) => (by
    ? [node('Add', [from, `${name}_big`], [`${name}_up`], {}, `${name}_up`), node('Sub', [`${name}_up`, `${name}_big`], [to], {}, `${name}_down`)]
    : [node('Identity', [from], [to])]);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 3, 16, 16]]], outputs: ['scores', 'boxes'], opset: 13,
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), node('Relu', ['c1'], [heavy ? 'feat0' : 'feat']),
      ...(heavy ? [node('Conv', ['feat0', 'wup'], ['hid0'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), node('Relu', ['hid0'], ['hid']),
        node('Conv', ['hid', 'wdown'], ['feat'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })] : []),
      node('Conv', ['feat', 'w2', 'b2'], ['c2'], { kernel_shape: [1, 1] }),
      ...shift('score', 'c2', 'c3', scoreShift),
      node('Reshape', ['c3', 'sh2'], ['flat']), node('Transpose', ['flat'], ['logits'], { perm: [0, 2, 1] }),
      node('Softmax', ['logits'], ['scores'], { axis: 2 }),
      ...(boxShift
        ? [node('Conv', ['feat', 'w3wide', 'b3wide'], ['loc5'], { kernel_shape: [1, 1] }), node('Slice', ['loc5', 'ch0', 'ch4', 'ch1'], ['loc'])]
        : [node('Conv', ['feat', 'w3'], ['loc'], { kernel_shape: [1, 1] })]),
      node('Reshape', ['loc', 'sh4'], ['locflat']), node('Transpose', ['locflat'], ['locrows'], { perm: [0, 2, 1] }),
      node('Mul', ['locrows', 'gain'], ['offsets']), node('Add', ['offsets', 'priors'], ['boxes']),
    ],
    initializers: [
      tensor('w1', 'float32', [8, 3, 3, 3], w1), tensor('b1', 'float32', [8], Array.from({ length: 8 }, () => (r() - 0.5) * 0.2)),
      tensor('w2', 'float32', [2, 8, 1, 1], w2), tensor('b2', 'float32', [2], [0, -14.5]), tensor('score_big', 'float32', [1], [scoreShift]),
      tensor('w3', 'float32', [4, 8, 1, 1], w3), tensor('gain', 'float32', [1], [0.02]), tensor('priors', 'float32', [1, CELLS, 4], priors),
      ...(heavy ? [tensor('wup', 'float32', [HIDDEN, 8, 3, 3], up), tensor('wdown', 'float32', [8, HIDDEN, 3, 3], down)] : []),
      tensor('w3wide', 'float32', [5, 8, 1, 1], [...w3, ...new Array<number>(8).fill(0)]), tensor('b3wide', 'float32', [5], [0, 0, 0, 0, boxShift / 0.02]),
      tensor('ch0', 'int64', [1], [0]), tensor('ch4', 'int64', [1], [4]), tensor('ch1', 'int64', [1], [1]), tensor('sh2', 'int64', [3], [1, 2, CELLS]), tensor('sh4', 'int64', [3], [1, 4, CELLS]),
    ],
  }));
}

test('int8 of a detector made to move its boxes is refused, one made to lose its face scores is refused as class rows; the plain one is written', async () => {
  const q = { mode: 'int8' as const, int16: 'off' as const };
  await assert.rejects(quantizeModelBytes(detector(0, 8), 'faces.onnx', {}, q),
    (e: Error) => e.name === 'ModelError' && /judged as class rows .*boxes judged by the mean IoU of the boxes on those rows: 0\.[0-8]\d*, at least 0\.97.*nothing written/.test(e.message)
      && !/character error rate/.test(e.message));
  await assert.rejects(quantizeModelBytes(detector(250, 0), 'faces.onnx', {}, q),
    (e: Error) => e.name === 'ModelError' && /scores judged as class rows on the \d+ row\(s\).*cosine 0\.[0-9]+.*nothing written/.test(e.message)
      && !/character error rate|decoded sequences/.test(e.message));
  const ok = await quantizeModelBytes(detector(0, 0), 'faces.onnx', {}, q);
  const g = ok.summary.guard!;
  assert.equal(g.met, true, JSON.stringify(g));
  assert.ok(g.boxIou && g.boxIou.iou >= 0.97 && g.boxIou.rows > 0 && g.classRows && g.classRows.rows > 0, JSON.stringify(g));
});

test('the search ranks a detector with class rows by the guard\'s measure: the box shift it was refused for goes float32 and the model is written', async () => {
  // By the task measure (the score table's arg-max agreement, 1.0000 on background rows) no step gained anything.
  const r = await quantizeModelBytes(detector(0, 8, true), 'faces.onnx', {}, { mode: 'int8' });
  const g = r.summary.guard!;
  assert.equal(g.met, true, JSON.stringify(g));
  assert.ok(g.boxIou && g.boxIou.iou >= 0.97, JSON.stringify(g));
  assert.ok((r.summary.floatOps ?? 0) > 0, `floatOps ${r.summary.floatOps}`);
});
