// The int8 self-check against the bar of the guard that accepted the file (src/quantize/verify-int8-bar.ts,
// src/core/verify-report.ts): not the float bar (max rel 1e-2, cosine 0.999), which an int8 file misses by its own
// rounding (MOMENT: "NOT verified" at cosine 0.998616, max rel 8.1e-2, accepted by its guard at 0.9986).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy } from '../../src/core/npy';
import { makeTensor } from '../../src/ir/tensor';
import { quantizeFile } from '../../src/quantize/file';
import { VERIFIED_MAX_REL, isDegraded, verificationJson, verificationLine } from '../../src/core/verify';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { outlierChain, rng, smallCnn } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'onnx2lite-verify-int8-bar-'));

test('an int8 file over the float bar\'s max rel error is verified against its guard\'s bar (held out: the seeded inputs)', async () => {
  const onnx = join(dir, 'outlier.onnx');
  writeFileSync(onnx, outlierChain(3, 30, 1));
  const r = await quantizeFile(onnx, join(dir, 'outlier.tflite'), {}, { mode: 'int8' }, true);
  const v = r.verification!;
  assert.equal(r.quantization.guard?.met, true);
  assert.ok(v.maxRel > VERIFIED_MAX_REL, `max rel ${v.maxRel}: the float bar would read NOT verified`);
  assert.deepEqual([v.bar?.by, v.bar?.basis, v.bar?.minCosine, v.bar?.met], ['int8 guard', 'held-out', 0.98, true]);
  assert.equal(isDegraded(v), false);
  assert.match(verificationLine(v), /^verified on LiteRT against the int8 guard's bar \(cosine 0\.\d{6} >= 0\.98, the guard's held-out bar: a sample it did not measure; max rel error not judged: int8 rounding\): max rel error 1\.\de-2/);
  assert.deepEqual(verificationJson(v).bar, v.bar);
  assert.equal(verificationJson(v).degraded, undefined);
});

test('on a calibration sample the guard measured: --min-cosine itself', async () => {
  const onnx = join(dir, 'cnn.onnx');
  writeFileSync(onnx, smallCnn());
  const cal = join(dir, 'four');
  mkdirSync(cal);
  const r = rng(11);
  for (let i = 0; i < 4; i++) writeFileSync(join(cal, `s${i}.npy`), encodeNpy(makeTensor('x', 'float32', [1, 3, 16, 16], Float32Array.from({ length: 768 }, () => 100 * r() - 50))));
  const q = await quantizeFile(onnx, join(dir, 'cnn.tflite'), {}, { mode: 'int8', calibration: cal, minCosine: 0.995 }, true);
  const v = q.verification!;
  assert.deepEqual(v.calibration, { sample: 1, of: 4, heldOut: false });
  assert.deepEqual([v.bar?.basis, v.bar?.minCosine, v.bar?.met], ['min-cosine', 0.995, true]);
  assert.match(verificationLine(v), /against the int8 guard's bar \(cosine 0\.\d+ >= 0\.995, --min-cosine, on a sample the guard measured;/);
});

test('a file written under --allow-degraded misses the bar: its logit map measured as the guard did', async () => {
  // logit-map-guard.test.ts's edges: y = conv(conv(x)·20 − 14, with one −1000), the positive region lost in int8.
  const H = 16;
  const pattern = Array.from({ length: H * H }, (_, i) => (i === 0 ? -1000 : -14));
  const onnx = join(dir, 'edges.onnx');
  writeFileSync(onnx, encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 1, H, H]]], outputs: [['y', 'float32', [1, 1, H, H]]],
    initializers: [tensor('pattern', 'float32', [1, 1, H, H], pattern), tensor('wa', 'float32', [1, 1, 1, 1], [20]), tensor('w1', 'float32', [1, 1, 1, 1], [1])],
    nodes: [node('Conv', ['x', 'wa'], ['ax']), node('Add', ['ax', 'pattern'], ['z']), node('Conv', ['z', 'w1'], ['y'])],
  })));
  const q = await quantizeFile(onnx, join(dir, 'edges.tflite'), {}, { mode: 'int8', int16: 'off', allowDegraded: true }, true);
  const v = q.verification!;
  assert.equal(v.bar?.met, false);
  assert.ok(v.bar!.cosine >= 0.98, `the cosine alone would pass: ${v.bar!.cosine}`);
  assert.deepEqual(v.bar?.task?.map((t) => [t.kind, t.outputs, t.met]), [['logit map', ['y'], false]]);
  assert.match(verificationLine(v), /^NOT verified on LiteRT against the int8 guard's bar .*; logit maps \(read at 0\) \(y\) IoU 0\.\d+ < 0\.95;/);
});
