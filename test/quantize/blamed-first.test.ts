// The int8 search's first step (src/quantize/blamed-first.ts): the layers compare's per-layer split of plain int8
// blames (largest SNR drop) leave int8 before any ranking, on the real LiteRT against onnxruntime-node. DEKR
// (s23-budget): the guard blamed its adaptive convs' offsets after 95 candidates and 806 s in which no ranked step had
// reached them, the grouped rankings having put the stem's convs first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { runOnnx } from '../../src/runtime/ort';
import { activationParams } from '../../src/quantize/int8';
import { chooseInt16Ops } from '../../src/quantize/mixed-precision';
import { Int8Phases } from '../../src/quantize/int8-phases';
import { SearchBudget } from '../../src/quantize/search-budget';
import type { Tensor } from '../../src/ir/types';
import { outlierChain, rng } from './helpers';

const C = 8;
const N = 40;
const BAD = 27;

/** N 1×1 convs near the identity; conv BAD's rows read channel 0 (0 in the input) with a weight of 60 beside weights
 *  of ±0.5 (helpers.ts outlierChain): the one badly quantized layer deep in the chain, its input exact. */
const chainModel = (): Uint8Array => outlierChain(N, BAD, 7, C);

const sample = (seed: number): Tensor[] => {
  const data = Float32Array.from({ length: C * 16 }, rng(seed));
  data.fill(0, 0, 16);
  return [{ name: 'x', dtype: 'float32', dims: [1, C, 4, 4], data }];
};

test('the layer compare blames is the search\'s first step: one badly quantized conv deep in a chain meets the guard at once', async () => {
  const bytes = chainModel();
  const result = convertModel(decodeModel(bytes));
  const samples = [sample(1), sample(2)];
  const refs = await Promise.all(samples.map((s) => runOnnx(bytes, s)));
  const ranges = new Map<number, { min: number; max: number }>();
  result.model.subgraphs[0].tensors.forEach((t, i) => { if (t.type === 'FLOAT32' && !t.data) ranges.set(i, { min: -2, max: 2 }); });
  const params = activationParams(result, ranges);
  const budget = new SearchBudget(1e9);
  const lines: string[] = [];
  const phases = new Int8Phases((p) => lines.push(`${budget.candidates} ${p.message}`));
  const choice = await chooseInt16Ops(result, decodeModel(bytes), samples, params, {}, 'auto', Infinity, refs, undefined, undefined, phases, budget);
  const said = lines.join('\n');
  const sg = result.model.subgraphs[0];
  assert.ok(choice.met && choice.int8Cosine < choice.cosine, `met the guard from plain ${choice.int8Cosine.toFixed(4)}:\n${said}`);
  assert.ok([...choice.floatOps].some((k) => sg.operators[k].onnxNode === `conv${BAD}`), said);
  // Not conv0 (its exact input counts as 60 dB in the guard's drop: exact → 37 dB ranks first there) but conv BAD
  // (26 → 12 dB), alone.
  assert.ok(lines.some((l) => new RegExp(`blamed step 1: .* around conv${BAD}$`).test(l.replace(/ \(\d+ s\)$/, ''))), said);
  // Without it, the activations' ranking (7 groups, then the worst alone) and its steps come first.
  assert.ok(!lines.some((l) => /ranked \d+ \/ \d+/.test(l)), said);
  assert.ok((choice.candidates ?? 0) <= 1 + 1, `${choice.candidates} candidates:\n${said}`);
});
