// The int8 guard on label sequences (src/quantize/sequence-guard.ts): without --min-cosine, a [1, T, C] softmax output
// that misses the cosine is judged by its greedy decode against onnxruntime's (95% of samples identical); a model whose
// decode changes on many samples and a collapsed one are still refused, blank references are not judged, and
// --min-cosine keeps the cosine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { quantizeModelBytes } from '../../src/quantize/file';
import { MIN_RUN_SHARE, MIN_SAME_SEQUENCES, argmaxSteps, binomialTail, decodeSteps, runShare, sameLinesNeeded, sequenceGuard, sequenceGuardMet, sequenceOutputs,
  sequenceText } from '../../src/quantize/sequence-guard';
import { worstOutputCosine } from '../../src/quantize/output-cosine';
import { rng } from './helpers';

const T = 40;
const C = 12;
/** A CTC-like line: blank (class 3 here: no index is assumed) at most steps, `chars` each held for 2 steps from step 4
 *  on, `p` the probability of the chosen class at each step, the rest spread over the others. */
function line(chars: number[], p: (t: number) => number, shift = 0): Tensor {
  const data = new Float32Array(T * C);
  for (let t = 0; t < T; t++) {
    const k = Math.floor((t - 4 - shift) / 3);
    const c = t - 4 - shift >= 0 && (t - 4 - shift) % 3 < 2 && k < chars.length ? chars[k] : 3;
    for (let j = 0; j < C; j++) data[t * C + j] = j === c ? p(t) : (1 - p(t)) / (C - 1);
  }
  return { name: 'y', dtype: 'float32', dims: [1, T, C], data };
}
const texts = Array.from({ length: 20 }, (_, k) => [(k % 9) + 4, ((k * 5) % 8) + 4, 0, ((k * 7) % 8) + 4].slice(0, 2 + (k % 3)));
const set = (f: (chars: number[], k: number) => Tensor) => texts.map((c, k) => new Map([['y', f(c, k)]]));
const refs = set((c) => line(c, () => 0.98));
const names = new Set(['y']);

test('sequenceGuard: confidence and boundaries moved by int8 cost cosine but keep the decode; changed or collapsed lines do not', () => {
  // int8's usual error on a recognizer: the chosen class's probability drops, a character's span moves by a step.
  const moved = set((c, k) => line(c, (t) => 0.55 + 0.4 * Math.abs(Math.sin(t + k)), k % 4 === 0 ? 1 : 0));
  assert.ok(worstOutputCosine(refs, moved) < 0.99, `cosine ${worstOutputCosine(refs, moved)}`);
  const g = sequenceGuard(refs, moved, names);
  assert.equal(g.samples, texts.length);
  assert.equal(g.same, texts.length);
  assert.equal(g.cer, 0);
  assert.equal(sequenceGuardMet(g, 0.99), true);
  // One character changed on 4 of 20 lines: 80%, which 20 lines tell from 95% (sameLinesNeeded: 17).
  const changed = set((c, k) => line(k < 4 ? [c[0] === 11 ? 10 : 11, ...c.slice(1)] : c, () => 0.9));
  const h = sequenceGuard(refs, changed, names);
  assert.equal(h.same, texts.length - 4);
  assert.ok(h.same < MIN_SAME_SEQUENCES * h.samples && h.cer > 0);
  assert.equal(sequenceGuardMet(h, 0.99), false);
  // Collapsed: every step one class, or the same distribution everywhere.
  for (const collapsed of [set(() => line([], () => 0.9)), set(() => line([], () => 1 / C)), set((_, k) => line([4 + (k % 3)], () => 0.5))]) {
    const x = sequenceGuard(refs, collapsed, names);
    assert.ok(x.same <= 1, `collapsed same ${x.same}`);
    assert.equal(sequenceGuardMet(x, 0.99), false);
  }
});

