// onnxruntime-optimized transformers end to end (test/fixtures/ort-transformers, see its README): a tiny BERT and a
// tiny GPT-2 decoder with KV cache exported by torch 1.13, and the graphs onnxruntime.transformers.optimizer makes of
// them (EmbedLayerNormalization, Attention with the 1-D mask_index or the raw mask, past/present and
// unidirectional, SkipLayerNormalization, BiasGelu / FastGelu). The fused graphs compute what the torch exports
// compute (both on onnxruntime); each converts with only --input-shape, runs on real LiteRT and matches
// onnxruntime within 1e-4 of max|ref| on every output; attention keeps only its head split and merge TRANSPOSEs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { makeTensor } from '../../src/ir/tensor';
import type { Tensor } from '../../src/ir/types';
import { readModelFile } from '../../src/onnx/reader';
import { seededUniform } from '../../src/core/random';
import { convertAndMatch } from '../helpers/match';

const FIX = 'test/fixtures/ort-transformers';

const i64 = (name: string, dims: number[], v: number[]) => makeTensor(name, 'int64', dims, BigInt64Array.from(v.map(BigInt)));
function floats(name: string, dims: number[], seed: number): Tensor {
  const rnd = seededUniform(seed);
  return makeTensor(name, 'float32', dims, Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rnd() * 2 - 1));
}
function ids(name: string, dims: number[], seed: number, vocab = 64): Tensor {
  const rnd = seededUniform(seed);
  return i64(name, dims, Array.from({ length: dims[0] * dims[1] }, () => Math.floor(rnd() * vocab)));
}

/** BERT feeds: two rows, the second right-padded after 5 tokens, two segments each. */
const bertFeeds = (): Tensor[] => [ids('input_ids', [2, 8], 1), i64('token_type_ids', [2, 8], [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0]),
  i64('attention_mask', [2, 8], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0])];

/** GPT-2 feeds: S new tokens after P cached ones, batch 2; the second row's first cached key is padding. */
function gpt2Feeds(S: number, P: number): Tensor[] {
  const mask = [...new Array(P + S).fill(1), 0, ...new Array(P + S - 1).fill(1)];
  return [ids('input_ids', [2, S], 2), i64('position_ids', [2, S], [...Array.from({ length: S }, (_, s) => P + s), ...Array.from({ length: S }, (_, s) => P + s)]),
    i64('attention_mask', [2, P + S], mask), floats('past_0', [2, 2, 4, P, 8], 3), floats('past_1', [2, 2, 4, P, 8], 4)];
}
const gpt2Shapes = (S: number, P: number) => new Map([['input_ids', [2, S]], ['position_ids', [2, S]], ['attention_mask', [2, P + S]], ['past_0', [2, 2, 4, P, 8]], ['past_1', [2, 2, 4, P, 8]]]);

/** LLaMA feeds: as GPT-2's, with past keys and values apart, [B, N, P, d] each. */
function llamaFeeds(S: number, P: number): Tensor[] {
  const [ids0, pos, mask] = gpt2Feeds(S, P);
  return [ids0, pos, mask, ...['past_key_0', 'past_value_0', 'past_key_1', 'past_value_1'].map((n, j) => floats(n, [2, 4, P, 8], 5 + j))];
}
const llamaShapes = (S: number, P: number) => new Map([['input_ids', [2, S]], ['position_ids', [2, S]], ['attention_mask', [2, P + S]],
  ...['past_key_0', 'past_value_0', 'past_key_1', 'past_value_1'].map((n) => [n, [2, 4, P, 8]] as [string, number[]])]);

async function ortRun(file: string, feeds: Tensor[]): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(file);
  const r = await s.run(Object.fromEntries(feeds.map((t) => [t.name, new ort.Tensor(t.dtype as 'float32' | 'int64', t.data as Float32Array, t.dims)])));
  await s.release();
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.data as Float32Array]));
}

function maxRel(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); m = Math.max(m, Math.abs(a[i])); }
  return d / m;
}

test('the fused graphs compute what the torch exports compute (both on onnxruntime)', async () => {
  for (const fused of ['bert_tiny_fused', 'bert_tiny_fused_raw']) {
    const [a, b] = [await ortRun(`${FIX}/bert_tiny.onnx`, bertFeeds()), await ortRun(`${FIX}/${fused}.onnx`, bertFeeds())];
    assert.ok(maxRel(a.last_hidden_state, b.last_hidden_state) < 1e-5, fused);
  }
  for (const [S, P] of [[2, 3], [1, 5]]) {
    const [a, b] = [await ortRun(`${FIX}/gpt2_tiny_past.onnx`, gpt2Feeds(S, P)), await ortRun(`${FIX}/gpt2_tiny_fused.onnx`, gpt2Feeds(S, P))];
    for (const o of ['logits', 'present_0', 'present_1']) assert.ok(maxRel(a[o], b[o]) < 1e-5, `gpt2 S=${S} P=${P} ${o}: ${maxRel(a[o], b[o])}`);
    const [c, d] = [await ortRun(`${FIX}/llama_tiny_past.onnx`, llamaFeeds(S, P)), await ortRun(`${FIX}/llama_tiny_fused.onnx`, llamaFeeds(S, P))];
    for (const o of ['logits', 'present_key_0', 'present_value_1']) assert.ok(maxRel(c[o], d[o]) < 1e-5, `llama S=${S} P=${P} ${o}: ${maxRel(c[o], d[o])}`);
  }
});

