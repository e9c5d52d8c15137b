// Range estimation and activation parameters: minmax vs percentile vs MSE, TFLite's zero-inclusive int8 ranges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RangeCollector } from '../../src/calibration/ranges';
import { paramsFromRange, quantizeSymmetric, quantizeWith, type Range } from '../../src/quantize/params';
import { rng } from './helpers';

test('minmax keeps the extremes; percentile (99.99%) drops a rare outlier', () => {
  const r = rng(1);
  const data = Float32Array.from({ length: 100_000 }, () => r() * 2 - 1);
  data[500] = 100;
  const mm = new RangeCollector({ method: 'minmax' });
  const pc = new RangeCollector({ method: 'percentile' });
  for (const c of [mm, pc]) { c.add(0, data); c.add(0, data.map((v) => v * 0.5)); }
  let lo = Infinity;
  for (const v of data) lo = Math.min(lo, v);
  assert.deepEqual(mm.ranges().get(0), { min: lo, max: 100 });
  const p = pc.ranges().get(0)!;
  assert.ok(p.max < 1.2 && p.max > 0.4, `percentile max ${p.max}`);
  assert.ok(p.min > -1.2 && p.min < -0.4, `percentile min ${p.min}`);
});

test('int8 parameters include zero; symmetric per-channel weights use ±127', () => {
  assert.deepEqual(paramsFromRange({ min: 0, max: 6 }), { scale: 6 / 255, zeroPoint: -128 });
  const pos = paramsFromRange({ min: 2, max: 4 });
  assert.equal(pos.zeroPoint, -128);
  assert.ok(Math.abs(pos.scale - 4 / 255) < 1e-12);
  const mid = paramsFromRange({ min: -1, max: 3 });
  assert.equal(Math.round(-1 / mid.scale) + mid.zeroPoint, -128);
  const { data, scales } = quantizeSymmetric(new Float32Array([1, -0.5, 0, 2, -4, 1]), [2, 3], 0);
  assert.deepEqual(scales, [1 / 127, 4 / 127]);
  assert.deepEqual(Array.from(data), [127, -64, 0, 64, -127, 32]);
});

/** Mean squared error of int8 quantize → dequantize with the parameters of `r`. */
function int8Mse(data: Float32Array, r: Range): number {
  const p = paramsFromRange(r);
  const q = quantizeWith(data, p);
  let e = 0;
  for (let i = 0; i < data.length; i++) e += ((q[i] - p.zeroPoint) * p.scale - data[i]) ** 2;
  return e / data.length;
}

test('mse: on a long-tailed tensor the chosen range has strictly less int8 error than min / max', () => {
  const r = rng(5);
  // A trained network's activation after ReLU: half zeros and a long (exponential) tail, 0.2% of the values from a
  // channel ten times wider (an outlier channel).
  const make = (scale: number) => Float32Array.from({ length: 50_000 }, (_, i) =>
    (r() < 0.5 ? 0 : -Math.log(1 - r()) * scale * (i % 500 === 0 ? 10 : 1)));
  const samples = [make(1), make(1.2), make(0.8)];
  const mse = new RangeCollector({ method: 'mse' });
  const mm = new RangeCollector({ method: 'minmax' });
  for (const c of [mse, mm]) samples.forEach((s) => c.add(0, s));
  const a = mse.ranges().get(0)!;
  const b = mm.ranges().get(0)!;
  assert.ok(a.max < b.max, `mse range ${JSON.stringify(a)} clips the tail (min/max ${JSON.stringify(b)})`);
  const all = Float32Array.from(samples.flatMap((s) => Array.from(s)));
  const [ea, eb] = [int8Mse(all, a), int8Mse(all, b)];
  assert.ok(ea < eb * 0.99, `int8 error with the mse range ${ea} vs min/max ${eb}`);
});

test('mse: without outliers the range stays (close to) min / max', () => {
  const r = rng(9);
  const data = Float32Array.from({ length: 50_000 }, () => r() * 6 - 1);
  const c = new RangeCollector({ method: 'mse' });
  c.add(0, data);
  const got = c.ranges().get(0)!;
  assert.ok(got.max > 4.8 && got.min < -0.8, `uniform data: ${JSON.stringify(got)}`);
  const mm = new RangeCollector({ method: 'minmax' });
  mm.add(0, data);
  assert.ok(int8Mse(data, got) <= int8Mse(data, mm.ranges().get(0)!) * 1.01);
  // Collecting every method at once gives each one's ranges.
  const every = new RangeCollector({}, ['minmax', 'percentile', 'mse']);
  every.add(0, data);
  assert.deepEqual(every.rangesFor('mse').get(0), got);
  assert.deepEqual(every.rangesFor('minmax').get(0), mm.ranges().get(0));
});
