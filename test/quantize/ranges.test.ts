// Range estimation and activation parameters: minmax vs percentile, TFLite's zero-inclusive int8 ranges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RangeCollector } from '../../src/calibration/ranges';
import { paramsFromRange, quantizeSymmetric } from '../../src/quantize/params';
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
