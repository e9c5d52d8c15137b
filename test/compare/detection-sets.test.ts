// Detection rows paired as sets (src/compare/detection-sets.ts): near-equal scores in another order pair up, a label,
// an IoU below 0.5 or a missing row leave rows unpaired, and the group of detection outputs is found by shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxIou, detectionGroup, headRowsOff, pairDetections, pairedRows, scoreAndLabel, withoutRows, type OutputShape } from '../../src/compare/detection-sets';

const ref = {
  boxes: [10, 10, 50, 50, 60, 60, 100, 120, 12, 11, 49, 52, 0, 0, 30, 30],
  scores: [0.9, 0.80001, 0.8, 0.3],
  labels: [1, 2, 2, 1],
};

test('boxIou: identical 1, disjoint 0, half-overlapping 1/3', () => {
  assert.equal(boxIou([0, 0, 10, 10], 0, [0, 0, 10, 10], 0), 1);
  assert.equal(boxIou([0, 0, 10, 10], 0, [20, 20, 30, 30], 0), 0);
  assert.ok(Math.abs(boxIou([0, 0, 10, 10], 0, [5, 0, 15, 10], 0) - 1 / 3) < 1e-12);
});

test('rows whose near-equal scores came out in another order are paired with their own', () => {
  // The other side swapped rows 1 and 2 (scores 0.80001 / 0.8) and moved boxes by float rounding.
  const got = {
    boxes: [10, 10, 50, 50.00001, 12, 11, 49, 52, 60, 60, 100, 120, 0, 0, 30, 30],
    scores: [0.9, 0.8, 0.80002, 0.3],
    labels: [1, 2, 2, 1],
  };
  const p = pairDetections(ref, got);
  assert.deepEqual(p, { pairs: [[0, 0], [1, 2], [2, 1], [3, 3]], missing: [], extra: [] });
  const rows = pairedRows([{ name: 'scores', ref: Float32Array.from(ref.scores), got: Float32Array.from(got.scores) }], 4, 4, p);
  assert.deepEqual(Array.from(rows[0]!.got), Array.from(Float32Array.from([0.9, 0.80002, 0.8, 0.3])));
});

test('another label, a box moved off its object or a missing row leave rows unpaired', () => {
  const relabelled = pairDetections(ref, { ...ref, labels: [1, 2, 2, 3] });
  assert.deepEqual([relabelled.missing, relabelled.extra], [[3], [3]]);
  const moved = pairDetections(ref, { ...ref, boxes: [...ref.boxes.slice(0, 12), 20, 20, 50, 50] });
  assert.deepEqual([moved.missing, moved.extra], [[3], [3]]);
  const fewer = pairDetections(ref, { boxes: ref.boxes.slice(0, 12), scores: ref.scores.slice(0, 3), labels: ref.labels.slice(0, 3) });
  assert.deepEqual([fewer.pairs.length, fewer.missing, fewer.extra], [3, [3], []]);
  const more = pairDetections({ boxes: ref.boxes.slice(4), scores: ref.scores.slice(1), labels: ref.labels.slice(1) }, ref);
  assert.deepEqual([more.pairs.length, more.missing, more.extra], [3, [], [0]]);
});

test('boxes of zero width or height pair with their own corners within 1e-4, not with another flat box', () => {
  // RTMDet-Ins on random weights: distances regressed to 0 give lines [x, y, x2, y] whose x2 differs by float rounding,
  // and one side may get a sliver of height; IoU is 0 / 0 or 0 either way.
  const flat = { boxes: [192, 96, 193.567, 96, 224, 152, 224, 152, 10, 10, 50, 50], scores: [0.9, 0.8, 0.7], labels: [1, 2, 3] };
  const got = { boxes: [192, 96, 193.56702, 96.00001, 224, 152, 224, 152, 10, 10, 50, 50], scores: [0.9, 0.8, 0.7], labels: [1, 2, 3] };
  assert.equal(boxIou(flat.boxes, 0, got.boxes, 0), 0, 'IoU alone leaves them apart');
  assert.deepEqual(pairDetections(flat, got), { pairs: [[0, 0], [1, 1], [2, 2]], missing: [], extra: [] });
  const moved = { ...got, boxes: [192, 96, 193.6, 96, ...got.boxes.slice(4)] };
  assert.deepEqual([pairDetections(flat, moved).missing, pairDetections(flat, moved).extra], [[0], [0]], 'a flat box moved by 3e-2 px is another');
});

test('detectionGroup: run-time-row [N, 4] boxes and the outputs sharing N; none without them', () => {
  const o = (refDims: number[], runtimeRows: boolean, float = true, gotDims = refDims): OutputShape => ({ refDims, gotDims, runtimeRows, float });
  const outs = [o([7, 4], true), o([7], true, false), o([7], true), o([7, 17, 3], true), o([1, 10], false), o([5], true)];
  const g = detectionGroup(outs)!;
  assert.deepEqual(g, { boxes: 0, members: [0, 1, 2, 3] });
  assert.deepEqual(scoreAndLabel(outs, g.members), { scores: 2, labels: 1 });
  assert.equal(detectionGroup([o([7, 4], false), o([7], false)]), undefined, 'fixed row counts are compared element by element');
  assert.equal(detectionGroup([o([7, 3], true)]), undefined);
  assert.deepEqual(detectionGroup([o([0, 4], true), o([0], true)]), { boxes: 0, members: [0, 1] });
});

test('headRowsOff: the rows of head outputs beyond the bar (relative to the largest reference value), never the boxes\'', () => {
  // 3 rows; keypoints-like head of 2 values per row: row 1 off by 5 of max 100 (5e-2 > 1e-2), row 2 by 0.5 (5e-3).
  const head = { name: 'keypoints', ref: Float32Array.from([10, 100, 20, 30, 40, 50]), got: Float32Array.from([10, 100, 25, 30, 40, 50.5]) };
  const boxes = { name: 'boxes', ref: new Float32Array(12), got: new Float32Array(12).fill(9) };
  assert.deepEqual([...headRowsOff([boxes, head], [false, true], 3, 1e-2)], [1]);
  assert.deepEqual([...headRowsOff([boxes, head], [false, true], 3, 1e-3)], [1, 2]);
  const kept = withoutRows(head, new Set([1]), 3);
  assert.deepEqual([Array.from(kept.ref), Array.from(kept.got)], [[10, 100, 40, 50], [10, 100, 40, 50.5]]);
  assert.equal(withoutRows(head, new Set(), 3), head);
});
