// The metrics (through permuted views) and the first-divergence rule on synthetic data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareViews, mismatch, onnxView, permutedView } from '../../src/compare/metrics';
import { markDivergence } from '../../src/compare/divergence';
import { buildGraph, node } from '../../src/onnx/builder';
import type { LayerResult } from '../../src/compare/types';

test('an NHWC tensor equals its NCHW source through the perm; metrics of a known error', () => {
  const dims = [1, 3, 4, 5];
  const nchw = Float32Array.from({ length: 60 }, (_, i) => i + 1);
  const nhwc = new Float32Array(60);
  for (let c = 0; c < 3; c++) for (let h = 0; h < 4; h++) for (let w = 0; w < 5; w++) nhwc[(h * 5 + w) * 3 + c] = nchw[c * 20 + h * 5 + w]!;
  const ref = onnxView(nchw, dims);
  const got = permutedView(nhwc, [1, 4, 5, 3], [0, 2, 3, 1]);
  assert.equal(mismatch(ref, got), '');
  assert.deepEqual(compareViews(ref, got), { maxAbs: 0, meanAbs: 0, rel: 0, cosine: 1, snrDb: 200 });
  const off = Float32Array.from(nhwc);
  off[7] = off[7]! + 6; // one element 6 off
  const m = compareViews(ref, permutedView(off, [1, 4, 5, 3], [0, 2, 3, 1]));
  assert.equal(m.maxAbs, 6);
  assert.equal(m.meanAbs, 0.1);
  assert.equal(m.rel, 0.1);
  const energy = nchw.reduce((a, v) => a + v * v, 0);
  assert.ok(Math.abs(m.snrDb - 10 * Math.log10(energy / 36)) < 1e-9);
  assert.ok(m.cosine < 1 && m.cosine > 0.99);
  assert.match(mismatch(ref, onnxView(new Float32Array(12), [1, 3, 4, 1])), /shape/);
});

test('all-zero references, NaN on one side, NaN on both', () => {
  const z = onnxView(new Float32Array(4), [4]);
  assert.equal(compareViews(z, onnxView(Float32Array.of(0, 1e-7, 0, 0), [4])).snrDb, 200);
  assert.equal(compareViews(z, onnxView(Float32Array.of(0, 0.5, 0, 0), [4])).snrDb, -200);
  const bad = compareViews(onnxView(Float32Array.of(1, 2), [2]), onnxView(Float32Array.of(1, NaN), [2]));
  assert.equal(bad.snrDb, -200);
  assert.equal(bad.rel, Infinity);
  assert.equal(compareViews(onnxView(Float32Array.of(1, NaN), [2]), onnxView(Float32Array.of(1, NaN), [2])).snrDb, 200);
});

function layer(node: string, snrDb: number): LayerResult {
  return { node, op: 'Conv', tensor: `${node}_out`, tflite: 0, maxAbs: 0, meanAbs: 0, rel: 0, cosine: 1, snrDb };
}

test('first divergence: a jump below the floor, not the largest error; inputs reached through uncompared values', () => {
  // a → b → (c not compared) → d → e, and a side branch f from the input.
  const g = buildGraph({
    nodes: [node('Relu', ['x'], ['a_out'], {}, 'a'), node('Relu', ['a_out'], ['b_out'], {}, 'b'), node('Relu', ['b_out'], ['c_out'], {}, 'c'),
      node('Relu', ['c_out'], ['d_out'], {}, 'd'), node('Relu', ['d_out'], ['e_out'], {}, 'e'), node('Relu', ['x'], ['f_out'], {}, 'f')],
    inputs: [['x', 'float32', [1]]], outputs: ['e_out', 'f_out'],
  });
  // int8-like: steady 35 dB, then d drops 30 dB, e is even worse (error accumulates) but only 5 dB below d.
  const q = [layer('a', 38), layer('b', 35), layer('d', 5), layer('e', 0), layer('f', 36)];
  const first = markDivergence(q, g, 'quantized');
  assert.equal(first?.node, 'd');
  assert.equal(q[2]!.inputSnrDb, 35, 'through the uncompared c');
  assert.deepEqual(q.map((l) => l.jump), [false, false, true, false, false]);
  // Normal int8 noise: every layer adds a little (8–12 dB drops here), none stands out from the others.
  assert.equal(markDivergence([layer('a', 38), layer('b', 30), layer('d', 18), layer('e', 9), layer('f', 36)], g, 'quantized'), null);
  // float32: 130 → 110 dB is float rounding (above the 60 dB floor); 130 → 45 dB is a fault.
  assert.equal(markDivergence([layer('a', 130), layer('b', 110), layer('d', 105)], g, 'float32'), null);
  assert.equal(markDivergence([layer('a', 130), layer('b', 128), layer('d', 45), layer('e', 44)], g, 'float32')?.node, 'd');
});
