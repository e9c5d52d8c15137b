// Sequential bias correction with int8 upstream (bias-sequential.ts), on the real LiteRT against the float model on
// LiteRT. A chain of three convs (no activation, per-tensor weights so their rounding leaves a mean shift): fitted
// one layer per pass, every layer's per-channel mean shift on the fitting samples is all but gone, since a layer is
// measured after the layers before it are fixed and later fixes do not reach back; the float-upstream correction
// (correctBiases: each layer's own input rounding only) leaves most of it. Fitting three layers in one pass counts
// the first layer's shift again downstream: on PP-OCRv4 rec that overcorrection collapsed the model (guard cosine
// 0.06 with 3 layers per pass; one per pass read 91 / 125 lines against 75 uncorrected).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomSamples } from '../../src/calibration/data';
import { correctBiases, meanShifts, targets } from '../../src/quantize/bias-correction';
import { sequentialBiases, withGains } from '../../src/quantize/bias-sequential';
import { quantizeInt8 } from '../../src/quantize/int8';
import { cloneResult } from '../../src/quantize/mixed-precision';
import { jittered } from '../../src/quantize/grid-jitter';
import { runFirstOutput } from './helpers';
import { calibrated, convChain, meanAbs } from './bias-helpers';

test('sequential bias correction: one layer per pass takes out each layer\'s mean shift with its int8 upstream', async () => {
  const samples = randomSamples([{ name: 'x', dtype: 'float32', dims: [1, 4, 12, 12] }], 4, 2);
  const { result, params } = await calibrated(samples, convChain());
  const opts = { perTensor: true };
  const passes: number[] = [];
  const seq = await sequentialBiases(result, params, opts, samples, { progress: (done) => passes.push(done) });
  const fromFloat = await correctBiases(result, params, samples);
  const shift = async (biasDelta?: Map<number, Float32Array>) => meanAbs((await meanShifts(result, params, { ...opts, biasDelta }, samples)).shifts);
  const [none, float, own] = [await shift(), await shift(fromFloat.delta), await shift(seq.delta)];
  console.log(`mean |shift|: none ${none}, float upstream ${float}, int8 upstream ${own}`);
  assert.ok(seq.layers >= 2, `${seq.layers} layers corrected`);
  assert.deepEqual(passes, passes.map((_, k) => k + 1), 'one pass per layer');
  assert.ok(none > 1e-3, `the uncorrected shift is not zero: ${none}`);
  assert.ok(own < 0.1 * none && own < 0.2 * float, `mean |shift|: none ${none}, float upstream ${float}, int8 upstream ${own}`);
});

// The fit quantizes once and runs only the ops upstream of each layer (prefix-model.ts), reading the float values
// once: it must give the deltas of the plain form, each layer measured on the whole re-quantized model (meanShifts)
// after the ones before it are corrected. (Reading the cut model's taps by the float model's tensor numbers, which
// quantizeInt8 renumbers, gave a second layer's delta 0.34 instead of 0.004 here.)
test('sequential bias correction: the cut, quantize-once fit gives the whole-model fit\'s deltas', async () => {
  const samples = randomSamples([{ name: 'x', dtype: 'float32', dims: [1, 4, 12, 12] }], 4, 2);
  const { result, params } = await calibrated(samples, convChain());
  for (const opts of [{ perTensor: true }, {}]) {
    const fast = await sequentialBiases(result, params, opts, samples);
    const delta = new Map<number, Float32Array>();
    for (const x of targets(result, params)) {
      const { shifts } = await meanShifts(result, params, { ...opts, biasDelta: delta }, samples, [x]);
      if (shifts[0].some(Number.isFinite)) delta.set(x.bias, Float32Array.from(shifts[0], (v) => (Number.isFinite(v) ? -v : 0)));
    }
    assert.equal(fast.layers, delta.size);
    assert.equal(fast.passes, delta.size, 'one pass per layer');
    for (const [b, d] of delta) d.forEach((v, c) => assert.ok(Math.abs(fast.delta.get(b)![c] - v) < 1e-6, `bias ${b} channel ${c}: ${fast.delta.get(b)![c]} vs ${v}`));
  }
});

// minSteps: a layer whose shift is under that many int8 steps keeps its bias, and the next layers are read from the
// same pass (fewer passes than layers).
test('sequential bias correction: layers with a shift under minSteps keep their bias and share a pass', async () => {
  const samples = randomSamples([{ name: 'x', dtype: 'float32', dims: [1, 4, 12, 12] }], 4, 2);
  const { result, params } = await calibrated(samples, convChain());
  const all = await sequentialBiases(result, params, { perTensor: true }, samples);
  const none = await sequentialBiases(result, params, { perTensor: true }, samples, { minSteps: 1000 });
  assert.ok(all.layers >= 2);
  assert.equal(none.layers, 0);
  assert.equal(none.passes, 1, 'every layer read from one pass');
});

