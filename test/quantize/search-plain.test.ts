// When the int8 search's choice gives way to plain int8, and what the search's measure reads (src/quantize/search-plain.ts,
// sensitivity.ts makeScorer): candidates whose cosines scatter around plain int8's are noise (FastestDet: 31 ops
// float32 kept at 0.9955 against plain's 0.9925, no better on the task and slower); a soft sigmoid output (a gain
// applied as it is, DTLN's mask) is measured as values, as the guard judges it, not as a thresholded map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIN_SCATTER_CANDIDATES, candidateScatter } from '../../src/quantize/search-plain';
import { makeScorer } from '../../src/quantize/sensitivity';
import { convertModel } from '../../src/convert/convert';
import { decodeModel } from '../../src/onnx/reader';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import type { Tensor } from '../../src/ir/types';
import { rng } from './helpers';

test('candidateScatter: FastestDet\'s candidates are noise around plain int8; a climbing search is not', () => {
  // s26-det4's trace: plain 0.9925, the candidates run (blamed steps, float32 prefixes, ranked and weights steps), the
  // chosen 0.9955 last.
  const plain = 0.9925;
  const fd = [plain, 0.9916, 0.9915, 0.9924, 0.992, 0.9914, 0.9944, 0.9912, 0.994, 0.9916, 0.9937, 0.9947, 0.9943, 0.9932, 0.9955];
  const s = candidateScatter(plain, 0.9955, fd);
  assert.equal(s.candidates, fd.length - 2);
  assert.ok(Math.abs(s.spread - (0.9947 - 0.9912)) < 1e-9 && Math.abs(s.gain - 0.003) < 1e-9, JSON.stringify(s));
  assert.equal(s.noise, true);
  // A search that climbs (the 64-conv chain: plain 0.8524, its candidates 0.95-0.96): the spread is as wide as the
  // gain, but every candidate is above plain.
  const climb = [0.8524, 0.8611, 0.9557, 0.9557, 0.9561, 0.9567, 0.9602];
  assert.equal(candidateScatter(0.8524, 0.9602, climb).noise, false);
  // A gain beyond the spread, or too few candidates to read one.
  assert.equal(candidateScatter(plain, 0.9985, [...fd.slice(0, -1), 0.9985]).noise, false);
  assert.equal(candidateScatter(plain, 0.9955, fd.slice(0, MIN_SCATTER_CANDIDATES + 1).concat(0.9955)).noise, false);
});

/** y = sigmoid(a·x + b) over [1, 1, 16, 16], x in [0, 1). */
function sigmoidMap(a: number, b: number): Uint8Array {
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 1, 16, 16]]], outputs: [['y', 'float32', [1, 1, 16, 16]]],
    initializers: [tensor('a', 'float32', [], [a]), tensor('b', 'float32', [], [b])],
    nodes: [node('Mul', ['x', 'a'], ['ax']), node('Add', ['ax', 'b'], ['logits']), node('Sigmoid', ['logits'], ['y'])],
  }));
}

async function taskOf(bytes: Uint8Array) {
  const result = convertModel(decodeModel(bytes));
  const samples: Tensor[][] = [1, 2, 3, 4].map((seed) => [{ name: 'x', dtype: 'float32', dims: [1, 1, 16, 16], data: Float32Array.from({ length: 256 }, rng(seed)) }]);
  const refs = await Promise.all(samples.map((s) => runOnnx(bytes, s)));
  const scorer = await makeScorer(result, samples, refs);
  // The float32 model against itself: only what the measure is matters here.
  return (await scorer.score(result.model, result.metadata)).task;
}

test('the search measures a soft sigmoid output as values, as the guard judges it; a probability map stays a mask', async () => {
  // Gains in (0.27, 0.73): every value inside the soft band (task-signal.ts softOutputs).
  assert.equal(await taskOf(sigmoidMap(2, -1)), undefined, 'a soft gain: no mask task, the SNR');
  // A map read thresholded: logits ±20 around x = 0.5, values near 0 or 1.
  assert.equal((await taskOf(sigmoidMap(80, -40)))?.kind, 'mask');
});
