// The int8 guard judged again on calibration samples no choice of the int8 pass was measured on (held-out-guard.ts):
// the guard's cosine and the search read the first samples only, so a model that holds there and not on the rest of
// the calibration set was written (Ultra-Light RFB-640 calibrated on scenes: guard 0.9921, 444 of 889 faces on photos).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy } from '../../src/core/npy';
import { makeTensor } from '../../src/ir/tensor';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { HELD_OUT_SAMPLES, heldOutBar, heldOutSamples } from '../../src/quantize/held-out-guard';
import { SEARCH_SAMPLES } from '../../src/quantize/mixed-precision';
import { rng, shiftedModel } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'onnx2lite-held-out-'));

/** A bias-free conv: its output scales with the input, so an input 50x smaller than the calibrated range reads its
 *  int8 output on a few steps of the output's grid. */
function linearConv(): Uint8Array {
  const r = rng(3);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 3, 16, 16]]], outputs: [['y', 'float32', [1, 8, 16, 16]]],
    initializers: [tensor('w', 'float32', [8, 3, 3, 3], Array.from({ length: 216 }, () => r() - 0.5))],
    nodes: [node('Conv', ['x', 'w'], ['y'], { pads: [1, 1, 1, 1] })],
  }));
}

/** 16 .npy samples: the first 8 (the guard's and the search's) in [-1, 1), the rest in [-1, 1) times `late`. */
function calibration(name: string, late: number): string {
  const cal = join(dir, name);
  mkdirSync(cal);
  const r = rng(11);
  for (let i = 0; i < 16; i++) {
    const s = i < SEARCH_SAMPLES ? 1 : late;
    const x = makeTensor('x', 'float32', [1, 3, 16, 16], Float32Array.from({ length: 768 }, () => (2 * r() - 1) * s));
    writeFileSync(join(cal, `${String(i).padStart(2, '0')}.npy`), encodeNpy(x));
  }
  return cal;
}

test('the held-out samples are the ones past the search\'s, at most HELD_OUT_SAMPLES; the bar is twice the guard\'s margin', () => {
  const xs = Array.from({ length: 40 }, (_, i) => i);
  assert.deepEqual(heldOutSamples(xs.slice(0, SEARCH_SAMPLES)).samples, []);
  const h = heldOutSamples(xs);
  assert.equal(h.from, SEARCH_SAMPLES);
  assert.deepEqual(h.samples, xs.slice(SEARCH_SAMPLES, SEARCH_SAMPLES + HELD_OUT_SAMPLES));
  assert.ok(Math.abs(heldOutBar(0.99) - 0.98) < 1e-12);
  assert.ok(Math.abs(heldOutBar(0.995) - 0.99) < 1e-12);
});

/** 16 .npy samples of shiftedModel's input: the first 8 (the guard's and the search's) in [0, 1), the rest times `late`. */
function shiftedCalibration(name: string, late: number): string {
  const cal = join(dir, name);
  mkdirSync(cal);
  const r = rng(13);
  for (let i = 0; i < 16; i++) {
    const s = i < SEARCH_SAMPLES ? 1 : late;
    const x = makeTensor('x', 'float32', [1, 3, 8, 8], Float32Array.from({ length: 192 }, () => r() * s));
    writeFileSync(join(cal, `${String(i).padStart(2, '0')}.npy`), encodeNpy(x));
  }
  return cal;
}