// gain: each channel's output is also scaled by the least-squares gain of float's output on int8's, folded into the
// per-channel weight scales (the int8 weights themselves unchanged): on the fitting samples the int8 model's output
// error is below the bias-only fit's, and a gain clamped to 1 ± 0 is the bias-only fit.
test('sequential bias correction: a per-channel gain in the weight scales lowers the output error', async () => {
  const samples = randomSamples([{ name: 'x', dtype: 'float32', dims: [1, 4, 12, 12] }], 4, 2);
  const { result, params } = await calibrated(samples, convChain());
  const biasOnly = await sequentialBiases(result, params, { perChannel: true }, samples);
  const gained = await sequentialBiases(result, params, { perChannel: true }, samples, { gain: { maxChange: 0.3 } });
  const zero = await sequentialBiases(result, params, { perChannel: true }, samples, { gain: { maxChange: 0 } });
  const floatOut = await Promise.all(samples.map((s) => runFirstOutput(result.model, s)));
  const mse = async (fit: typeof biasOnly) => {
    const q = quantizeInt8(cloneResult(result), params, { int8Io: false, perChannel: true, biasDelta: fit.delta, roundedWeights: withGains(undefined, fit.weights) });
    let s = 0;
    let n = 0;
    for (const [k, x] of samples.entries()) {
      const got = await runFirstOutput(q.model, x);
      got.forEach((v, i) => { s += (v - floatOut[k][i]) ** 2; n++; });
    }
    return s / n;
  };
  const [b, g] = [await mse(biasOnly), await mse(gained)];
  console.log(`output mse: bias only ${b}, bias and gain ${g}`);
  assert.equal(gained.weights.size, biasOnly.layers, 'every layer corrected has per-channel scales');
  const scales = [...gained.weights.values()].flatMap((w) => w.scales);
  assert.ok(scales.length === 8 * biasOnly.layers && [...gained.weights.values()].every((w) => w.data instanceof Int8Array));
  // The fit's gain statistics count every channel scaled; at 1 ± 0 each sits at the clamp.
  assert.ok(gained.gains.channels === scales.length && gained.gains.meanAbs > 0 && gained.gains.clamped < scales.length, JSON.stringify(gained.gains));
  assert.ok(zero.gains.clamped === zero.gains.channels && zero.gains.meanAbs === 0, JSON.stringify(zero.gains));
  const plain = quantizeInt8(cloneResult(result), params, { int8Io: false, perChannel: true });
  const conv = plain.model.subgraphs[0].operators.filter((op) => op.opcode === 'CONV_2D');
  const w0 = plain.model.subgraphs[0].tensors[conv[0].inputs[1]];
  const gw = gained.weights.get(result.model.subgraphs[0].operators[0].inputs[1])!;
  assert.deepEqual([...gw.data], [...new Int8Array(w0.data!.buffer, w0.data!.byteOffset, w0.data!.byteLength)], 'int8 weights as round-to-nearest');
  assert.ok(gw.scales.some((s, c) => Math.abs(s / w0.quantization!.scale[c] - 1) > 1e-4), 'some gain moved');
  assert.ok(g < b, `output mse: bias only ${b}, bias and gain ${g}`);
  for (const [bi, d] of zero.delta) d.forEach((v, c) => assert.ok(Math.abs(v - biasOnly.delta.get(bi)![c]) < 1e-5, `gain 1 ± 0: bias ${bi} channel ${c}`));
});

// grids: the fit measures every grid's int8 copy and averages (the same corrections applied to each): the first
// layer's shift (nothing upstream corrected yet, no clamp) is the mean of the one-grid fits' on each grid, and the
// calibrated grid given twice is the one-grid fit, every layer. (PP-OCRv4 rec: a fit judged over jittered grids,
// docs/model-sweep.md session 25.)
test('sequential bias correction: a fit over several activation grids averages their shifts', async () => {
  const samples = randomSamples([{ name: 'x', dtype: 'float32', dims: [1, 4, 12, 12] }], 4, 2);
  const { result, params } = await calibrated(samples, convChain());
  const other = jittered(result, params, 0.05, 1);
  const opts = { perTensor: true };
  const [one, two, both, twice] = [
    await sequentialBiases(result, params, opts, samples),
    await sequentialBiases(result, other, opts, samples),
    await sequentialBiases(result, params, opts, samples, { grids: [other] }),
    await sequentialBiases(result, params, opts, samples, { grids: [params] }),
  ];
  const first = targets(result, params)[0].bias;
  const [d1, d2, d12] = [one, two, both].map((f) => f.delta.get(first)!);
  assert.ok(d1.some((v, c) => Math.abs(v - d2[c]) > 1e-4), `the grids' own shifts differ: ${[...d1]} vs ${[...d2]}`);
  d12.forEach((v, c) => assert.ok(Math.abs(v - (d1[c] + d2[c]) / 2) < 1e-5, `channel ${c}: ${v} vs mean ${(d1[c] + d2[c]) / 2}`));
  assert.equal(both.passes, one.passes, 'one pass per layer, every grid in it');
  assert.equal(twice.layers, one.layers);
  for (const [b, d] of one.delta) d.forEach((v, c) => assert.ok(Math.abs(twice.delta.get(b)![c] - v) < 1e-6, `bias ${b} channel ${c}`));
});