test('sequenceGuard: a few lines differing is within what 24 lines can tell from 95% (PP-OCRv4 rec with --sequential-bias: 22 of 24)', () => {
  // 24 calibration lines, 2 of them with one character changed: 91.7%, under 95% on these lines, but a model that keeps
  // 95% of its lines reads 2 or more of 24 differing a third of the time. 4 differing rule it out (3.0% by chance).
  const lines = Array.from({ length: 24 }, (_, k) => [(k % 9) + 4, ((k * 5) % 8) + 4, ((k * 7) % 8) + 4].slice(0, 2 + (k % 2)));
  const at = (f: (chars: number[], k: number) => Tensor) => lines.map((c, k) => new Map([['y', f(c, k)]]));
  const want = at((c) => line(c, () => 0.98));
  const differing = (n: number) => sequenceGuard(want, at((c, k) => line(k >= 24 - n ? [c[0] === 11 ? 10 : 11, ...c.slice(1)] : c, () => 0.9)), names);
  const two = differing(2);
  assert.equal(two.samples, 24);
  assert.equal(two.same, 22);
  assert.equal(sequenceGuardMet(two, 0.99), true, 'two of 24 lines differing do not rule out 95%');
  assert.equal(sequenceGuardMet(differing(3), 0.99), true);
  const four = differing(4);
  assert.equal(sequenceGuardMet(four, 0.99), false, 'four of 24 do');
  assert.match(sequenceText({ ...four, min: MIN_SAME_SEQUENCES }), /^decoded sequences identical on 20 of 24 calibration sample\(s\) \(83\.3%; refused at 20 or fewer: 4 of 24 differing rule out 95% identical at 95% confidence; character error rate/);
  // The other outputs still keep the cosine.
  assert.equal(sequenceGuardMet({ ...two, otherCosine: 0.5 }, 0.99), false);
});

test('sameLinesNeeded: the exact binomial bar by the number of lines; more than half always', () => {
  const exact = (n: number, k: number, p: number) => {
    let s = 0;
    const choose = (a: number, b: number) => { let c = 1; for (let i = 1; i <= b; i++) c = (c * (a - b + i)) / i; return c; };
    for (let i = k; i <= n; i++) s += choose(n, i) * p ** i * (1 - p) ** (n - i);
    return s;
  };
  for (const [n, k] of [[24, 2], [24, 4], [32, 5], [8, 3], [64, 7]]) assert.ok(Math.abs(binomialTail(n, k, 0.05) - exact(n, k, 0.05)) < 1e-12, `${n} ${k}`);
  assert.deepEqual([1, 2, 4, 8, 16, 20, 24, 32, 64].map((n) => sameLinesNeeded(n)), [1, 2, 3, 6, 14, 17, 21, 28, 58]);
  for (const n of [1, 2, 4, 8, 24, 32]) {
    const need = sameLinesNeeded(n);
    // One line fewer identical than needed rules 95% out at 95% confidence, the bar itself does not (or is the majority floor).
    assert.ok(binomialTail(n, n - need + 1, 0.05) < 0.05 || need === Math.floor(n / 2) + 1, `${n}`);
    assert.ok(binomialTail(n, n - need, 0.05) >= 0.05, `${n}`);
  }
});

test('sequenceGuard: blank references are not judged; other outputs keep the cosine; decodeSteps merges repeats', () => {
  const blank = [new Map([['y', line([], () => 0.98)]])];
  const g = sequenceGuard(blank, [new Map([['y', line([5], () => 0.98)]])], names);
  assert.equal(g.samples, 0);
  assert.equal(sequenceGuardMet(g, 0.99), false);
  const z = (s: number): Tensor => ({ name: 'z', dtype: 'float32', dims: [1, 8], data: Float32Array.from({ length: 8 }, (_, i) => s * (i - 3.5)) });
  const withOther = refs.map((r) => new Map([...r, ['z', z(1)]]));
  const flipped = refs.map((r) => new Map([...r, ['z', z(-1)]]));
  const o = sequenceGuard(withOther, flipped, names);
  assert.equal(o.same, o.samples);
  assert.ok(o.otherCosine < 0);
  assert.equal(sequenceGuardMet(o, 0.99), false);
  assert.deepEqual(decodeSteps([3, 5, 5, 3, 5, 7, 7, 3], 3), [5, 5, 7]);
});

/** x [1, T, 8] → MatMul → +1e6 → −1e6 → Softmax: in int8 the shifted logits round to steps of ~8000, every step
 *  reads the same class. */
function collapsingRecognizer(): Uint8Array {
  const r = rng(7);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 16, 8]]], outputs: [['y', 'float32', [1, 16, C]]],
    initializers: [tensor('w', 'float32', [8, C], Array.from({ length: 8 * C }, () => (r() - 0.5) * 8)), tensor('big', 'float32', [1], [1e6])],
    nodes: [
      node('MatMul', ['x', 'w'], ['logits'], {}, 'fc'),
      node('Add', ['logits', 'big'], ['shifted'], {}, 'shift_up'), node('Sub', ['shifted', 'big'], ['back'], {}, 'shift_down'),
      node('Softmax', ['back'], ['y'], { axis: -1 }, 'probs'),
    ],
  }));
}

