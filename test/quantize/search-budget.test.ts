// The int8 search's budget counts work, not time (src/quantize/search-budget.ts): the same model and calibration give
// the same choice however slowly the machine runs it. chinese_ocr's DBNet was written at load 2-5 and refused at load
// 25-30, where the 600-s wall-clock limit stopped its search. Here the slow-down is the progress callback sleeping
// (the search calls it before each candidate), as a loaded machine would stretch every step; real LiteRT and
// onnxruntime-node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { runOnnx } from '../../src/runtime/ort';
import { activationParams } from '../../src/quantize/int8';
import { chooseInt16Ops } from '../../src/quantize/mixed-precision';
import { Int8Phases } from '../../src/quantize/int8-phases';
import { SearchBudget, WALL_CAP, candidateWorkMs } from '../../src/quantize/search-budget';
import type { Tensor } from '../../src/ir/types';
import { outlierChain, rng } from './helpers';

const C = 8;

const sample = (seed: number): Tensor[] => {
  const data = Float32Array.from({ length: C * 16 }, rng(seed));
  for (let i = 0; i < 16; i++) data[i] *= 0.001;
  return [{ name: 'x', dtype: 'float32', dims: [1, C, 4, 4], data }];
};

/** Sleeps `ms` without spinning (the thread blocks, as one the scheduler leaves waiting does). */
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** The search on a 64-conv chain (weight-ranking.test.ts' outlier chain) with a budget of `seconds`; `slow`: ms the
 *  progress callback sleeps on each line. */
async function search(seconds: number, slow: number) {
  // The wall-clock ceiling (a last resort) out of reach: the work alone decides.
  const budget = new SearchBudget(seconds, undefined, 3600);
  const bytes = outlierChain(64, 2, 5, C);
  const result = convertModel(decodeModel(bytes));
  const samples = [sample(1), sample(2)];
  const refs = await Promise.all(samples.map((s) => runOnnx(bytes, s)));
  const ranges = new Map<number, { min: number; max: number }>();
  result.model.subgraphs[0].tensors.forEach((t, i) => { if (t.type === 'FLOAT32' && !t.data) ranges.set(i, { min: 0, max: 1.5 }); });
  const params = activationParams(result, ranges);
  const lines: string[] = [];
  const phases = new Int8Phases((p) => { lines.push(p.message.replace(/ \(\d+ s\)$/, '')); if (slow) sleep(slow); });
  const choice = await chooseInt16Ops(result, decodeModel(bytes), samples, params, {}, 'auto', Infinity, refs, undefined, undefined, phases, budget);
  return { choice, lines, ops: result.model.subgraphs[0].operators.length };
}

const sorted = (s: Set<number | string>) => [...s].map(String).sort();

test('the search stopped by its budget makes the same choice on a slow run as on a fast one', async () => {
  // A budget that stops the search part way (~25 of the chain's candidates), so the budget decides where it stops; the
  // slow run sleeps 0.3 s a progress line, several times what a candidate here takes, so a wall-clock limit of the
  // same seconds would stop it candidates earlier.
  const seconds = 2;
  const fast = await search(seconds, 0);
  const slow = await search(seconds, 300);
  assert.equal(fast.choice.stopped, true, fast.lines.join('\n'));
  assert.equal(slow.choice.candidates, fast.choice.candidates, `candidates measured: fast\n${fast.lines.join('\n')}\nslow\n${slow.lines.join('\n')}`);
  assert.deepEqual(slow.lines, fast.lines, 'the same steps');
  assert.deepEqual(sorted(slow.choice.floatOps), sorted(fast.choice.floatOps));
  assert.deepEqual(sorted(slow.choice.int16Ops), sorted(fast.choice.int16Ops));
  assert.deepEqual(sorted(slow.choice.floatWeights), sorted(fast.choice.floatWeights));
  assert.equal(slow.choice.cosine, fast.choice.cosine);
});

test('candidateWorkMs: a fixed part, a part per op and the estimated runs; the wall-clock ceiling is a last resort', async () => {
  const result = convertModel(decodeModel(outlierChain(16, 2, 5, C)));
  const one = candidateWorkMs(result.model, 1);
  const eight = candidateWorkMs(result.model, 8);
  assert.ok(eight > one && one > 0);
  const bigger = convertModel(decodeModel(outlierChain(64, 2, 5, C)));
  assert.ok(candidateWorkMs(bigger.model, 8) > eight, 'more ops, more work');
  // The wall clock stops the search only past WALL_CAP times the budget, and says so.
  let now = 0;
  const budget = new SearchBudget(10, () => now);
  now = 10_001 * WALL_CAP - 10;
  assert.equal(budget.stop(), false, 'past the budget in wall time, not in work');
  now = 10_001 * WALL_CAP;
  assert.equal(budget.stop(), true);
  assert.ok(budget.stopped && budget.wallCapped);
});