// TRANSPOSEs: per layer the head split of the packed q/k/v and the head merge (torch exports' separate q, k, v
// projections are packed into one split; the fused LLaMA's MultiHeadAttention gets q, k, v apart: 3 splits). With
// one new token the heads need no move: [B, 1, N·h] is [B, N, 1, h] in memory.
const CASES: { file: string; feeds: () => Tensor[]; shapes?: Map<string, number[]>; transposes: number; what: string }[] = [
  { file: 'bert_tiny', feeds: bertFeeds, transposes: 4, what: 'torch-exported BERT at batch 2 (separate q, k, v projections packed into one head split)' },
  { file: 'bert_tiny_fused', feeds: bertFeeds, transposes: 4, what: 'onnxruntime-optimized BERT (EmbedLayerNormalization → 1-D mask_index)' },
  { file: 'bert_tiny_fused_raw', feeds: bertFeeds, transposes: 4, what: 'onnxruntime-optimized BERT (raw [B, S] mask into Attention)' },
  { file: 'gpt2_tiny_fused', feeds: () => gpt2Feeds(2, 3), shapes: gpt2Shapes(2, 3), transposes: 4, what: 'onnxruntime-optimized GPT-2, 2 new tokens after 3 cached' },
  { file: 'gpt2_tiny_fused', feeds: () => gpt2Feeds(1, 5), shapes: gpt2Shapes(1, 5), transposes: 0, what: 'onnxruntime-optimized GPT-2, one decoding step after 5 cached' },
  { file: 'gpt2_tiny_past', feeds: () => gpt2Feeds(2, 3), shapes: gpt2Shapes(2, 3), transposes: 4, what: 'torch-exported GPT-2 with past_key_values, 2 new tokens after 3 cached' },
  { file: 'gpt2_tiny_past', feeds: () => gpt2Feeds(1, 5), shapes: gpt2Shapes(1, 5), transposes: 0, what: 'torch-exported GPT-2 with past_key_values, one decoding step after 5 cached' },
  { file: 'llama_tiny_fused', feeds: () => llamaFeeds(2, 3), shapes: llamaShapes(2, 3), transposes: 8, what: 'onnxruntime-optimized LLaMA (RotaryEmbedding, MultiHeadAttention, RMSNorms), 2 new tokens after 3 cached' },
  { file: 'llama_tiny_fused', feeds: () => llamaFeeds(1, 5), shapes: llamaShapes(1, 5), transposes: 0, what: 'onnxruntime-optimized LLaMA, one decoding step after 5 cached' },
  { file: 'llama_tiny_past', feeds: () => llamaFeeds(2, 3), shapes: llamaShapes(2, 3), transposes: 4, what: 'torch-exported LLaMA with past key/values, 2 new tokens after 3 cached' },
  { file: 'llama_tiny_past', feeds: () => llamaFeeds(1, 5), shapes: llamaShapes(1, 5), transposes: 0, what: 'torch-exported LLaMA with past key/values, one decoding step after 5 cached' },
];

for (const c of CASES) {
  test(`${c.what} converts with only --input-shape and matches onnxruntime on LiteRT`, async () => {
    const file = `${FIX}/${c.file}.onnx`;
    const m = await convertAndMatch(file, readModelFile(file), c.feeds(), { inputShapes: c.shapes });
    for (const o of m.outputs) assert.ok(o.rel <= 1e-4, `${o.name}: max rel ${o.rel}`);
    assert.equal(m.result.transposeCount, c.transposes, JSON.stringify(m.result.opHistogram));
  });
}

test('the compatibility view of the dynamic GPT-2 asks for --input-shape; with it, every node of every fixture is marked convertible, as convert does', async () => {
  const { analyzeCompatibility } = await import('../../src/convert/compat');
  const model = readModelFile(`${FIX}/gpt2_tiny_fused.onnx`);
  const open = analyzeCompatibility(model);
  const attention = open.nodes.filter((n) => n.opType === 'Attention' || n.opType === 'EmbedLayerNormalization');
  assert.ok(attention.length === 3 && attention.every((n) => n.status === 'unsupported' && /--input-shape/.test(`${n.reason} ${n.fix}`)), JSON.stringify(attention.map((n) => [n.reason, n.fix])));
  const fixed = analyzeCompatibility(model, { inputShapes: gpt2Shapes(1, 5) });
  assert.equal(fixed.summary.unsupported, 0, JSON.stringify(fixed.nodes.filter((n) => n.status !== 'builtin').map((n) => n.reason)));
  for (const c of CASES) {
    const r = analyzeCompatibility(readModelFile(`${FIX}/${c.file}.onnx`), { inputShapes: c.shapes });
    assert.equal(r.summary.unsupported, 0, `${c.file}: ${JSON.stringify(r.nodes.filter((n) => n.status !== 'builtin').map((n) => n.reason))}`);
  }
});
