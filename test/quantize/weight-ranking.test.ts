// The int8 search's ranking of weight ops (src/quantize/precise-weights.ts rankWeightOps) and the search's time
// budget (src/quantize/search-budget.ts), on the real LiteRT against onnxruntime-node. DEKR (167 weight ops) ranked
// its weights one LiteRT run per op, 395 s of its 600-s search on a quiet machine, and the limit stopped the search
// before any weights step: the ranking is now grouped as the activations' is, and each ranking takes at most half of
// the time left when it starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { runOnnx } from '../../src/runtime/ort';
import { activationParams, quantizeInt8 } from '../../src/quantize/int8';
import { chooseInt16Ops, cloneResult } from '../../src/quantize/mixed-precision';
import { PLAIN_MARGIN } from '../../src/quantize/search-size';
import { serializeTflite } from '../../src/tflite/writer';
import { Int8Phases } from '../../src/quantize/int8-phases';
import { makeScorer } from '../../src/quantize/sensitivity';
import { rankWeightOps, weightOps } from '../../src/quantize/precise-weights';
import { REFINE_RUNS, groupSize } from '../../src/quantize/grouped-ranking';
import { RANK_SHARE, SearchBudget } from '../../src/quantize/search-budget';
import type { Tensor } from '../../src/ir/types';
import { outlierChain, rng } from './helpers';

const C = 8;
const OUTLIER = 2;

/** n 1×1 convs near the identity; conv OUTLIER's rows read channel 0 (near 0 in the input) with a weight of 60 beside
 *  weights of ±0.5 (helpers.ts outlierChain: precise-weights.test.ts's outlier, in a long chain). */
const chainModel = (n: number): Uint8Array => outlierChain(n, OUTLIER, 5, C);

/** Inputs in [0, 1), channel 0 scaled down to [0, 0.001). */
const sample = (seed: number): Tensor[] => {
  const data = Float32Array.from({ length: C * 16 }, rng(seed));
  for (let i = 0; i < 16; i++) data[i] *= 0.001;
  return [{ name: 'x', dtype: 'float32', dims: [1, C, 4, 4], data }];
};

async function setup(n: number) {
  const bytes = chainModel(n);
  const result = convertModel(decodeModel(bytes));
  const samples = [sample(1), sample(2)];
  const refs = await Promise.all(samples.map((s) => runOnnx(bytes, s)));
  return { bytes, result, samples, refs };
}

test('the weight ranking of 100 weight ops is bounded: ~√n groups and the worst groups alone, the outlier still first', async () => {
  const { result, samples, refs } = await setup(100);
  const sg = result.model.subgraphs[0];
  const n = weightOps(sg).length;
  assert.equal(n, 100);
  const real = await makeScorer(result, samples, refs);
  let runs = 0;
  // Every LiteRT candidate the ranking measures goes through the scorer.
  const ranked = await rankWeightOps(result, { ...real, score: (m, md) => { runs++; return real.score(m, md); } });
  const size = groupSize(n);
  // Before: one run per weight op, 100.
  assert.ok(runs <= Math.ceil(n / size) + Math.max(REFINE_RUNS, 2 * size) && runs < n / 2, `${runs} runs for ${n} weight ops`);
  assert.equal(ranked.length, n, 'every op ranked (the unrefined ones by their group\'s measure)');
  assert.equal(sg.operators[ranked[0].op].onnxNode, `conv${OUTLIER}`, ranked.slice(0, 4).map((p) => `${sg.operators[p.op].onnxNode} ${p.measure.toFixed(1)}`).join(', '));
});

test('a weight ranking of up to 55 ops measures each alone, as before', async () => {
  const { result, samples, refs } = await setup(40);
  const real = await makeScorer(result, samples, refs);
  let runs = 0;
  const ranked = await rankWeightOps(result, { ...real, score: (m, md) => { runs++; return real.score(m, md); } });
  assert.equal(runs, 40);
  assert.equal(result.model.subgraphs[0].operators[ranked[0].op].onnxNode, `conv${OUTLIER}`);
});

test('SearchBudget: a ranking stops at RANK_SHARE of the work left when it starts; the budget stops everything', () => {
  const budget = new SearchBudget(100, () => 0);
  budget.charge(20_000);
  const rank = budget.ranking();
  budget.charge(RANK_SHARE * 80_000);
  assert.equal(rank(), false);
  budget.charge(1);
  assert.equal(rank(), true);
  assert.equal(budget.stop(), false, 'the steps after the ranking still run');
  assert.ok(budget.rankingCut && !budget.stopped);
  budget.charge(100_000 - budget.workMs + 1);
  assert.equal(budget.stop(), true);
  assert.equal(budget.stopped, true);
  assert.equal(budget.wallCapped, false);
});

/** The search on the 64-conv chain within a budget of `seconds` of estimated work: what it said, and when (`at`: the
 *  work charged by then, ms). `maxBytes(plain)`: the size budget from plain int8's size (bytes). */
