// Top-k rows paired within ties (src/compare/topk-rows.ts): SuperPoint's two keypoint rows whose onnxruntime scores
// tie exactly come out of LiteRT in the other order; within a run of tied reference values the rows are paired, and
// nowhere else, and rows that differ still differ.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignTiedRows, MAX_TIE_RUN } from '../../src/compare/topk-rows';

const f32 = (v: number[]) => Float32Array.from(v);

test('rows swapped within a tie are put back in the reference order, in every output of the group', () => {
  const values = { ref: f32([0.9, 0.5, 0.5, 0.1]), got: f32([0.9, 0.50000006, 0.5, 0.1]) };
  const points = { ref: f32([1, 1, 2, 2, 3, 3, 4, 4]), got: f32([1, 1, 3, 3, 2, 2, 4, 4]) };
  const a = alignTiedRows(values, [values, points], 1, 4);
  assert.equal(a.tied, 2);
  assert.equal(a.reordered, 2);
  assert.deepEqual([...a.got[1]!], [1, 1, 2, 2, 3, 3, 4, 4]);
  assert.deepEqual([...points.got], [1, 1, 3, 3, 2, 2, 4, 4], 'the inputs are not changed');
});

test('rows swapped where the reference values do not tie stay where they are (a real mismatch)', () => {
  const values = { ref: f32([0.9, 0.6, 0.5, 0.1]), got: f32([0.9, 0.6, 0.5, 0.1]) };
  const points = { ref: f32([1, 1, 2, 2, 3, 3, 4, 4]), got: f32([1, 1, 3, 3, 2, 2, 4, 4]) };
  const a = alignTiedRows(values, [values, points], 1, 4);
  assert.equal(a.tied, 0);
  assert.equal(a.reordered, 0);
  assert.deepEqual([...a.got[1]!], [...points.got]);
});

test('rows that differ within a tie still differ after the pairing', () => {
  const values = { ref: f32([0.5, 0.5, 0.5]), got: f32([0.5, 0.5, 0.5]) };
  const points = { ref: f32([1, 1, 2, 2, 3, 3]), got: f32([3, 3, 9, 9, 1, 1]) };
  const a = alignTiedRows(values, [values, points], 1, 3);
  assert.equal(a.tied, 3);
  assert.deepEqual([...a.got[1]!], [1, 1, 9, 9, 3, 3], 'the matching rows paired, the one without a match left to fail');
});

test('each batch row is paired on its own; a rank is never moved into another batch row', () => {
  const values = { ref: f32([0.7, 0.7, 0.2, 0.2]), got: f32([0.7, 0.7, 0.2, 0.2]) };
  const points = { ref: f32([1, 2, 3, 4]), got: f32([2, 1, 3, 4]) };
  const a = alignTiedRows(values, [values, points], 2, 2);
  assert.deepEqual([...a.got[1]!], [1, 2, 3, 4]);
  const across = alignTiedRows({ ref: f32([0.5, 0.5, 0.5, 0.5]), got: f32([0.5, 0.5, 0.5, 0.5]) },
    [{ ref: f32([1, 2, 3, 4]), got: f32([4, 3, 2, 1]) }], 2, 2);
  assert.deepEqual([...across.got[0]!], [4, 3, 2, 1], 'rows of batch 0 are not paired with those of batch 1');
  assert.equal(across.reordered, 0);
});

test('a run of ties longer than MAX_TIE_RUN is left as it is', () => {
  const n = MAX_TIE_RUN + 1;
  const values = { ref: new Float32Array(n), got: new Float32Array(n) };
  const points = { ref: Float32Array.from({ length: n }, (_, i) => i), got: Float32Array.from({ length: n }, (_, i) => n - 1 - i) };
  const a = alignTiedRows(values, [values, points], 1, n);
  assert.equal(a.tied, 0);
  assert.equal(a.reordered, 0);
});

test('values nearer than the two sides\' own difference on them tie (CenterPoint\'s peaks 5e-6 apart), within the bar only', () => {
  // Reference 0.700003 / 0.7 ranked, LiteRT computed them 0.700001 / 0.700002 and ranked them the other way: the
  // sorted values differ by 1e-6 from onnxruntime's, so two ranks 3e-6 apart (< 4 × 1e-6) may swap.
  const values = { ref: f32([0.9, 0.700003, 0.7, 0.1]), got: f32([0.9, 0.700002, 0.700001, 0.1]) };
  const boxes = { ref: f32([1, 1, 2, 2, 3, 3, 4, 4]), got: f32([1, 1, 3, 3, 2, 2, 4, 4]) };
  const a = alignTiedRows(values, [values, boxes], 1, 4);
  assert.equal(a.tied, 2);
  assert.deepEqual([...a.got[1]!], [1, 1, 2, 2, 3, 3, 4, 4]);
  // Values that differ beyond the bar (1e-4 of the largest) do not widen the ties: a real error stays visible.
  const off = { ref: f32([0.9, 0.7004, 0.7, 0.1]), got: f32([0.9, 0.7003, 0.7001, 0.1]) };
  const b = alignTiedRows(off, [off, boxes], 1, 4);
  assert.equal(b.tied, 0);
  assert.deepEqual([...b.got[1]!], [...boxes.got]);
});
