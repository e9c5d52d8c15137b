// The int8 search's float32 prefix (src/quantize/mixed-precision.ts floatPrefix): the first ops in graph order stay
// float32 as one block, a detector stem's chained roundings that points measured alone do not find. The prefix
// sizes tried, the measure that keeps one, and the size / latency bounds, on a real converted chain of 80 ops; and
// the 16x8 prefix's latency bound (int16-prefix.ts prefixSearch `fast`), which trained models' searches keep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { decodeModel } from '../../src/onnx/reader';
import { activationParams, quantizeInt8 } from '../../src/quantize/int8';
import { cloneResult, floatPrefix } from '../../src/quantize/mixed-precision';
import { prefixSearch } from '../../src/quantize/int16-prefix';
import { estimatedMs } from '../../src/quantize/cost-model';
import { serializeTflite } from '../../src/tflite/writer';
import type { OutputScore } from '../../src/quantize/sensitivity';
import { convChain } from './helpers';

/** 40 × (Conv 4→4 3x3 + Sigmoid) on 16x16: 80 ops after conversion. */
const chain = () => convChain('Sigmoid', 0.6);

test('float prefix: the prefix with the best measure above plain int8 is kept, within the size and latency bounds', async () => {
  const result = convertModel(decodeModel(chain()));
  const sg = result.model.subgraphs[0];
  const n = sg.operators.length;
  assert.ok(n >= 80, `${n} ops`);
  const ranges = new Map<number, { min: number; max: number }>();
  sg.tensors.forEach((t, i) => { if (t.type === 'FLOAT32' && !t.data) ranges.set(i, { min: -4, max: 4 }); });
  const params = activationParams(result, ranges);
  const build = (floatOps: Set<number>) => quantizeInt8(cloneResult(result), params, { floatOps });
  // A measure that grows with the float ops at the front (what the chained roundings of a stem give), computed from
  // the built model: the number of float32 CONV_2D ops.
  const seen: number[] = [];
  const score = (peak: number) => async (r: ReturnType<typeof build>): Promise<OutputScore> => {
    const floats = r.model.subgraphs[0].operators.filter((o) => o.opcode === 'CONV_2D' && r.model.subgraphs[0].tensors[o.inputs[0]].type === 'FLOAT32').length;
    seen.push(floats);
    const objective = 1 - Math.abs(floats - peak) / 100;
    return { snrDb: 0, cosine: objective, ms: 0, objective };
  };
  const sizes = [0.05, 0.1, 0.15].map((f) => Math.round(f * n));
  const said: string[] = [];
  const all = await floatPrefix(n, build, score(Math.ceil(sizes[1] / 2)), 0, Infinity, Infinity, undefined, (m) => said.push(m));
  assert.ok(all, 'a prefix is kept');
  // Each candidate is reported before it runs (--progress: the prefixes went by silently).
  assert.deepEqual(said, sizes.map((k) => `float32 prefix: the first ${k} ops`));
  assert.equal(all.floatOps.size, sizes[1], 'the middle prefix has the best measure');
  assert.deepEqual([...all.floatOps], Array.from({ length: sizes[1] }, (_, k) => k), 'the first ops in graph order');
  assert.equal(seen.length, 3, 'each prefix size tried once');
  // No gain over plain int8's measure: nothing kept.
  assert.equal(await floatPrefix(n, build, score(0), 1, Infinity, Infinity), undefined);
  // The latency bound (the cost model's estimate) stops the larger prefixes: the smallest is all that fits.
  const small = estimatedMs(build(new Set(Array.from({ length: sizes[0] }, (_, k) => k))).model);
  const capped = await floatPrefix(n, build, score(100), 0, Infinity, small + 1e-9);
  assert.equal(capped?.floatOps.size, sizes[0]);
  // The size bound likewise: below the smallest prefix's bytes, none.
  const bytes = serializeTflite(build(new Set(Array.from({ length: sizes[0] }, (_, k) => k))).model).byteLength;
  assert.equal(await floatPrefix(n, build, score(100), 0, bytes - 1, Infinity), undefined);
});

