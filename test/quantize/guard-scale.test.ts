// The int8 guard sees scale: the cosine of an output uniformly 15% low is 1, so the guard also judges the relative
// error on the cosine's scale (1 − e² / 2, the cosine itself when the norms agree; src/quantize/output-cosine.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { guardMeasures, worstOutputCosine } from '../../src/quantize/output-cosine';
import { rng } from './helpers';

const out = (data: number[]): Map<string, Tensor> => new Map([['y', { name: 'y', dtype: 'float32', dims: [1, data.length], data: Float32Array.from(data) }]]);

test('an output 15% low (or high) reads cosine 1 but misses the guard; rounding noise alone does not', () => {
  const r = rng(3);
  const refs = [0, 1, 2, 3].map(() => Array.from({ length: 64 }, () => r() - 0.3));
  for (const s of [0.85, 1.15]) {
    const m = guardMeasures(refs.map(out), refs.map((v) => out(v.map((x) => s * x))));
    assert.ok(m.cosine < 0.99 && m.cosine > 0.98, `scaled by ${s}: ${m.cosine}`);
    assert.ok(Math.abs(m.normRatio - s) < 1e-6, `norm ratio ${m.normRatio}`);
  }
  // Noise of the same size as a cosine-0.995 output, norms equal on average: the measure is the cosine.
  const noisy = refs.map((v) => v.map((x) => x + (r() - 0.5) * 0.05));
  const c = worstOutputCosine(refs.map(out), noisy.map(out));
  assert.ok(c > 0.99, `noise ${c}`);
  // An exact output and an all-zero pair stay 1.
  assert.equal(worstOutputCosine(refs.map(out), refs.map(out)), 1);
  assert.equal(worstOutputCosine([out([0, 0, 0, 0, 0, 0])], [out([0, 0, 0, 0, 0, 0])]), 1);
});

const K = 256;
const M = 16;

/** y = x · W, x [1, K] in [0, 1), W[:, i] = c_i · (1, b, b, ..., b): every output is its channel's share of one sum,
 *  so whatever int8 does to the sum keeps the direction. With b = 0.0015 each per-channel int8 weight step is 1/127
 *  of column's first weight and every small weight rounds to 0: int8 drops the small weights' part of the sum (about a
 *  quarter of it), an output uniformly ~25% low at cosine 1. With b = 6 / 127 they keep their value (6 steps). */
function scaledSum(b: number): Uint8Array {
  const r = rng(11);
  const c = Array.from({ length: M }, () => 0.5 + r());
  const w = Array.from({ length: K * M }, (_, k) => c[k % M] * (Math.floor(k / M) === 0 ? 1 : b));
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, K]]], outputs: ['y'], opset: 13,
    nodes: [node('MatMul', ['x', 'w'], ['y'], {}, 'sum')],
    initializers: [tensor('w', 'float32', [K, M], w)],
  }));
}

test('int8 of a model made to scale its output is refused; the same model whose int8 keeps the scale is written', async () => {
  const q = { mode: 'int8' as const, int16: 'off' as const, weightRounding: 'nearest' as const };
  await assert.rejects(quantizeModelBytes(scaledSum(0.0015), 'sum.onnx', {}, q),
    // (The 16 shares sit around a common offset and differ little between samples: the measure over that spread reads
    // the ~25% error as 0, output-cosine.ts; the norm ratio is named either way.)
    (e: Error) => e.name === 'ModelError' && /output cosine 0\.\d+ \(output norm 0\.[6-8]\d*x onnxruntime's.*below --min-cosine 0\.99.*nothing written/.test(e.message));
  const low = await quantizeModelBytes(scaledSum(0.0015), 'sum.onnx', {}, { ...q, allowDegraded: true });
  assert.ok(low.summary.guard!.normRatio! < 0.9, JSON.stringify(low.summary.guard));
  const ok = await quantizeModelBytes(scaledSum(6 / 127), 'sum.onnx', {}, q);
  assert.equal(ok.summary.guard?.met, true, JSON.stringify(ok.summary.guard));
  assert.ok(Math.abs(ok.summary.guard!.normRatio! - 1) < 0.02, JSON.stringify(ok.summary.guard));
});

/** y = 1 + x · w, x [1, K] in [0, 1), w = (0.2, b, ..., b): a regression head's one number, about 1.1-1.3 whatever the
 *  input (its spread between samples a few % of its value, as a molecular property's). int8's per-channel weight step
 *  is 0.2 / 127, so b = 0.00055 rounds to 0 and the output is ~0.07 low (~6%: read 0.998 against its norm, written
 *  before); b = 6 steps keeps its value. */
function regression(b: number): Uint8Array {
  const w = Array.from({ length: K }, (_, k) => (k === 0 ? 0.2 : b));
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, K]]], outputs: ['y'], opset: 13,
    nodes: [node('Gemm', ['x', 'w', 'c'], ['y'], {}, 'head')],
    initializers: [tensor('w', 'float32', [K, 1], w), tensor('c', 'float32', [1], [1])],
  }));
}

test('a single-number output off by ~6% is judged against its spread between samples (refused); one that keeps it is written', async () => {
  const q = { mode: 'int8' as const, int16: 'off' as const, weightRounding: 'nearest' as const };
  const low = await quantizeModelBytes(regression(0.00055), 'reg.onnx', {}, { ...q, allowDegraded: true });
  const ratio = low.summary.guard!.normRatio!;
  assert.ok(ratio > 0.9 && ratio < 0.97, `the output is 3-10% low: norm ratio ${ratio}`);
  assert.equal(low.summary.guard?.met, false, JSON.stringify(low.summary.guard));
  await assert.rejects(quantizeModelBytes(regression(0.00055), 'reg.onnx', {}, q), (e: Error) => e.name === 'ModelError' && /below --min-cosine 0\.99.*nothing written/.test(e.message));
  const ok = await quantizeModelBytes(regression(6 * 0.2 / 127), 'reg.onnx', {}, q);
  assert.equal(ok.summary.guard?.met, true, JSON.stringify(ok.summary.guard));
});

test('a pooled output is judged by its error against the spread between samples, the spread at least a quarter of its norm', () => {
  const one = (v: number): Map<string, Tensor> => new Map([['y', { name: 'y', dtype: 'float32', dims: [1, 1], data: Float32Array.from([v]) }]]);
  const ref = [0.181, 0.176, 0.19, 0.185];
  // 6.8% high on every sample: 0.9977 against the norm alone; against a quarter of it 1 − (0.068 / 0.25)² / 2 = 0.963.
  const high = worstOutputCosine(ref.map(one), ref.map((v) => one(v * 1.068)));
  assert.ok(high > 0.955 && high < 0.97, `6.8% high: ${high}`);
  // 1% noise passes.
  const noisy = worstOutputCosine(ref.map(one), ref.map((v, k) => one(v * (k % 2 ? 1.01 : 0.99))));
  assert.ok(noisy > 0.99, `1% noise: ${noisy}`);
  // Values that vary between samples are judged against their spread: 6.8% of 0.1-0.9 is within it.
  const wide = [0.1, 0.9, 0.4, 0.7];
  assert.ok(worstOutputCosine(wide.map(one), wide.map((v) => one(v * 1.068))) > 0.99);
});
