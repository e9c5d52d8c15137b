// Jittered activation grids (src/quantize/grid-jitter.ts): one seeded factor per same-scale group within the jitter,
// fixed-output parameters and zero points kept; meanOverGrids averages a score over the calibrated grids and the
// jittered copies (what the rec bench's seeds measure; not yet the int8 pass's default choice: see docs/model-sweep.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { activationParams } from '../../src/quantize/int8';
import type { QParams, Range } from '../../src/quantize/params';
import { scaleGroups } from '../../src/quantize/int8-scale-groups';
import { jittered, meanOverGrids } from '../../src/quantize/grid-jitter';

const MODEL = '../shared/models/mobilenet_v3_small.onnx';

function calibrated() {
  const result = convertModel(decodeModel(readFileSync(MODEL)), {});
  const sg = result.model.subgraphs[0];
  const ranges = new Map<number, Range>();
  sg.tensors.forEach((t, i) => { if (t.type === 'FLOAT32' && !t.data?.byteLength) ranges.set(i, { min: -1 - (i % 7), max: 2 + (i % 5) }); });
  return { result, params: activationParams(result, ranges) };
}

test('jittered: one factor per same-scale group within the jitter, fixed outputs and zero points kept, seeded', () => {
  const { result, params } = calibrated();
  const groups = scaleGroups(result.model.subgraphs[0]);
  const a = jittered(result, params, 0.01, 1);
  const factorOf = new Map<number, number>();
  let moved = 0;
  for (const [i, q] of params) {
    const j = a.get(i)!;
    assert.equal(j.zeroPoint, q.zeroPoint);
    if (groups.fixed.has(i)) { assert.deepEqual(j, q); continue; }
    const f = j.scale / q.scale;
    assert.ok(f >= 0.99 - 1e-12 && f <= 1.01 + 1e-12, `factor ${f}`);
    const g = groups.find(i);
    if (factorOf.has(g)) assert.ok(Math.abs(factorOf.get(g)! - f) < 1e-12, 'one factor per group'); else factorOf.set(g, f);
    if (f !== 1) moved++;
  }
  assert.ok(moved > 10 && factorOf.size > 10, `${moved} scales moved over ${factorOf.size} groups`);
  assert.deepEqual([...jittered(result, params, 0.01, 1)], [...a], 'the same seed, the same grids');
  assert.notDeepEqual([...jittered(result, params, 0.01, 2)], [...a], 'another seed, other grids');
});

test('meanOverGrids: the score of the calibrated grids and of each jittered copy, averaged', async () => {
  const { result, params } = calibrated();
  const seen: Map<number, QParams>[] = [];
  const mean = await meanOverGrids(result, params, async (p) => { seen.push(p); return seen.length === 1 ? 1 : 0; }, 3, 0.002);
  assert.equal(seen.length, 4);
  assert.equal(seen[0], params, 'the calibrated grids first');
  assert.deepEqual([...seen[2]], [...jittered(result, params, 0.002, 2)]);
  assert.equal(mean, 0.25, 'a candidate lucky on the calibrated grids alone scores its mean');
});
