// The guard's output measure (src/quantize/output-cosine.ts): outputs of a few values (scores) pooled over the
// samples, with scores that stay near zero on both sides not judged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/ir/types';
import { SCORE_FLOOR, isOffsetVector, offsetVectorError, worstOutputCosine } from '../../src/quantize/output-cosine';

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

test('pooled side scores [1, 4] are also judged by what varies between samples, not by the mass they share', () => {
  // @idscan/onboarding's document side classifier (Back, BackWithoutBarcode, Front, None), the shape of the measured
  // case: int8 moves a near-tie's probability mass between two sides on two of eight samples. Pooled raw the
  // one-hot rows' shared mass read cosine 0.9904 (over the 0.99 guard); less each position's mean, 0.986.
  const ref = [[0, 0, 0.97, 0.03], [1, 0, 0, 0], [0, 0.92, 0, 0.08], [0, 0.01, 0.99, 0], [0, 0, 0, 1], [0, 0, 0.93, 0.07],
    [1, 0, 0, 0], [0, 0.66, 0, 0.34]];
  const got = ref.map((b) => [...b]);
  got[5] = [0, 0, 0.72, 0.28];
  got[7] = [0, 0.5, 0, 0.5];
  const c = worstOutputCosine(runs(ref), runs(got));
  assert.ok(c < 0.99, `measure ${c}`);
  // Within a small step on every value they stay over 0.999; outputs that hardly vary are not judged by their noise.
  assert.ok(worstOutputCosine(runs(ref), runs(ref.map((b) => b.map((v) => v + 1e-4)))) > 0.999);
  const flat = ref.map(() => [0.3, 0.4, 0.8, 0.9]);
  assert.ok(worstOutputCosine(runs(flat), runs(flat.map((b, k) => b.map((v) => v + (k % 2 ? 1e-3 : -1e-3))))) > 0.999);
  // A single score per sample keeps its pooled cosine only (Silero's probability).
  assert.ok(worstOutputCosine(runs([[0.9], [0.1], [0.85], [0.12]]), runs([[0.88], [0.14], [0.86], [0.1]])) > 0.99);
});

// 68 landmarks [1, 136] in [0, 1] around 0.5, the shape of PFLD's case: the faces differ by a few hundredths of the
// crop, plain int8 moves every point by ~0.02 (2.2 px of 112, 5x onnxruntime's noise floor).
const rand = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
function landmarks(samples: number, error: number, move = 0.05, seed = 7): { ref: number[][]; got: number[][] } {
  const r = rand(seed);
  const face = Array.from({ length: 136 }, () => 0.2 + 0.6 * r());
  const ref = Array.from({ length: samples }, () => face.map((v) => v + move * (2 * r() - 1)));
  const got = ref.map((v) => v.map((x) => x + error * 1.7 * (2 * r() - 1)));
  return { ref, got };
}

test('coordinates around a common offset are judged by their error over the spread between the samples (PFLD)', () => {
  const { ref, got } = landmarks(4, 0.02);
  // Raw, the offset hides the error: the old measure read ~0.999 (the default --min-cosine is 0.99).
  const raw = Math.min(...ref.map((v, k) => { let rg = 0, rr = 0, gg = 0; v.forEach((x, i) => { rg += x * got[k][i]; rr += x * x; gg += got[k][i] ** 2; }); return rg / Math.sqrt(rr * gg); }));
  assert.ok(raw > 0.998, `raw cosine ${raw}`);
  const c = worstOutputCosine(runs(ref), runs(got));
  assert.ok(c < 0.9, `measure ${c}`);
  // At the noise floor's size (0.003 of the crop per coordinate) the measure stays over the bar.
  const near = landmarks(4, 0.003);
  assert.ok(worstOutputCosine(runs(near.ref), runs(near.got)) > 0.99);
  // A probability output is not judged so, nor one sample alone (no spread to measure against).
  assert.ok(worstOutputCosine(runs(ref), runs(got), new Set(['p'])) > 0.998);
  assert.ok(worstOutputCosine(runs(ref.slice(0, 1)), runs(got.slice(0, 1))) > 0.998);
});

test('vectors whose values do not sit around an offset, or whose spread between samples is wide, keep the cosine', () => {
  // Logits around 0: the error against their norm, not their spread.
  const r = rand(3);
  const logits = Array.from({ length: 4 }, () => Array.from({ length: 136 }, () => 4 * (2 * r() - 1)));
  const base = logits[0];
  const near = logits.map((v) => v.map((x, i) => 0.97 * base[i] + 0.03 * x));
  const noisy = near.map((v) => v.map((x) => x + 0.04 * (2 * r() - 1)));
  assert.ok(isOffsetVector([1, 136], Float32Array.from(landmarks(1, 0).ref[0])));
  assert.ok(!isOffsetVector([1, 136], Float32Array.from(base)));
  assert.ok(!isOffsetVector([4, 34], Float32Array.from(landmarks(1, 0).ref[0])), 'a table, not a vector');
  assert.ok(worstOutputCosine(runs(near), runs(noisy)) > 0.999);
  // Points that move across the crop between samples (spread over MIN_SPREAD of the norm): the raw cosine sees it.
  const wide = landmarks(4, 0.004, 0.4);
  assert.equal(offsetVectorError(wide.ref.flat(), wide.got.flat(), 136), 1);
  // Samples that all give the same vector: judged against MIN_VECTOR_SPREAD of the norm, not by their noise.
  const same = landmarks(4, 0.001, 0);
  assert.ok(offsetVectorError(same.ref.flat(), same.got.flat(), 136) > 0.99);
});
