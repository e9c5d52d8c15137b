// The guard's output measure (src/quantize/output-cosine.ts): outputs of a few values (scores) pooled over the
// samples, with scores that stay near zero on both sides not judged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/ir/types';
import { SCORE_FLOOR, worstOutputCosine } from '../../src/quantize/output-cosine';

const t = (v: number[]): Tensor => ({ name: 'p', dtype: 'float32', dims: [1, v.length], data: Float32Array.from(v) });
const runs = (vs: number[][]) => vs.map((v) => new Map([['p', t(v)]]));

test('a score onnxruntime flushes to 0 on every sample, tiny on LiteRT, counts as equal (openWakeWord hey_mycroft)', () => {
  // The measured case: onnxruntime 0 on the 4 guard windows, LiteRT 7e-11, 6e-11, 2.7e-10, 1.8e-11.
  const ref = runs([[0], [0], [0], [0]]);
  assert.equal(worstOutputCosine(ref, runs([[7.4e-11], [6.4e-11], [2.7e-10], [1.8e-11]])), 1);
  assert.equal(worstOutputCosine(runs([[1e-9], [2e-9], [5e-10], [3e-9]]), runs([[3e-9], [1e-9], [4e-9], [1e-10]])), 1);
});

test('scores over the floor on either side are still judged by their pooled cosine', () => {
  const ref = runs([[0], [0], [0], [0]]);
  // A model that fires where the reference does not: not equal.
  assert.equal(worstOutputCosine(ref, runs([[0], [0.9], [0], [0]])), 0);
  assert.ok(worstOutputCosine(ref, runs([[0], [2 * SCORE_FLOOR], [0], [0]])) < 0.5);
  // A reference that fires once and a model that does not: cosine 0.
  assert.equal(worstOutputCosine(runs([[0], [0.8], [0], [0]]), runs([[1e-9], [0], [0], [0]])), 0);
  // Close scores: close to 1.
  assert.ok(worstOutputCosine(runs([[0.1], [0.8], [0.02], [0]]), runs([[0.11], [0.79], [0.02], [0]])) > 0.999);
});
