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
import { correctBiases, meanShifts } from '../../src/quantize/bias-correction';
import { sequentialBiases } from '../../src/quantize/bias-sequential';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { rng } from './helpers';
import { calibrated, meanAbs } from './bias-helpers';

function chain() {
  const r = rng(11);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  return buildModel({
    inputs: [['x', 'float32', [1, 4, 12, 12]]], outputs: [['y', 'float32', [1, 8, 12, 12]]],
    initializers: [
      tensor('w1', 'float32', [8, 4, 3, 3], w(288, 0.6)), tensor('b1', 'float32', [8], w(8, 0.2)),
      tensor('w2', 'float32', [8, 8, 3, 3], w(576, 0.4)), tensor('b2', 'float32', [8], w(8, 0.2)),
      tensor('w3', 'float32', [8, 8, 1, 1], w(64, 1)), tensor('b3', 'float32', [8], w(8, 0.2)),
    ],
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['a'], { pads: [1, 1, 1, 1] }), node('Conv', ['a', 'w2', 'b2'], ['b'], { pads: [1, 1, 1, 1] }),
      node('Conv', ['b', 'w3', 'b3'], ['c']), node('Relu', ['c'], ['y']),
    ],
  });
}

test('sequential bias correction: one layer per pass takes out each layer\'s mean shift with its int8 upstream', async () => {
  const samples = randomSamples([{ name: 'x', dtype: 'float32', dims: [1, 4, 12, 12] }], 4, 2);
  const { result, params } = await calibrated(samples, chain());
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
