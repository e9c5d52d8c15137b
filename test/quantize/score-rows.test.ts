// The int8 guard on per-row class scores ([1, N, C] softmax rows, nearly all background: an SSD-style detector such as
// Ultra-Light-Fast-Generic-Face-Detector): judged also on the rows whose non-background score is high in the reference
// or the candidate (src/quantize/score-rows.ts), where the whole output's cosine is the background's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { scoreTableOutputs, worstOutputCosine } from '../../src/quantize/output-cosine';
import { backgroundClass, isScoreTable } from '../../src/quantize/score-rows';
import { rng } from './helpers';

const ROWS = 2000;
const t = (rows: number[][], dims = [1, rows.length, rows[0].length]): Tensor => ({ name: 'scores', dtype: 'float32', dims, data: Float32Array.from(rows.flat()) });
const runs = (samples: number[][][], flat = false) => samples.map((rows) => new Map([['scores', t(rows, flat ? [rows.length * rows[0].length] : undefined)]]));

/** 2000 priors' (background, face) scores: background rows near (1, 0), 12 face rows at 0.75-0.99. */
function table(seed: number): number[][] {
  const r = rng(seed);
  return Array.from({ length: ROWS }, (_, i) => {
    const p = i % 160 === 7 ? 0.75 + 0.24 * r() : 0.02 * r() * r();
    return [1 - p, p];
  });
}

test('face rows losing their score are judged under the guard though the whole table\'s cosine stays over 0.999', () => {
  const ref = [table(1), table(2), table(3), table(4)];
  assert.deepEqual([...scoreTableOutputs(runs(ref))], ['scores']);
  assert.equal(backgroundClass(runs(ref).map((m) => m.get('scores')!.data as Float32Array), 2), 0);
  // int8 as on RFB-640: every other face row's score falls by 0.3 (a face at 0.8 drops under a 0.7 threshold).
  const got = ref.map((rows) => rows.map(([, p], i) => { const q = i % 320 === 7 ? p - 0.3 : p; return [1 - q, q]; }));
  // The same values read as one plain output (not a table): what the guard measured before, over 0.999.
  assert.ok(worstOutputCosine(runs(ref, true), runs(got, true)) > 0.999);
  const c = worstOutputCosine(runs(ref), runs(got));
  assert.ok(c < 0.9, `face rows judged: ${c}`);
  // Background rows lit by int8 (a face where the reference has none) count too.
  const lit = ref.map((rows) => rows.map(([b, p], i) => (i % 160 === 80 ? [0.4, 0.6] : [b, p])));
  assert.ok(worstOutputCosine(runs(ref), runs(lit)) < 0.9);
});

test('score rows moved by rounding noise alone keep the guard; tables that are not class rows are not judged as such', () => {
  const ref = [table(1), table(2), table(3), table(4)];
  const r = rng(7);
  const noisy = ref.map((rows) => rows.map(([, p]) => { const q = Math.min(1, Math.max(0, p + (r() - 0.5) * 0.008)); return [1 - q, q]; }));
  const c = worstOutputCosine(runs(ref), runs(noisy));
  assert.ok(c > 0.995, `noise ${c}`);
  // Rows that do not sum to 1 (boxes), values over 1 (logits), a single class column or a vocabulary wider than 100.
  assert.equal(isScoreTable([1, 2, 4], Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.1, 0.2, 0.1])), false);
  assert.equal(isScoreTable([1, 2, 2], Float32Array.from([1.5, -0.5, 0.2, 0.8])), false);
  assert.equal(isScoreTable([1, 4, 1], Float32Array.from([1, 1, 1, 1])), false);
  assert.equal(isScoreTable([1, 2, 101], new Float32Array(202).fill(1 / 101)), false);
  assert.equal(isScoreTable([1, 2, 2], Float32Array.from([0.9, 0.1, 0.2, 0.8])), true);
});

const CELLS = 256;

/** A tiny SSD-style score head: x [1, 3, 16, 16] → conv 3→8 + relu → conv 8→2 (background logit 0; face logit gained and
 *  biased so that a few cells per picture stand out) → [1, 256, 2] softmax rows. `shift`: the logits shifted by it and
 *  back, so that int8 stores them on a grid of shift / 255 (250: about 1 logit, face scores move by up to 0.25 while
 *  the background rows stay near (1, 0)). */
function scoreHead(shift: number): Uint8Array {
  const r = rng(5);
  const w1 = Array.from({ length: 8 * 3 * 9 }, () => (r() - 0.5) * 1.5);
  const w2 = [...new Array<number>(8).fill(0), ...Array.from({ length: 8 }, () => (r() - 0.5) * 2 * LOGIT_GAIN)];
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 3, 16, 16]]], outputs: ['scores'], opset: 13,
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), node('Relu', ['c1'], ['feat']),
      node('Conv', ['feat', 'w2', 'b2'], ['c2'], { kernel_shape: [1, 1] }),
      ...(shift ? [node('Add', ['c2', 'big'], ['up'], {}, 'shift_up'), node('Sub', ['up', 'big'], ['c3'], {}, 'shift_down')] : [node('Identity', ['c2'], ['c3'])]),
      node('Reshape', ['c3', 'sh'], ['flat']),
      node('Transpose', ['flat'], ['logits'], { perm: [0, 2, 1] }), node('Softmax', ['logits'], ['scores'], { axis: 2 }),
    ],
    initializers: [
      tensor('w1', 'float32', [8, 3, 3, 3], w1), tensor('b1', 'float32', [8], Array.from({ length: 8 }, () => (r() - 0.5) * 0.2)),
      tensor('w2', 'float32', [2, 8, 1, 1], w2), tensor('b2', 'float32', [2], [0, LOGIT_BIAS]), tensor('big', 'float32', [1], [shift]),
      tensor('sh', 'int64', [3], [1, 2, CELLS]),
    ],
  }));
}
const LOGIT_GAIN = 4;
const LOGIT_BIAS = -14.5;

test('int8 of a score head made to lose its face rows is refused (its whole table read 0.9999); without the shift it is written', async () => {
  await assert.rejects(quantizeModelBytes(scoreHead(250), 'faces.onnx', {}, { mode: 'int8', int16: 'off' }),
    (e: Error) => e.name === 'ModelError' && /output cosine (-?0\.[0-8]\d*|0\.9[0-8]\d*) .*below --min-cosine 0\.99.*shift_(up|down).*nothing written/.test(e.message));
  const ok = await quantizeModelBytes(scoreHead(0), 'faces.onnx', {}, { mode: 'int8', int16: 'off' });
  assert.equal(ok.summary.guard?.met, true, JSON.stringify(ok.summary.guard));
});