test('sequenceOutputs finds the [1, T, C] softmax; a collapsed recognizer is refused by its decode; --min-cosine judges it by cosine', async () => {
  const converted = convertModel(decodeModel(collapsingRecognizer()));
  assert.deepEqual([...sequenceOutputs(converted.model.subgraphs[0], converted.metadata)], ['y']);
  await assert.rejects(quantizeModelBytes(collapsingRecognizer(), 'rec.onnx', {}, { mode: 'int8', int16: 'off' }),
    (e: Error) => e.name === 'ModelError' && /below --min-cosine 0\.99 and decoded sequences identical on \d+ of \d+ calibration sample\(s\).*nothing written/.test(e.message));
  const degraded = await quantizeModelBytes(collapsingRecognizer(), 'rec.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
  const g = degraded.summary.guard!;
  assert.equal(g.met, false);
  assert.ok(g.sequences && g.sequences.samples > 0 && g.sequences.same < 0.5 * g.sequences.samples, JSON.stringify(g.sequences));
  await assert.rejects(quantizeModelBytes(collapsingRecognizer(), 'rec.onnx', {}, { mode: 'int8', int16: 'off', minCosine: 0.99 }),
    (e: Error) => /below --min-cosine 0\.99;.*nothing written/.test(e.message) && !/decoded sequences/.test(e.message));
});

test('sequenceGuard: class rows of independent queries (no runs of one class) are not decoded as sequences (kMaX-DeepLab)', () => {
  // [1, 32 clusters, 21 classes]: each cluster's own class, low-confidence, as kMaX's random-input references (its
  // neighbours repeat a class on 13-19% of the rows); int8 moves the arg-max of a few clusters.
  const Q = 32, K = 21;
  const rows = (seed: number, moved: number): Tensor => {
    const data = new Float32Array(Q * K);
    for (let q = 0; q < Q; q++) {
      const c = ((q * 7 + seed * 3) % K + (q < moved ? 1 : 0)) % K;
      for (let j = 0; j < K; j++) data[q * K + j] = j === c ? 0.25 : 0.75 / (K - 1);
    }
    return { name: 'classes', dtype: 'float32', dims: [1, Q, K], data };
  };
  const want = [0, 1].map((s) => new Map([['classes', rows(s, 0)]]));
  const got = [0, 1].map((s) => new Map([['classes', rows(s, 4)]]));
  assert.ok(runShare(want.map((r) => argmaxSteps(r.get('classes')!.data as Float32Array, K))) < MIN_RUN_SHARE);
  const g = sequenceGuard(want, got, new Set(['classes']));
  assert.equal(g.samples, 0, 'not judged as decoded sequences');
  assert.equal(sequenceGuardMet(g, 0.99), false);
  // Left to the cosine with the other outputs.
  assert.ok(g.otherCosine < 0.99 && g.otherCosine === worstOutputCosine(want, got), `cosine ${g.otherCosine}`);
  // A CTC line holds its characters and the blank over several steps.
  assert.ok(runShare(refs.map((r) => argmaxSteps(r.get('y')!.data as Float32Array, C))) >= MIN_RUN_SHARE);
});
