// The int8 search runs each set of choices on LiteRT once (src/quantize/candidate-runs.ts CandidateScores): a chain
// whose first layers' activations are clipped keeps a float32 prefix, and the ranked steps whose points lie inside
// it make the same model again (PaddleOCR v4 det's steps k = 1-12 each re-measured its 29-op prefix).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { decodeModel } from '../../src/onnx/reader';
import { activationParams, quantizeInt8 } from '../../src/quantize/int8';
import { CandidateScores, referenceOutputs } from '../../src/quantize/candidate-runs';
import { chooseInt16Ops, cloneResult } from '../../src/quantize/mixed-precision';
import { makeScorer } from '../../src/quantize/sensitivity';
import { Int8Phases } from '../../src/quantize/int8-phases';
import type { Tensor } from '../../src/ir/types';
import { convChain, rng } from './helpers';

/** 40 × (Conv 4→4 3x3 + Tanh) and a 1x1 Conv on 16x16: 81 ops after conversion. */
const chain = () => convChain('Tanh', 1.2, true);
const sample = (seed: number): Tensor[] => {
  const r = rng(seed);
  return [{ name: 'x', dtype: 'float32', dims: [1, 4, 16, 16], data: Float32Array.from({ length: 1024 }, () => r() * 4 - 2) }];
};

function setup() {
  const bytes = chain();
  const onnx = decodeModel(bytes);
  const result = convertModel(onnx);
  const sg = result.model.subgraphs[0];
  // The first four convs' outputs clipped to ±0.3 (a stem's ranges too narrow), the rest ±6.
  const ranges = new Map<number, { min: number; max: number }>();
  sg.tensors.forEach((t, i) => { if (t.type === 'FLOAT32' && !t.data) ranges.set(i, /^c[0-3]$/.test(t.name) ? { min: -0.3, max: 0.3 } : { min: -6, max: 6 }); });
  return { onnx, result, params: activationParams(result, ranges) };
}

test('the search runs a set of choices on LiteRT once: steps inside the float32 prefix reuse its score', async () => {
  const { onnx, result, params } = setup();
  const samples = Array.from({ length: 8 }, (_, k) => sample(k + 1));
  const said: string[] = [];
  const c = await chooseInt16Ops(result, onnx, samples, params, {}, 'auto', Infinity, undefined, undefined, undefined,
    new Int8Phases((p) => said.push(p.message)));
  const prefix = said.find((m) => /float32 prefix/.test(m));
  const steps = said.filter((m) => /^int8 search: step \d+:/.test(m)).map((m) => m.replace(/^int8 search: step \d+: /, '').replace(/ \(best.*/, ''));
  assert.ok(prefix, said.join('\n'));
  // Steps that made the same set again (their progress lines say the same op counts as one before them).
  const again = steps.filter((s, k) => steps.indexOf(s) < k).length;
  assert.ok((c.repeats ?? 0) >= 1, `repeats ${c.repeats}; steps: ${steps.join(' | ')}`);
  assert.ok((c.repeats ?? 0) >= again, `repeats ${c.repeats} < ${again} repeated steps`);
});

test('CandidateScores: the same choices are run once, other choices and untagged models every time', async () => {
  const { onnx, result, params } = setup();
  const samples = [sample(1), sample(2)];
  const scorer = await makeScorer(result, samples, await referenceOutputs(onnx, samples));
  let runs = 0;
  const scores = new CandidateScores(async (r: ReturnType<typeof quantizeInt8>) => { runs++; return scorer.score(r.model, r.metadata); });
  const build = (floatOps: Set<number>) => scores.tag(quantizeInt8(cloneResult(result), params, { floatOps }), floatOps);
  const a = await scores.score(build(new Set([0, 1, 2])));
  const b = await scores.score(build(new Set([2, 1, 0])));
  assert.equal(runs, 1, 'the same set in another order is the same candidate');
  assert.equal(b, a);
  await scores.score(build(new Set([0, 1])));
  assert.equal(runs, 2);
  await scores.score(quantizeInt8(cloneResult(result), params, { floatOps: new Set([0, 1]) }));
  assert.equal(runs, 3, 'an untagged model runs');
  assert.equal(scores.hits, 1);
});
