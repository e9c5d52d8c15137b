// A model whose outputs do not survive float16 weights is refused at once in int8: the range alternatives, GPTQ and
// the mixed-precision search (ALIKED-style ranked selections spent its whole 600 s there) are not run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quantizeModelBytes } from '../../src/quantize/file';
import type { Int8Progress } from '../../src/quantize/int8-phases';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { rng, smallCnn } from './helpers';

/** y = x·W1 − x·W2 with W2 = W1 + 2e-5 noise: the difference of two near-equal products. float16 storage rounds W1
 *  and W2 (2048 values each) by ~2.4e-4 of their size, far more than they differ; int8 rounds them coarser still. */
function cancellingModel(): Uint8Array {
  const r = rng(9);
  const w1 = Array.from({ length: 64 * 32 }, () => r() * 2 - 1);
  const w2 = w1.map((v) => v + (r() - 0.5) * 4e-5);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 64]]], outputs: [['y', 'float32', [1, 32]]],
    initializers: [tensor('w1', 'float32', [64, 32], w1), tensor('w2', 'float32', [64, 32], w2)],
    nodes: [node('MatMul', ['x', 'w1'], ['a'], {}, 'mm1'), node('MatMul', ['x', 'w2'], ['b'], {}, 'mm2'), node('Sub', ['a', 'b'], ['y'], {}, 'diff')],
  }));
}

test('int8 of a model that float16 weights already break is refused without the search, saying so', async () => {
  const bytes = cancellingModel();
  const fp16 = await quantizeModelBytes(bytes, 'cancel.onnx', {}, { mode: 'fp16' });
  assert.ok(fp16.summary.mode === 'fp16');
  const lines: Int8Progress[] = [];
  await assert.rejects(quantizeModelBytes(bytes, 'cancel.onnx', {}, { mode: 'int8', count: 4, onProgress: (p) => lines.push(p) }),
    (e: Error) => {
      assert.match(e.message, /output cosine -?\d\.\d+ .* below --min-cosine 0\.99/);
      assert.match(e.message, /with float16 weights \(--quantize fp16\) it reaches only -?\d\.\d{4}, so no int8 search was run/);
      assert.match(e.message, /nothing written/);
      return true;
    });
  const said = lines.map((l) => l.message).join('\n');
  assert.match(said, /scoring float16 weights/);
  assert.doesNotMatch(said, /GPTQ|percentile|ranking activations/, said);
  // --allow-degraded: the model is written, so the search still tries what it can (the bound is not used).
  const degraded = await quantizeModelBytes(bytes, 'cancel.onnx', {}, { mode: 'int8', count: 4, allowDegraded: true });
  assert.equal(degraded.summary.fp16Cosine, undefined);
  assert.ok((degraded.summary.searchCandidates ?? 0) > 1, `candidates ${degraded.summary.searchCandidates}`);
});

test('a model whose float16 form meets the guard is not bounded: plain int8 misses, the search runs as before', async () => {
  // smallCnn against a guard between its plain int8 and 1: fp16 (its weights are all under 1024 values: float32) meets it.
  const probe = await quantizeModelBytes(smallCnn(), 'small.onnx', {}, { mode: 'int8' });
  const minCosine = 1 - 0.5 * (1 - probe.summary.nearestCosine!);
  const lines: Int8Progress[] = [];
  await quantizeModelBytes(smallCnn(), 'small.onnx', {}, { mode: 'int8', minCosine, onProgress: (p) => lines.push(p) }).catch(() => undefined);
  const said = lines.map((l) => l.message).join('\n');
  assert.match(said, /scoring float16 weights/);
  assert.doesNotMatch(said, /no int8 search/);
  assert.match(said, /GPTQ weight rounding/);
});