test('float prefix: the first prefix that meets the guard ends the tries (UNet++ / re-id 0288 ran a longer one on)', async () => {
  const result = convertModel(decodeModel(chain()));
  const sg = result.model.subgraphs[0];
  const n = sg.operators.length;
  const ranges = new Map<number, { min: number; max: number }>();
  sg.tensors.forEach((t, i) => { if (t.type === 'FLOAT32' && !t.data) ranges.set(i, { min: -4, max: 4 }); });
  const params = activationParams(result, ranges);
  const build = (floatOps: Set<number>) => quantizeInt8(cloneResult(result), params, { floatOps });
  // The measure grows with the float32 CONV_2D ops of the built model; the guard accepts from 3 of them on (the 5%
  // prefix has 2, the 10% one 4): the 10% prefix meets it, and the 15% one, which measures higher, is not run.
  const seen: number[] = [];
  const score = async (r: ReturnType<typeof build>): Promise<OutputScore> => {
    const floats = r.model.subgraphs[0].operators.filter((o) => o.opcode === 'CONV_2D' && r.model.subgraphs[0].tensors[o.inputs[0]].type === 'FLOAT32').length;
    seen.push(floats);
    return { snrDb: 0, cosine: floats / 100, ms: 0, objective: floats / 100 };
  };
  const sizes = [0.05, 0.1, 0.15].map((f) => Math.round(f * n));
  const said: string[] = [];
  const met = await floatPrefix(n, build, score, 0, Infinity, Infinity, undefined, (m) => said.push(m), (s) => s.objective >= 0.03);
  assert.deepEqual(said, sizes.slice(0, 2).map((k) => `float32 prefix: the first ${k} ops`), `${seen.join(', ')} float32 convs`);
  assert.equal(met?.floatOps.size, sizes[1], 'the first prefix that meets the guard is kept');
  assert.ok(seen.length === 2 && seen[1] >= 3 && seen[0] < 3, seen.join(', '));
  // Without a guard met, every prefix runs and the best measure is kept (as before).
  seen.length = 0;
  const all = await floatPrefix(n, build, score, 0, Infinity, Infinity, undefined, undefined, (s) => s.objective >= 1);
  assert.equal(seen.length, 3);
  assert.equal(all?.floatOps.size, sizes[2]);
});

test('16x8 prefix: the regions grow until the guard is met, and stop at the latency bound when one is given', async () => {
  const result = convertModel(decodeModel(chain()));
  const sg = result.model.subgraphs[0];
  const n = sg.operators.length;
  const ranges = new Map<number, { min: number; max: number }>();
  sg.tensors.forEach((t, i) => { if (t.type === 'FLOAT32' && !t.data) ranges.set(i, { min: -4, max: 4 }); });
  const params = activationParams(result, ranges);
  const build = (int16Ops: Set<number>, splitOps: Set<number>) => quantizeInt8(cloneResult(result), params, { int16Ops, splitOps });
  // The measure grows with the int16 CONV_2D ops of the built model; the target is out of reach.
  const seen: number[] = [];
  const score = async (r: ReturnType<typeof build>): Promise<OutputScore> => {
    const rsg = r.model.subgraphs[0];
    const int16 = rsg.operators.filter((o) => o.opcode === 'CONV_2D' && rsg.tensors[o.inputs[0]].type === 'INT16').length;
    seen.push(int16);
    return { snrDb: 0, cosine: int16 / 100, ms: 0, objective: int16 / 100 };
  };
  const said: string[] = [];
  const free = await prefixSearch(n, build, score, Infinity, 2, undefined, undefined, (m) => said.push(m));
  assert.equal(seen.length, 8, 'every region size tried');
  assert.equal(said.length, 8, `each region reported before it runs (the Stacked Hourglass: 156 s without a line): ${said.join(' | ')}`);
  assert.match(said[0], /^16x8 prefix: the first \d+ ops$/);
  assert.equal(free?.int16Ops.size, Math.round(0.5 * n), 'the largest region scores best');
  // 16x8 runs on reference kernels: a bound at the 10% region's estimate stops the larger regions before they run.
  const region = new Set(Array.from({ length: Math.round(0.1 * n) }, (_, k) => k));
  const bound = estimatedMs(build(region, region).model);
  seen.length = 0;
  const capped = await prefixSearch(n, build, score, Infinity, 2, (r) => estimatedMs(r.model) <= bound + 1e-9);
  assert.equal(capped?.int16Ops.size, Math.round(0.1 * n));
  assert.equal(seen.length, 2, 'the 5% and 10% regions only');
  assert.ok(seen[1] > seen[0] && seen[0] > 0, seen.join(', '));
});
