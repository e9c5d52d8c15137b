// The search's ranking (src/quantize/sensitivity.ts rankRoundingPoints): √n groups of rounding points, then the worst
// groups' points one by one. It refined the worst quarter of the groups, ~n/4 LiteRT runs: CREStereo's ~730 points
// took 196 runs of 3-10 s (load 20-25), its whole 600-s search, before any step. The refinement is now bounded to
// max(REFINE_RUNS, 2·√n) runs, whole groups from the worst; models up to 156 points rank as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { activationParams } from '../../src/quantize/int8';
import { REFINE_RUNS, type Scorer, rankRoundingPoints, refinedGroups, roundingPoints } from '../../src/quantize/sensitivity';

/** y_0 = x, y_k = y_{k-1} + x: n ADDs of two activations, each its own rounding point. */
function chain(n: number) {
  const nodes = Array.from({ length: n }, (_, k) => node('Add', [k === 0 ? 'x' : `y${k - 1}`, 'x'], [k === n - 1 ? 'y' : `y${k}`]));
  const result = convertModel(decodeModel(encodeModel(buildModel({ inputs: [['x', 'float32', [1, 8]]], outputs: ['y'], opset: 13, nodes, initializers: [] }))));
  const ranges = new Map<number, { min: number; max: number }>();
  result.model.subgraphs[0].tensors.forEach((t, i) => { if (t.type === 'FLOAT32' && !t.data) ranges.set(i, { min: -n, max: n }); });
  return { result, params: activationParams(result, ranges) };
}

async function rankingRuns(n: number): Promise<{ points: number; runs: number }> {
  const { result, params } = chain(n);
  let runs = 0;
  // Each candidate scores lower than the last: the groups measured first rank worst.
  const scorer: Scorer = { baseMs: 1, share: (m) => m, score: async () => { runs++; return { snrDb: -runs, cosine: 1, ms: 1, objective: -runs }; } };
  const ranked = await rankRoundingPoints(result, params, scorer);
  return { points: ranked.length, runs };
}

test('the ranking refines at most max(REFINE_RUNS, 2·√n) points one by one on a model of 300 points', async () => {
  const { points, runs } = await rankingRuns(300);
  const size = Math.ceil(Math.sqrt(points));
  const groups = Math.ceil(points / size);
  assert.ok(points >= 290, `${points} rounding points`);
  // Before: the worst quarter of the 17 groups alone, 101 runs.
  assert.ok(runs <= groups + Math.max(REFINE_RUNS, 2 * size), `${runs} runs for ${points} points (${groups} groups of ${size})`);
});

test('a model of 100 points still refines the worst quarter of its groups', async () => {
  const { points, runs } = await rankingRuns(100);
  const size = Math.ceil(Math.sqrt(points));
  const groups = Math.ceil(points / size);
  assert.equal(roundingPoints(chain(100).result, chain(100).params).length, points);
  assert.equal(runs, groups + Math.ceil(groups / 4) * size, `${runs} runs for ${points} points`);
});

test('refinedGroups: whole groups from the worst within the budget, at least one', () => {
  assert.equal(refinedGroups(Array(27).fill(28), 28), 2);
  assert.equal(refinedGroups(Array(8).fill(8), 8), 2);
  assert.equal(refinedGroups([200], 200), 1);
  assert.equal(refinedGroups([1, 1, 1, 1, 1, 1, 1, 1], 1), 2);
});
