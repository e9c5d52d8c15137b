// The int8 guard on probability maps (src/quantize/mask-guard.ts): without --min-cosine, a map output that misses the
// cosine is judged by the IoU of its thresholded maps against onnxruntime (mean >= 0.95); a collapsed map is still
// refused, maps whose reference lights (almost) nothing are not judged, and --min-cosine keeps the cosine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { MAX_MIDRANGE, MIN_MASK_IOU, maskGuard, maskGuardMet, midrangeShare } from '../../src/quantize/mask-guard';
import { worstOutputCosine } from '../../src/quantize/output-cosine';
import { rng } from './helpers';

const SIDE = 64;
const map = (name: string, f: (y: number, x: number) => number): Tensor => {
  const data = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) data[y * SIDE + x] = f(y, x);
  return { name, dtype: 'float32', dims: [1, 1, SIDE, SIDE], data };
};
/** A text-line-like region: probability 0.95 inside a band, falling through the thresholds over its edge rows. */
const band = (shift: number) => (y: number, x: number) => {
  const d = Math.min(y - 20, 44 - y) + shift; // distance inside the band's top / bottom edges
  return x < 4 || x > 60 ? 0.01 : 1 / (1 + Math.exp(-2 * d));
};
const one = (t: Tensor) => [new Map([['y', t]])];

test('maskGuard: edges moved by int8 cost cosine but keep the thresholded IoU; a collapsed map does not', () => {
  const ref = map('y', band(0));
  // int8's error sits where the probability crosses the threshold: the edge rows a fraction of a logit over.
  const moved = map('y', (y, x) => {
    const edge = Math.abs(y - 20) < 2 || Math.abs(y - 44) < 2 ? 0.25 * Math.sin(x * 1.7) : 0;
    return Math.min(1, Math.max(0, band(0)(y, x) + edge + 0.16 * Math.sin(3 * x + 5 * y)));
  });
  const cos = worstOutputCosine(one(ref), one(moved));
  const g = maskGuard(one(ref), one(moved), new Set(['y']));
  assert.ok(cos < 0.99, `cosine ${cos}`);
  assert.ok(g.iou >= MIN_MASK_IOU && g.worstIou <= g.iou, `IoU ${g.iou} worst ${g.worstIou}`);
  assert.equal(g.maps, 2);
  assert.equal(g.otherCosine, 1);
  assert.equal(maskGuardMet(g, 0.99), true);
  for (const collapsed of [map('y', () => 0.5), map('y', () => 0), map('y', band(-6))]) {
    const c = maskGuard(one(ref), one(collapsed), new Set(['y']));
    assert.ok(c.iou < MIN_MASK_IOU, `collapsed IoU ${c.iou}`);
    assert.equal(maskGuardMet(c, 0.99), false);
  }
});

test('maskGuard: a picture made by a sigmoid (most values between 0.1 and 0.9) is not judged as a map', () => {
  // The twentieth sweep's First Order Motion Model: its prediction is a sigmoid picture, every value in (0.1, 0.9).
  const picture = map('y', (y, x) => 0.5 + 0.35 * Math.sin(x / 5) * Math.cos(y / 7));
  const darker = map('y', (y, x) => 0.45 + 0.35 * Math.sin(x / 5) * Math.cos(y / 7));
  assert.ok(midrangeShare(picture.data as Float32Array) > MAX_MIDRANGE);
  const g = maskGuard(one(picture), one(darker), new Set(['y']));
  assert.equal(g.maps, 0);
  assert.equal(maskGuardMet(g, 0.99), false, 'the cosine decides');
  assert.ok(midrangeShare(map('y', band(0)).data as Float32Array) <= MAX_MIDRANGE);
});

test('maskGuard: an empty reference map is not judged; other outputs keep the cosine', () => {
  const empty = maskGuard(one(map('y', () => 0.01)), one(map('y', () => 0.6)), new Set(['y']));
  assert.equal(empty.maps, 0);
  assert.equal(maskGuardMet(empty, 0.99), false);
  const refs = [new Map([['y', map('y', band(0))], ['z', map('z', (y, x) => x - y)]])];
  const bad = [new Map([['y', map('y', band(0))], ['z', map('z', (y, x) => y - x)]])];
  const g = maskGuard(refs, bad, new Set(['y']));
  assert.equal(g.iou, 1);
  assert.ok(g.otherCosine < 0);
  assert.equal(maskGuardMet(g, 0.99), false);
});

