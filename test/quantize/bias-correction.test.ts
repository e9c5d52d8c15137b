// Empirical bias correction on a real network (mobilenet_v3_small of ../shared, converted, int8 on the real LiteRT
// against the float model on LiteRT): the per-channel mean shift of the int8 conv outputs, measured on samples the
// correction never saw, shrinks when the ranges clip (99th percentile: 0.137 → 0.123; the rest is the weights' rounding,
// which this correction leaves to GPTQ; with 99.99% ranges the two are of a size and the total does not shrink).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeModel } from '../../src/onnx/reader';
import { randomSamples } from '../../src/calibration/data';
import { correctBiases, meanShifts } from '../../src/quantize/bias-correction';
import type { Tensor } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { rng } from './helpers';
import { calibrated as calibratedWith, meanAbs } from './bias-helpers';
import { roundAway } from '../../src/quantize/params';

const MODEL = '../shared/models/mobilenet_v3_small.onnx';

const calibrated = (samples: Tensor[][], model = decodeModel(readFileSync(MODEL))) => calibratedWith(samples, model);

test('bias correction: the int8 conv outputs\' per-channel mean shift shrinks on held-out samples', async () => {
  const inputs = [{ name: 'input_0', dtype: 'float32' as const, dims: [1, 3, 224, 224] }];
  const calib = randomSamples(inputs, 6, 1);
  const held = randomSamples(inputs, 3, 99);
  const { result, params } = await calibrated(calib);
  const bc = await correctBiases(result, params, calib);
  assert.ok(bc.layers >= 20, `${bc.layers} layers corrected`);
  const before = await meanShifts(result, params, {}, held);
  const after = await meanShifts(result, params, { biasDelta: bc.delta }, held);
  const [b, a] = [meanAbs(before.shifts), meanAbs(after.shifts)];
  assert.ok(a < 0.97 * b, `mean |shift| per channel ${b} → ${a}`);
  // The deltas are what moved: without them the shift is the uncorrected one.
  assert.equal(meanAbs((await meanShifts(result, params, {}, held)).shifts), b);
});

/** Channel-last input (an NHWC export, as BlazeFace's): the first CONV_2D reads the graph input itself. */
function channelLastInput() {
  const r = rng(5);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  return buildModel({
    inputs: [['x', 'float32', [1, 16, 16, 3]]], outputs: [['y', 'float32', [1, 8, 16, 16]]],
    initializers: [
      tensor('w1', 'float32', [8, 3, 3, 3], w(216, 0.8)), tensor('b1', 'float32', [8], w(8, 0.2)),
      tensor('w2', 'float32', [8, 8, 1, 1], w(64, 1)), tensor('b2', 'float32', [8], w(8, 0.2)),
    ],
    nodes: [
      node('Transpose', ['x'], ['t'], { perm: [0, 3, 1, 2] }), node('Conv', ['t', 'w1', 'b1'], ['c'], { pads: [1, 1, 1, 1] }),
      node('Relu', ['c'], ['h']), node('Conv', ['h', 'w2', 'b2'], ['y']),
    ],
  });
}

test('bias correction: a layer reading the graph input is measured on the input itself (its deltas are finite)', async () => {
  const inputs = [{ name: 'x', dtype: 'float32' as const, dims: [1, 16, 16, 3] }];
  const calib = randomSamples(inputs, 4, 3);
  const { result, params } = await calibrated(calib, channelLastInput());
  const sg = result.model.subgraphs[0];
  const first = sg.operators.find((o) => o.opcode === 'CONV_2D')!;
  assert.ok(sg.inputs.includes(first.inputs[0]), 'the first conv reads the graph input');
  const bc = await correctBiases(result, params, calib);
  const d = bc.delta.get(first.inputs[2]);
  assert.ok(d, 'the first conv is corrected');
  // What it should be: minus the filter times the mean int8 rounding-and-clipping error of each input channel over
  // the samples (99th-percentile ranges clip: the mean is not zero). An input bound as an output read uninitialized
  // memory instead (zeros here; NaN and 1e24 on BlazeFace).
  const p = params.get(first.inputs[0])!;
  const err = new Float64Array(3);
  let n = 0;
  for (const [x] of calib) {
    const v = x.data as Float32Array;
    for (let i = 0; i < v.length; i++) err[i % 3] += (Math.max(-128, Math.min(127, roundAway(v[i] / p.scale) + p.zeroPoint)) - p.zeroPoint) * p.scale - v[i];
    n += v.length / 3;
  }
  const wb = sg.tensors[first.inputs[1]].data!;
  const w = new Float32Array(wb.buffer, wb.byteOffset, wb.byteLength / 4); // [8, 3, 3, 3] OHWI
  const want = Array.from({ length: 8 }, (_, o) => -Array.from({ length: 27 }, (_, k) => w[o * 27 + k] * err[k % 3] / n).reduce((a, b) => a + b, 0));
  assert.ok(want.some((v) => Math.abs(v) > 1e-4), `the expected deltas are not zero: ${want}`);
  want.forEach((v, o) => assert.ok(Math.abs(d[o] - v) <= 1e-5 + 1e-3 * Math.abs(v), `channel ${o}: ${d[o]} vs ${v}`));
  for (const [, v] of bc.delta) assert.ok(v.every(Number.isFinite));
});
