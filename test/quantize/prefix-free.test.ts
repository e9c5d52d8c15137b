// The int8 search's ranked steps tried without the float32 prefix (src/quantize/prefix-free.ts cheaperSteps): the
// first chunk of ranked points that meets the guard below the prefix's estimated cost replaces the prefix choice; a
// chunk that does not raise the measure is left out as the search's steps do; the cost and size bounds and the time
// limit end the walk. Fake candidates and scores: the chunking and the bounds, not the model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConvertResult } from '../../src/convert/convert';
import { cheaperSteps, type StepCandidate } from '../../src/quantize/prefix-free';
import type { OutputScore, RoundingPoint } from '../../src/quantize/sensitivity';

const ranked: RoundingPoint[] = Array.from({ length: 10 }, (_, k) => ({ tensor: k, ops: [k], measure: k }));
const STEPS = [1, 2, 3, 4, 6, 8];
/** A candidate's ops are its points' ops; each op costs 1 ms, each point's result names its ops. */
const candidateOf = (points: RoundingPoint[]): StepCandidate => {
  const ops = new Set(points.flatMap((p) => p.ops));
  return { result: { ops } as unknown as ConvertResult, floatOps: ops, int16Ops: new Set(), costMs: ops.size, bytes: 100 + ops.size };
};
/** Cosine rises by `gain[op]` over 0.9 for each op kept float; the guard is met at 0.995. */
const scorer = (gain: number[]) => async (r: ConvertResult): Promise<OutputScore> => {
  const c = 0.9 + [...(r as unknown as { ops: Set<number> }).ops].reduce((a, k) => a + (gain[k] ?? 0), 0);
  return { cosine: c, snrDb: 10 * c, objective: c, ms: 1 };
};
const met = (s: OutputScore) => s.cosine >= 0.995;

test('the first chunk that meets the guard below the bound is returned, with the points that buy nothing left out', async () => {
  // op 1 lowers the measure (left out); ops 0, 2, 3 together meet it.
  const got = await cheaperSteps(ranked, STEPS, candidateOf, scorer([0.04, -0.01, 0.03, 0.03]), met, { costMs: 10, bytes: 1000 });
  assert.ok(got);
  assert.deepEqual([...got.candidate.floatOps].sort(), [0, 2, 3]);
  assert.ok(got.score.cosine >= 0.995);
});

test('no candidate at or past the estimated cost of the choice it would replace, nor past the size bound, nor after stop', async () => {
  const gain = [0.02, 0.02, 0.02, 0.02, 0.02];
  assert.equal(await cheaperSteps(ranked, STEPS, candidateOf, scorer(gain), met, { costMs: 6, bytes: 1000 }), undefined); // met with 6 ops (cost 6)
  assert.equal((await cheaperSteps(ranked, STEPS, candidateOf, scorer(gain), met, { costMs: 7, bytes: 1000 }))?.candidate.floatOps.size, 6);
  assert.equal(await cheaperSteps(ranked, STEPS, candidateOf, scorer(gain), met, { costMs: 10, bytes: 103 }), undefined);
  assert.equal(await cheaperSteps(ranked, STEPS, candidateOf, scorer(gain), met, { costMs: 10, bytes: 1000 }, () => true), undefined);
});