/** Conv → +1e6 → −1e6 → Sigmoid: in int8 the shifted values round to one step of ~8000, the map collapses to 0.5.
 *  The conv's weights are large enough that the map is a mask (its logits mostly far from 0), not a picture. */
function collapsingMap(): Uint8Array {
  const r = rng(5);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 3, 16, 16]]], outputs: [['y', 'float32', [1, 1, 16, 16]]],
    initializers: [tensor('w1', 'float32', [1, 3, 3, 3], w(27, 24)), tensor('b1', 'float32', [1], [0.1]), tensor('big', 'float32', [1], [1e6])],
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c'], { pads: [1, 1, 1, 1] }, 'conv'),
      node('Add', ['c', 'big'], ['shifted'], {}, 'shift_up'), node('Sub', ['shifted', 'big'], ['logit'], {}, 'shift_down'),
      node('Sigmoid', ['logit'], ['y'], {}, 'prob'),
    ],
  }));
}

test('a collapsed probability map is refused by its IoU; --min-cosine judges it by cosine', async () => {
  await assert.rejects(quantizeModelBytes(collapsingMap(), 'map.onnx', {}, { mode: 'int8', int16: 'off' }),
    (e: Error) => e.name === 'ModelError' && /below --min-cosine 0\.99 and probability-map IoU 0\.\d+ \(worst 0\.\d+\) is below 0\.95.*nothing written/.test(e.message));
  const degraded = await quantizeModelBytes(collapsingMap(), 'map.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
  const g = degraded.summary.guard!;
  assert.equal(g.met, false);
  assert.ok(g.maskIou && g.maskIou.maps > 0 && g.maskIou.iou < 0.8, JSON.stringify(g.maskIou));
  await assert.rejects(quantizeModelBytes(collapsingMap(), 'map.onnx', {}, { mode: 'int8', int16: 'off', minCosine: 0.99 }),
    (e: Error) => /below --min-cosine 0\.99;.*nothing written/.test(e.message) && !/probability-map/.test(e.message));
});

/** A good map beside a collapsing regression output: the map meets its IoU, the other output misses the cosine. */
function goodMapBesideCollapse(): Uint8Array {
  const r = rng(7);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 3, 16, 16]]], outputs: [['y', 'float32', [1, 1, 16, 16]], ['z', 'float32', [1, 1, 16, 16]]],
    initializers: [tensor('w1', 'float32', [1, 3, 3, 3], w(27, 24)), tensor('b1', 'float32', [1], [0.1]),
      tensor('w2', 'float32', [1, 3, 3, 3], w(27, 2)), tensor('b2', 'float32', [1], [0]), tensor('big', 'float32', [1], [1e6])],
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c'], { pads: [1, 1, 1, 1] }, 'conv'), node('Sigmoid', ['c'], ['y'], {}, 'prob'),
      node('Conv', ['x', 'w2', 'b2'], ['d'], { pads: [1, 1, 1, 1] }, 'conv2'),
      node('Add', ['d', 'big'], ['shifted'], {}, 'shift_up'), node('Sub', ['shifted', 'big'], ['z'], {}, 'shift_down'),
    ],
  }));
}

test('a refusal whose maps meet their IoU says the other outputs miss, not that the maps are below it', async () => {
  await assert.rejects(quantizeModelBytes(goodMapBesideCollapse(), 'two.onnx', {}, { mode: 'int8', int16: 'off' }),
    (e: Error) => e.name === 'ModelError' && /the probability map\(s\) meet IoU 0\.95 at 0\.\d+, worst 0\.\d+: the other output\(s\) miss the cosine/.test(e.message)
      && !/is below 0\.95/.test(e.message) && /nothing written/.test(e.message));
});
