// Multi-label sigmoid outputs judged by their decisions at 0.5 (src/quantize/multi-label.ts): ThePitchDetect's eight
// note sigmoids (s29-trained12) were written by int8 at guard cosine 0.9959 while 55 of 1,600 note decisions moved.
// Real LiteRT against onnxruntime-node on a builder graph, 16 random calibration samples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { outputRoles } from '../../src/quantize/output-roles';
import { labelDecisions } from '../../src/quantize/multi-label';
import { makeTensor } from '../../src/ir/tensor';

const L = 16;
const MID = 11;

/** labels = σ(x·W + b) over 16 labels: label 0's logit spans ±20 (40·x0 − 20, stretching the dense output's int8 step
 *  to ~0.16), labels 1-10 decided (logits ±10: the output mostly decides, as a tagger's does), labels 11-15 straddle 0
 *  within ±0.05 (0.1·x_k − 0.05): int8 rounds them to one or two levels and about half of their decisions at 0.5
 *  move, while the probabilities move by ~0.01 and the cosine stays over 0.999. */
export function labelsModel(): Uint8Array {
  const w = new Array(L * L).fill(0);
  w[0] = 40;
  for (let k = MID; k < L; k++) w[k * L + k] = 0.1;
  const b = Array.from({ length: L }, (_, k) => (k === 0 ? -20 : k < MID ? (k % 2 ? 10 : -10) : -0.05));
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, L]]], outputs: [['notes', 'float32', [1, L]]],
    initializers: [tensor('w', 'float32', [L, L], w), tensor('b', 'float32', [L], b)],
    nodes: [node('Gemm', ['x', 'w', 'b'], ['logits']), node('Sigmoid', ['logits'], ['notes'])],
  }));
}

test('a sigmoid of a dense layer is read as labels; a sigmoid map of a conv is not', async () => {
  const roles = async (bytes: Uint8Array) => {
    const { result } = await quantizeModelBytes(bytes, 'm.onnx', {}, { mode: 'fp16' });
    return outputRoles(result.model.subgraphs[0], result.metadata);
  };
  assert.deepEqual([...(await roles(labelsModel())).labels ?? []], ['notes']);
  const map = encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 1, 8, 8]]], outputs: [['m', 'float32', [1, 1, 8, 8]]],
    initializers: [tensor('w', 'float32', [1, 1, 1, 1], [2])],
    nodes: [node('Conv', ['x', 'w'], ['c']), node('Sigmoid', ['c'], ['m'])],
  }));
  assert.equal((await roles(map)).labels, undefined);
});

test('decisions at 0.5: flips a 2% rate explains are met, more are not; near-ties are not counted', () => {
  const t = (v: number[]) => [new Map([['y', makeTensor('y', 'float32', [v.length], Float32Array.from(v))]])];
  const ref = Array.from({ length: 200 }, (_, i) => (i % 2 ? 0.95 : 0.05));
  const oneFlip = ref.map((v, i) => (i === 3 ? 0.4 : v));
  assert.equal(labelDecisions(t(ref), t(oneFlip), new Set(['y']), 0.98)!.held, 199);
  assert.ok(labelDecisions(t(ref), t(oneFlip), new Set(['y']), 0.98)!.cosine >= 0.99);
  const many = ref.map((v, i) => (i < 20 ? 1 - v : v));
  assert.ok(labelDecisions(t(ref), t(many), new Set(['y']), 0.98)!.cosine < 0.99);
  const tie = labelDecisions(t([0.5004, 0.99, 0.01]), t([0.4996, 0.99, 0.01]), new Set(['y']), 0.98)!;
  assert.deepEqual([tie.decisions, tie.held, tie.ties], [2, 2, 1]);
  // Values, not decisions (most of them in (0.1, 0.9): colours, reconstructions): not judged.
  assert.equal(labelDecisions(t([0.3, 0.6, 0.7]), t([0.3, 0.4, 0.7]), new Set(['y']), 0.98), undefined);
});

test('int8 that moves label decisions is refused, or written only with them held (main: written at cosine > 0.999)', async () => {
  await assert.rejects(quantizeModelBytes(labelsModel(), 'labels.onnx', {}, { mode: 'int8', int16: 'off' }),
    (e: Error) => e.name === 'ModelError' && /notes read as labels \(sigmoids decided at 0\.5\): \d+ of \d+ decisions held \(more flips than/.test(e.message)
      && /nothing written/.test(e.message), 'plain');
  // By default the search may keep ops float32: written only with the decisions held, else refused on them.
  const w = await quantizeModelBytes(labelsModel(), 'labels.onnx', {}, { mode: 'int8' }).catch((e: Error) => e);
  if (w instanceof Error) {
    assert.match(w.message, /notes read as labels \(sigmoids decided at 0\.5\): \d+ of \d+ decisions held \(more flips than/);
    return;
  }
  const g = w.summary.guard!;
  assert.ok(g.met && (g.layouts?.labels?.cosine ?? 0) >= 0.99 && (g.layoutGuard?.labels?.cosine ?? 0) >= 0.99, JSON.stringify(g));
});
