// A pitch decoded from cents is judged in cents by the int8 guard (src/quantize/pitch-frames.ts): FCPE's f0 =
// 10 · 2^(c / 1200), 0 where unvoiced, read as Hz by the cosine, was refused at 0.9659 while 1002 / 1024 held-out
// frames kept their pitch within 50 cents (s28-refuse4). Here a salience map over 48 bins 20 cents apart, its arg-max
// bin's cents, f0 = 10 · 2^(c / 1200), and 0 where the best salience is under 0.05.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { guardMeasures, probabilityOutputs } from '../../src/quantize/output-cosine';
import { outputRoles } from '../../src/quantize/output-roles';
import { int8BarJudge } from '../../src/quantize/verify-int8-bar';
import { barText } from '../../src/core/verify-report';
import { rng } from './helpers';

const T = 32; // frames
const B = 48; // bins
const r = rng(5);

function tracker(): Uint8Array {
  return encodeModel(buildModel({
    inputs: [['mel', 'float32', [1, T, 16]]], outputs: ['f0', 'confidence'], opset: 13,
    nodes: [
      node('MatMul', ['mel', 'w'], ['logits'], {}, 'out'), node('Sigmoid', ['logits'], ['salience'], {}, 'sigmoid'),
      node('ReduceMax', ['salience'], ['confidence'], { axes: [2], keepdims: 1 }, 'confidence'),
      node('ArgMax', ['salience'], ['bin'], { axis: 2, keepdims: 1 }, 'argmax'),
      node('Gather', ['cents', 'bin'], ['c'], { axis: 0 }, 'cents_at'),
      node('Div', ['c', 'c1200'], ['octaves'], {}, 'div'), node('Pow', ['two', 'octaves'], ['ratio'], {}, 'pow'),
      node('Mul', ['ratio', 'ten'], ['hz'], {}, 'hz'),
      node('Greater', ['confidence', 'thr'], ['voiced'], {}, 'voiced'), node('Where', ['voiced', 'hz', 'zero'], ['f0'], {}, 'unvoiced'),
    ],
    initializers: [
      // A smooth salience over the bins: each input feature a bump around its own bin (3 bins apart), so the best
      // bin's rivals are its neighbours, 20 cents away.
      tensor('w', 'float32', [16, B], Array.from({ length: 16 * B }, (_, i) => (1 + 0.5 * r()) * Math.exp(-(((i % B) - 3 * Math.floor(i / B) - 1) ** 2) / 8) - 0.1)),
      tensor('cents', 'float32', [B], Array.from({ length: B }, (_, b) => 3000 + 20 * b)),
      tensor('c1200', 'float32', [], [1200]), tensor('two', 'float32', [], [2]), tensor('ten', 'float32', [], [10]),
      tensor('thr', 'float32', [], [0.05]), tensor('zero', 'float32', [], [0]),
    ],
  }));
}

test('pitch frames: f0 = 10 · 2^(c / 1200) found on the graph and judged in cents, not by the Hz cosine', async () => {
  const { result } = await quantizeModelBytes(tracker(), 'pitch.onnx', {}, { mode: 'fp16' });
  const roles = outputRoles(result.model.subgraphs[0], result.metadata);
  assert.deepEqual([...roles.pitch ?? []], ['f0']);
  const probabilities = probabilityOutputs(result);
  const f0 = (v: number[]): Map<string, Tensor> => new Map([['f0', { name: 'f0', dtype: 'float32', dims: [1, v.length, 1], data: Float32Array.from(v) }]]);
  // 256 frames 90-1100 Hz, 8 unvoiced.
  const want = Array.from({ length: 256 }, (_, i) => (i % 32 === 5 ? 0 : 90 * 2 ** ((i % 43) / 12)));
  // 3 of 256 high frames an octave off (FCPE's near-tied bins): the Hz cosine misses; as frames 253 / 256 within
  // 50 cents, what a 2% miss rate explains.
  const octave = want.map((v, i) => ([40, 41, 42].includes(i) ? v * 2 : v * 2 ** (10 / 1200)));
  const m = guardMeasures([f0(want)], [f0(octave)], probabilities);
  assert.deepEqual([m.layouts?.pitch?.held, m.layouts?.pitch?.frames, m.layouts?.pitch?.voicing], [253, 256, 256]);
  assert.ok(m.cosine >= 0.99, String(m.cosine));
  const byHz = guardMeasures([f0(want)], [f0(octave)], new Set());
  assert.ok(byHz.cosine < 0.99, `the Hz cosine: ${byHz.cosine}`);
  // 11 voiced frames 60 cents off, low ones (which the Hz cosine barely sees) and a voicing flip: refused in cents.
  const off = want.map((v, i) => (i < 12 ? v * 2 ** (60 / 1200) : i === 36 ? 0 : v));
  const o = guardMeasures([f0(want)], [f0(off)], probabilities);
  assert.deepEqual([o.layouts?.pitch?.held, o.layouts?.pitch?.voicing], [244, 255]);
  assert.ok(o.cosine < 0.99 && guardMeasures([f0(want)], [f0(off)], new Set()).cosine > o.cosine, String(o.cosine));
});

test('int8 guard: a decoded pitch is read in cents on LiteRT against onnxruntime', async () => {
  const { summary } = await quantizeModelBytes(tracker(), 'pitch.onnx', {}, { mode: 'int8', int16: 'off', searchSeconds: 0, count: 8 });
  const g = summary.guard!;
  const p = g.layouts?.pitch;
  assert.ok(p && p.outputs[0] === 'f0' && p.frames === 4 * T, JSON.stringify(g.layouts));
  assert.ok(p.voiced > p.frames / 2 && p.held >= p.frames - 2 && p.medianCents < 5, JSON.stringify(p));
  assert.ok(g.layoutGuard?.pitch && g.layoutGuard.met && g.met, JSON.stringify(g.layoutGuard));
});

test('the int8 self-check measures a pitch the guard judged in cents the same way', () => {
  const want = Float32Array.from({ length: 128 }, (_, i) => (i % 32 === 5 ? 0 : 90 * 2 ** ((i % 43) / 12)));
  // Two high frames an octave off: the Hz cosine misses the held-out bar (0.98), the frames hold.
  const got = want.map((v, i) => (i === 40 || i === 41 ? 2 * v : v));
  let rg = 0, rr = 0, gg = 0;
  want.forEach((v, i) => { rg += v * got[i]!; rr += v * v; gg += got[i]! * got[i]!; });
  const cosine = rg / Math.sqrt(rr * gg);
  assert.ok(cosine < 0.98, String(cosine));
  const pitch = { outputs: ['f0'], frames: 256, held: 256, voicing: 256, voiced: 248, share: 1, min: 0.98, medianCents: 0, cosine: 1 };
  const guard = { minCosine: 0.99, cosine: 0.995, met: true, layouts: { pitch } };
  const bar = int8BarJudge(guard, false)([{ name: 'f0', dims: [1, 128, 1], ref: want, got, cosine }], 1);
  assert.deepEqual(bar.task?.map((t) => [t.kind, t.outputs, t.met]), [['pitch', ['f0'], true]]);
  assert.equal(bar.met, true);
  assert.match(barText(bar), /pitch in cents \(f0\) frames within 50 cents 0\.9844 >= 0\.98/);
  // Judged by cosine (a guard that did not read it as pitch), it misses.
  assert.equal(int8BarJudge({ ...guard, layouts: undefined }, false)([{ name: 'f0', dims: [1, 128, 1], ref: want, got, cosine }], 1).met, false);
});