async function searchChain(seconds: number, maxBytes: (plainBytes: number) => number = () => Infinity) {
  const { bytes, result, samples, refs } = await setup(64);
  const ranges = new Map<number, { min: number; max: number }>();
  result.model.subgraphs[0].tensors.forEach((t, i) => { if (t.type === 'FLOAT32' && !t.data) ranges.set(i, { min: 0, max: 1.5 }); });
  const params = activationParams(result, ranges);
  const lines: { message: string; at: number }[] = [];
  const budget = new SearchBudget(seconds);
  const phases = new Int8Phases((p) => lines.push({ message: p.message, at: budget.workMs }));
  const none = new Set<number>();
  const plainBytes = serializeTflite(quantizeInt8(cloneResult(result), params, { int8Io: false, int16Ops: none, splitOps: none, floatOps: none, floatWeights: new Set() }).model).byteLength;
  const choice = await chooseInt16Ops(result, decodeModel(bytes), samples, params, {}, 'auto', maxBytes(plainBytes), refs, undefined, undefined, phases, budget);
  return { choice, lines, plainBytes, floatBytes: serializeTflite(result.model).byteLength, said: lines.map((l) => `${l.at.toFixed(0)} ${l.message}`).join('\n') };
}

test('the search\'s budget reaches the weights steps: the weights ranking leaves them half of the time left', async () => {
  const free = await searchChain(1e9);
  const start = free.lines.find((l) => /ranking weights/.test(l.message));
  assert.ok(start, `the search reaches the weights:\n${free.said}`);
  const ranking = free.lines.filter((l) => /ranked \d+ \/ \d+ (groups of )?weight ops/.test(l.message)).length;
  assert.ok(ranking >= 8, `the weights ranking measured ${ranking} candidates`);
  // A budget the weights ranking alone would use up (all but its last two candidates'): without its share, no weights
  // step is measured.
  const ranked = free.lines.filter((l) => /ranked \d+ \/ \d+ (groups of )?weight ops/.test(l.message));
  const limited = await searchChain(ranked[ranked.length - 3].at / 1000);
  assert.ok(limited.lines.some((l) => /weights step \d+/.test(l.message)), `a weights step measured within the limit:\n${limited.said}`);
  assert.equal(limited.lines.find((l) => /ranking weights/.test(l.message))?.at, start.at, 'the same search up to the weights');
});

test('the search\'s budget reaches the activation steps: the activations\' ranking leaves them half of the time', async () => {
  const free = await searchChain(1e9);
  const ranking = free.lines.filter((l) => /ranked \d+ \/ \d+ (groups of )?activations/.test(l.message)).length;
  assert.ok(ranking >= 8, `the activations' ranking measured ${ranking} candidates:\n${free.said}`);
  // A budget the ranking alone would use up (all but its last two candidates'): without its share, no step.
  const ranked = free.lines.filter((l) => /ranked \d+ \/ \d+ (groups of )?activations/.test(l.message));
  const limited = await searchChain(ranked[ranked.length - 3].at / 1000);
  assert.ok(limited.lines.some((l) => /^step \d+:|int8 search: step \d+:/.test(l.message)), `a step measured within the limit:\n${limited.said}`);
});

// The size budget (src/quantize/search-size.ts). OpenVINO's person re-id 0248 / 0288 are 38.5-40% of float32 in plain
// int8 (graph tables, quantization parameters), over the search's 35%: no step could fit and 214-220 candidates
// changed nothing. A model over the budget in plain int8 gets its plain int8 size plus PLAIN_MARGIN of float32.
test('plain int8 over the size budget: the search keeps within its size plus a margin, and its weights steps run', async () => {
  const { choice, lines, said, plainBytes, floatBytes } = await searchChain(1e9, (plain) => plain - 1);
  assert.equal(choice.sizeBudget?.basis, 'plain-int8', said);
  assert.equal(choice.sizeBudget?.bytes, plainBytes + PLAIN_MARGIN * floatBytes);
  // Without it every weights step is over the budget (and so not measured).
  assert.ok(lines.some((l) => /weights step \d+/.test(l.message)), `a weights step measured:\n${said}`);
  const free = await searchChain(1e9);
  assert.equal(free.choice.sizeBudget?.basis, 'float32');
});

// DEKR (rank8): its first activation step and first weights step were refused by the size / latency bounds after
// rankings that took its search's time. A ranking whose cheapest step cannot fit is not run.
test('a ranking whose cheapest step cannot fit the size budget is not run', async () => {
  // One byte over plain int8: under the budget, but no op can leave int8 within it.
  const { choice, lines, said } = await searchChain(1e9, (plain) => plain + 1);
  assert.equal(choice.sizeBudget?.basis, 'float32');
  const ranked = lines.filter((l) => /ranked \d+ \/ \d+ .*(activations|weight ops)/.test(l.message)).length;
  // Without the rule: both rankings run (>= 8 candidates each, as above) and every step after them is refused.
  assert.equal(ranked, 0, said);
  assert.ok(lines.some((l) => /no activation step fits/.test(l.message)) && lines.some((l) => /no weights step fits/.test(l.message)), said);
  assert.ok(!lines.some((l) => /(weights )?step \d+:/.test(l.message)), said);
  assert.equal(choice.floatOps.size + choice.floatWeights.size, 0);
});
