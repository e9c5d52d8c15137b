// optimum's merged decoders (decoder_model_merged.onnx: an If on the bool input use_cache_branch, the decoder with
// past_key_values in the then-branch, without in the else-branch) on real LiteRT against onnxruntime-node, as
// Transformers.js and onnxruntime-genai users bring them: the branch picked with --input-value use_cache_branch=…
// and the past length with --input-shape (0 without the cache, as optimum feeds it); without --input-value a TFLite
// IF when both branches give the same shapes, else one line naming the flag. Fixture: scripts/export/merged-decoder.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { readModelFile } from '../../src/onnx/reader';
import type { Tensor } from '../../src/ir/types';
import { seededUniform } from '../../src/core/random';
import { convertAndMatch } from '../helpers/match';
import { parseTflite } from '../../src/tflite/reader';
import { serializeTflite } from '../../src/tflite/writer';

const FILE = 'test/fixtures/control-flow/decoder_model_merged.onnx';
const PAST = ['past_key_values.0.key', 'past_key_values.0.value'];

function values(n: number, seed: number): Float32Array {
  const next = seededUniform(seed);
  return Float32Array.from({ length: n }, () => next() * 2 - 1);
}

/** Token ids 3, 10, 17... (vocabulary 50), an attention mask over past + seq with the first position padded (the
 *  no-cache branch attends over seq only: then the mask covers seq), a random past of `past` positions,
 *  use_cache_branch = `cache`. */
function feeds(seq: number, past: number, cache: boolean): Tensor[] {
  const ids: Tensor = { name: 'input_ids', dtype: 'int64', dims: [1, seq], data: BigInt64Array.from({ length: seq }, (_, i) => BigInt((3 + 7 * i) % 50)) };
  const total = cache ? past + seq : seq;
  const mask: Tensor = { name: 'attention_mask', dtype: 'int64', dims: [1, total], data: BigInt64Array.from({ length: total }, (_, i) => (i === 0 && total > 1 ? 0n : 1n)) };
  const pasts = PAST.map((name, k): Tensor => ({ name, dtype: 'float32', dims: [1, 2, past, 16], data: values(2 * past * 16, 11 + k) }));
  return [ids, mask, ...pasts, { name: 'use_cache_branch', dtype: 'bool', dims: [1], data: Uint8Array.from([cache ? 1 : 0]) }];
}

function shapes(seq: number, past: number, cache = true): Map<string, number[]> {
  return new Map([['input_ids', [1, seq]], ['attention_mask', [1, cache ? past + seq : seq]], ...PAST.map((n) => [n, [1, 2, past, 16]] as [string, number[]])]);
}

async function match(seq: number, past: number, cache: boolean, inputValues?: Map<string, number[]>) {
  const m = await convertAndMatch(FILE, readModelFile(FILE), feeds(seq, past, cache), { inputShapes: shapes(seq, past, cache), inputValues });
  for (const o of m.outputs) assert.ok(o.rel <= 1e-4, `cache ${cache}, past ${past}: ${o.name} max|diff| ${o.maxDiff}, max|ref| ${o.maxRef}`);
  assert.deepEqual(m.outputs.map((o) => o.name).sort(), ['logits', 'present.0.key', 'present.0.value']);
  return m;
}

test('--input-value use_cache_branch=1 with a past of 3: the cache branch is inlined and matches onnxruntime', async () => {
  const m = await match(1, 3, true, new Map([['use_cache_branch', [1]]]));
  const r = m.result;
  assert.equal(r.model.subgraphs.length, 1, 'no IF subgraphs');
  assert.equal(r.opHistogram.IF, undefined);
  assert.equal(r.opHistogram.CONCATENATION, 2, 'past keys and values concatenated before the new ones');
  assert.equal(r.opHistogram.SHAPE, undefined, 'the masks fold from the static lengths');
  assert.deepEqual(r.metadata.inputs.map((i) => i.onnx), ['input_ids', 'attention_mask', ...PAST]);
  // The inlined branch's outputs (t_logits, t_k_all, t_v_all) carry the graph's own names, in the signature too.
  const sig = parseTflite(serializeTflite(r.model)).signatures?.[0];
  assert.deepEqual(sig?.outputs.map((o) => o.name), ['logits', 'present.0.key', 'present.0.value']);
  assert.deepEqual(sig?.inputs.map((o) => o.name), ['input_ids', 'attention_mask', ...PAST]);
});

test('--input-value use_cache_branch=0: past of 0 (as optimum feeds it) frozen empty, past of 1 ignored; both match', async () => {
  const empty = await match(4, 0, false, new Map([['use_cache_branch', [0]]]));
  assert.deepEqual(empty.result.metadata.inputs.map((i) => i.onnx), ['input_ids', 'attention_mask'], 'the empty past leaves the model');
  assert.ok(empty.result.warnings.some((w) => w.includes('have no elements')), empty.result.warnings.join('\n'));
  assert.deepEqual(empty.result.metadata.inputValues?.map((v) => [v.onnx, v.dims.join()]),
    [['use_cache_branch', '1'], ...PAST.map((n) => [n, '1,2,0,16'])], 'onnxruntime is fed the empty past from the metadata');
  const one = await match(4, 1, false, new Map([['use_cache_branch', [0]]]));
  assert.equal(one.result.opHistogram.CONCATENATION, undefined, 'the cache branch is gone');
});

test('no --input-value, past 0: both branches give the same shapes, so a TFLite IF that matches either way', async () => {
  for (const cache of [true, false]) {
    const m = await match(4, 0, cache);
    assert.equal(m.result.opHistogram.IF, 1);
    // The causal mask's lengths fold from the empty past's dims: a run-time RANGE would leave the branch with
    // run-time-sized tensors, and LiteRT cannot allocate an IF output then.
    assert.equal(m.result.opHistogram.RANGE, undefined, JSON.stringify(m.result.opHistogram));
    assert.equal(m.result.model.subgraphs.length, 3);
  }
});

test('no --input-value, past 3: the branches\' present shapes differ, refused in one line naming --input-value use_cache_branch', () => {
  assert.throws(() => convertModel(readModelFile(FILE), { inputShapes: shapes(1, 3) }), (e: Error) => {
    assert.match(e.message, /^node optimum::if: If output "present\.0\.key" is \[1, 2, 4, 16\] in the then branch and \[1, 2, 1, 16\] in the else branch; .*--input-value use_cache_branch=1 or use_cache_branch=0$/);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
});