test('a search\'s choice that meets the guard on the first calibration samples and not on the rest is refused, naming why', async () => {
  const cal = shiftedCalibration('unlike', 0.02);
  await assert.rejects(quantizeModelBytes(shiftedModel(), join(dir, 'shifted.onnx'), {}, { mode: 'int8', calibration: cal }),
    (e: Error) => e.name === 'ModelError'
      && /on calibration samples 9-16, which no choice of the int8 pass was measured on/.test(e.message)
      && /do not hold on others/.test(e.message) && /layers to blame .* on sample 9\)/.test(e.message)
      && /nothing written \(more --calibration samples, like the inputs the model will see/.test(e.message));
  // Written with --allow-degraded: the guard's first samples met it, the held-out ones did not.
  const { summary } = await quantizeModelBytes(shiftedModel(), join(dir, 'shifted.onnx'), {}, { mode: 'int8', calibration: cal, allowDegraded: true });
  const g = summary.guard!;
  assert.ok((summary.floatOps ?? 0) + (summary.int16Ops ?? 0) > 0, 'the search moved ops out of int8');
  assert.equal(g.met, false);
  assert.ok(g.cosine >= 0.99, `guard samples ${g.cosine}`);
  assert.equal(g.heldOut?.samples, 8);
  assert.equal(g.heldOut?.first, 9);
  assert.ok(g.heldOut!.cosine < heldOutBar(0.99), `held out ${g.heldOut!.cosine}`);
});

test('plain int8 (no op moved out of int8) reading worse on quieter later samples is written with a warning, not refused', async () => {
  // A speech folder's near-silent tail windows: relative error on a quiet signal, no choice fitted to the first samples.
  const q = await quantizeModelBytes(linearConv(), join(dir, 'conv.onnx'), {}, { mode: 'int8', calibration: calibration('quiet', 0.02) });
  const g = q.summary.guard!;
  assert.equal((q.summary.floatOps ?? 0) + (q.summary.int16Ops ?? 0), 0);
  assert.equal(g.met, true);
  assert.equal(g.heldOut?.met, false);
  assert.ok(g.heldOut!.cosine < heldOutBar(0.99), `held out ${g.heldOut!.cosine}`);
  assert.ok(q.result.warnings.some((w) => /on calibration samples 9-16 is below 0\.9800 there; no op was moved out of int8/.test(w)), q.result.warnings.join('\n'));
});

test('a calibration set whose samples are alike is written, the held-out measure in --json', async () => {
  const { summary } = await quantizeModelBytes(linearConv(), join(dir, 'conv.onnx'), {}, { mode: 'int8', calibration: calibration('alike', 1) });
  const g = summary.guard!;
  assert.equal(g.met, true);
  assert.equal(g.heldOut?.met, true);
  assert.equal(g.heldOut?.samples, 8);
  assert.ok(g.heldOut!.cosine >= 0.99, `held out ${g.heldOut!.cosine}`);
});

test('with no calibration sample past the search\'s, a search that moved ops out of int8 is written with a warning saying so', async () => {
  const r = rng(5);
  const folder = (name: string, n: number) => {
    const cal = join(dir, name);
    mkdirSync(cal);
    for (let i = 0; i < n; i++) {
      const x = makeTensor('x', 'float32', [1, 3, 8, 8], Float32Array.from({ length: 192 }, () => r()));
      writeFileSync(join(cal, `${String(i).padStart(2, '0')}.npy`), encodeNpy(x));
    }
    return cal;
  };
  const few = await quantizeModelBytes(shiftedModel(), join(dir, 'shifted.onnx'), {}, { mode: 'int8', calibration: folder('few', 4) });
  assert.ok((few.summary.floatOps ?? 0) + (few.summary.int16Ops ?? 0) > 0, 'the search moved ops out of int8');
  assert.equal(few.summary.guard?.heldOut, undefined);
  assert.ok(few.result.warnings.some((w) => /the guard judged only the 4 calibration sample\(s\) the search chose its \d+ op\(s\) out of int8 on/.test(w)), few.result.warnings.join('\n'));
  const many = await quantizeModelBytes(shiftedModel(), join(dir, 'shifted.onnx'), {}, { mode: 'int8', calibration: folder('many', 12) });
  assert.equal(many.summary.guard?.heldOut?.samples, 4);
  assert.equal(many.summary.guard?.met, true);
  assert.ok(!many.result.warnings.some((w) => /the guard judged only/.test(w)), many.result.warnings.join('\n'));
});
