// The int8 model's self-check on a calibration sample (src/quantize/verify-calibration.ts): with --calibration it runs
// on the folder's first held-out sample (past the search's), else its first, not on seeded uniform [0, 1) inputs the
// int8 model never saw (MOMENT int8: 0.82 on them, 0.9986 on its calibration series). `--json`
// verification.calibration says which sample; without --calibration the seeded inputs stay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy } from '../../src/core/npy';
import { makeTensor } from '../../src/ir/tensor';
import { quantizeFile } from '../../src/quantize/file';
import { verificationJson, verificationLine } from '../../src/core/verify';
import { rng, smallCnn } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'onnx2lite-verify-calibration-'));

/** A small CNN (helpers.ts) whose calibration inputs lie in [-50, 50): seeded [0, 1) inputs fall on the first few
 *  steps of its int8 input grid. */
const onnx = join(dir, 'cnn.onnx');
writeFileSync(onnx, smallCnn());

/** A folder of `n` .npy samples in [-50, 50). */
function calibration(name: string, n: number): string {
  const cal = join(dir, name);
  mkdirSync(cal);
  const r = rng(11);
  const values = () => Float32Array.from({ length: 768 }, () => 100 * r() - 50);
  Array.from({ length: n }, (_, i) => writeFileSync(join(cal, `s${i + 10}.npy`), encodeNpy(makeTensor('x', 'float32', [1, 3, 16, 16], values()))));
  return cal;
}

test('int8 with --calibration: the self-check runs on the first held-out calibration sample', async () => {
  const r = await quantizeFile(onnx, join(dir, 'held.tflite'), {}, { mode: 'int8', calibration: calibration('ten', 10) }, true);
  const v = r.verification!;
  assert.deepEqual(v.calibration, { sample: 9, of: 10, heldOut: true });
  assert.deepEqual(v.seeds, { x: 'calibration sample' });
  assert.ok(v.cosine >= 0.999, `cosine ${v.cosine} on the calibration sample`);
  assert.deepEqual(verificationJson(v).calibration, v.calibration);
  assert.match(verificationLine(v), /, on calibration sample 9 of 10 \(held out: no choice of the int8 pass was measured on it\) \(\d+ ms\)/);
});

test('int8 with as many calibration samples as the search reads: the first one; without --calibration: the seeds', async () => {
  const r = await quantizeFile(onnx, join(dir, 'first.tflite'), {}, { mode: 'int8', calibration: calibration('four', 4) }, true);
  assert.deepEqual(r.verification!.calibration, { sample: 1, of: 4, heldOut: false });
  assert.ok(r.verification!.cosine >= 0.999, `cosine ${r.verification!.cosine}`);
  // Calibrated on [0, 1) itself (random samples), the seeded inputs are what it was calibrated for.
  const s = await quantizeFile(onnx, join(dir, 'seeded.tflite'), {}, { mode: 'int8' }, true);
  assert.equal(s.verification!.calibration, undefined);
  assert.deepEqual(s.verification!.seeds, { x: 'uniform [0, 1)' });
});
