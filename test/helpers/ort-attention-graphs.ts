// Single-op graphs of onnxruntime's com.microsoft EmbedLayerNormalization and Attention in every form its CPU kernel
// runs (mask_index as lengths, end/start positions, a raw [B, T] or [B, S, T] mask; unidirectional; past / present;
// qkv_hidden_sizes; attention_bias), with seeded weights and inputs the op's semantics make meaningful (ids within
// the tables, lengths within the sequence). Used by test/convert/ort-attention.test.ts.
import { seededUniform } from '../../src/core/random';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { makeTensor } from '../../src/ir/tensor';
import type { DType, Model, Tensor } from '../../src/ir/types';

const size = (d: number[]) => d.reduce((a, b) => a * b, 1);

function weights(name: string, dims: number[], seed: number, scale = 0.5): Tensor {
  const rnd = seededUniform(seed);
  return tensor(name, 'float32', dims, Array.from({ length: size(dims) }, () => (rnd() * 2 - 1) * scale));
}

export interface OpCase {
  name: string;
  model: Model;
  feeds: Tensor[];
  /** TRANSPOSE ops the math needs (head split and merge; one query's heads need no move). */
  transposes: number;
}

type Io = [string, DType, number[]];

function msModel(op: string, inputs: string[], outputs: Io[], io: Io[], inits: Tensor[], attrs: Parameters<typeof node>[3]): Model {
  const m = buildModel({ opset: 13, producer: 'onnxruntime transformers optimizer', infer: false, inputs: io, outputs,
    nodes: [{ ...node(op, inputs, outputs.map((o) => o[0]), attrs), domain: 'com.microsoft' }],
    initializers: inits });
  m.opsets.set('com.microsoft', 1);
  return m;
}

const ints = (name: string, dims: number[], values: number[]) => makeTensor(name, 'int32', dims, Int32Array.from(values));
function floats(name: string, dims: number[], seed: number): Tensor {
  const rnd = seededUniform(seed);
  return makeTensor(name, 'float32', dims, Float32Array.from({ length: size(dims) }, () => rnd() * 2 - 1));
}

/** BERT's embeddings: B = 2, S = 5, H = 16, vocabulary 30. */
function embed(name: string, opts: { segments?: boolean; mask?: boolean; positions?: number[]; sum?: boolean; maskIndex?: boolean }): OpCase {
  const [B, S, H] = [2, 5, 16];
  const ids = ints('input_ids', [B, S], [3, 17, 29, 0, 5, 8, 8, 1, 22, 13]);
  const io: Io[] = [['input_ids', 'int32', [B, S]]];
  const feeds = [ids];
  const inputs = ['input_ids', opts.segments ? 'segment_ids' : '', 'word_embedding', 'position_embedding', opts.segments ? 'segment_embedding' : '', 'gamma', 'beta'];
  if (opts.segments) { io.push(['segment_ids', 'int32', [B, S]]); feeds.push(ints('segment_ids', [B, S], [0, 0, 1, 1, 1, 0, 1, 0, 1, 1])); }
  if (opts.mask || opts.positions) inputs.push(opts.mask ? 'mask' : '');
  // Mask rows: right padding, and values other than 0/1 (onnxruntime counts the ones).
  if (opts.mask) { io.push(['mask', 'int32', [B, S]]); feeds.push(ints('mask', [B, S], [1, 1, 1, 0, 0, 1, 2, 1, 1, 0])); }
  if (opts.positions) {
    inputs.push('position_ids');
    const rows = opts.positions.length / S;
    io.push(['position_ids', 'int32', [rows, S]]);
    feeds.push(ints('position_ids', [rows, S], opts.positions));
  }
  const outputs: Io[] = [['embeddings', 'float32', [B, S, H]]];
  if (opts.maskIndex) outputs.push(['mask_index', 'int32', [B]]);
  if (opts.sum) { if (!opts.maskIndex) outputs.push(['', 'float32', []]); outputs.push(['embedding_sum', 'float32', [B, S, H]]); }
  const inits = [weights('word_embedding', [30, H], 1), weights('position_embedding', [8, H], 2), weights('gamma', [H], 4, 1), weights('beta', [H], 5, 0.2)];
  if (opts.segments) inits.push(weights('segment_embedding', [2, H], 3));
  const m = buildModel({ opset: 13, infer: false, inputs: io, outputs: outputs.filter((o) => o[0]),
    nodes: [{ ...node('EmbedLayerNormalization', inputs, outputs.map((o) => o[0]), { epsilon: { type: 'float', value: 1e-12 } }), domain: 'com.microsoft' }],
    initializers: inits });
  m.opsets.set('com.microsoft', 1);
  return { name, model: m, feeds, transposes: 0 };
}

interface AttnOpts {
  B?: number; S?: number; E?: number; heads?: number;
  mask?: { dims: number[]; values: number[] };
  unidirectional?: boolean;
  past?: number;
  present?: boolean;
  qkv?: [number, number, number];
  attentionBias?: number[];
  scale?: number;
}

/** One Attention node on x [B, S, E]. */
function attention(name: string, o: AttnOpts): OpCase {
  const B = o.B ?? 2;
  const S = o.S ?? 4;
  const E = o.E ?? 16;
  const heads = o.heads ?? 2;
  const [hq, hk, hv] = o.qkv ?? [E, E, E];
  const io: Io[] = [['x', 'float32', [B, S, E]]];
  const feeds: Tensor[] = [floats('x', [B, S, E], 11)];
  const inputs = ['x', 'qkv_weights', 'qkv_bias', '', '', ''];
  if (o.mask) { inputs[3] = 'mask_index'; io.push(['mask_index', 'int32', o.mask.dims]); feeds.push(ints('mask_index', o.mask.dims, o.mask.values)); }
  const P = o.past ?? 0;
  if (o.past) {
    inputs[4] = 'past';
    io.push(['past', 'float32', [2, B, heads, P, hq / heads]]);
    feeds.push(floats('past', [2, B, heads, P, hq / heads], 12));
  }
  if (o.attentionBias) {
    inputs[5] = 'attention_bias';
    io.push(['attention_bias', 'float32', o.attentionBias]);
    feeds.push(floats('attention_bias', o.attentionBias, 13));
  }
  while (inputs[inputs.length - 1] === '') inputs.pop();
  const outputs: Io[] = [['y', 'float32', [B, S, hv]]];
  if (o.present) outputs.push(['present', 'float32', [2, B, heads, P + S, hq / heads]]);
  const attrs: Parameters<typeof node>[3] = { num_heads: heads };
  if (o.unidirectional) attrs.unidirectional = 1;
  if (o.qkv) attrs.qkv_hidden_sizes = o.qkv;
  if (o.scale !== undefined) attrs.scale = { type: 'float', value: o.scale };
  const inits = [weights('qkv_weights', [E, hq + hk + hv], 21, 0.4), weights('qkv_bias', [hq + hk + hv], 22, 0.1)];
  return { name, model: msModel('Attention', inputs, outputs, io, inits, attrs), feeds, transposes: S === 1 ? 0 : o.qkv && hq !== hv ? 3 : 2 };
}

export function embedCases(): OpCase[] {
  return [
    embed('EmbedLayerNormalization (segments, mask → mask_index, embedding_sum)', { segments: true, mask: true, maskIndex: true, sum: true }),
    embed('EmbedLayerNormalization without segments (DistilBERT), mask_index without a mask', { maskIndex: true }),
    embed('EmbedLayerNormalization with position_ids [1, S] and embedding_sum', { positions: [4, 3, 2, 1, 0], sum: true }),
    embed('EmbedLayerNormalization with position_ids [B, S] (onnxruntime wants mask_index then)', { segments: true, positions: [0, 1, 2, 3, 4, 7, 6, 5, 0, 1], maskIndex: true }),
  ];
}

export function attentionCases(): OpCase[] {
  return [
    attention('Attention with mask_index lengths [B] (right padding, a row of length 0)', { B: 3, mask: { dims: [3], values: [4, 2, 0] } }),
    attention('Attention with mask_index end and start positions [2B] (left padding)', { mask: { dims: [4], values: [4, 3, 1, 0] } }),
    attention('Attention with a raw [B, T] mask (values 0, 1, 2)', { mask: { dims: [2, 4], values: [1, 1, 0, 2, 0, 1, 1, 0] } }),
    attention('Attention with a raw [B, S, T] mask', { S: 3, mask: { dims: [2, 3, 3], values: [1, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0] } }),
    attention('Attention unidirectional (causal)', { unidirectional: true }),
    attention('Attention unidirectional with a raw [B, S, T] mask and a scale', { S: 3, unidirectional: true, scale: 0.3, mask: { dims: [2, 3, 3], values: [1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1] } }),
    attention('Attention GPT-2 step: past [2, B, N, 3, h], 1 new token, raw [B, T] mask, present (one query: no head moves)', { S: 1, past: 3, present: true, unidirectional: true, mask: { dims: [2, 4], values: [1, 1, 1, 1, 0, 1, 1, 1] } }),
    attention('Attention GPT-2 prompt with past: 3 new tokens after 2, causal, present', { S: 3, past: 2, present: true, unidirectional: true }),
    attention('Attention with lengths [B] and past (lengths count the past too)', { S: 2, past: 2, present: true, mask: { dims: [2], values: [3, 4] } }),
    attention('Attention first step: present without past, causal', { S: 3, present: true, unidirectional: true }),
    attention('Attention with qkv_hidden_sizes (v of another size)', { qkv: [16, 16, 8], mask: { dims: [2], values: [3, 4] } }),
    attention('Attention with attention_bias [1, N, S, T]', { attentionBias: [1, 2, 4, 4] }),
  ];
}

interface MhaOpts {
  B?: number; S?: number; L?: number; D?: number; Dv?: number; heads?: number;
  bias?: boolean;
  mask?: { dims: number[]; values: number[] };
  unidirectional?: boolean;
  past?: number;
  present?: boolean;
  attentionBias?: number[];
}

/** One MultiHeadAttention node on query [B, S, D], key [B, L, D], value [B, L, Dv]. */
function mha(name: string, o: MhaOpts): OpCase {
  const B = o.B ?? 2;
  const S = o.S ?? 4;
  const L = o.L ?? S;
  const D = o.D ?? 16;
  const Dv = o.Dv ?? D;
  const heads = o.heads ?? 2;
  const P = o.past ?? 0;
  const io: Io[] = [['query', 'float32', [B, S, D]], ['key', 'float32', [B, L, D]], ['value', 'float32', [B, L, Dv]]];
  const feeds: Tensor[] = [floats('query', [B, S, D], 31), floats('key', [B, L, D], 32), floats('value', [B, L, Dv], 33)];
  const inputs = ['query', 'key', 'value', o.bias ? 'bias' : '', '', '', '', ''];
  if (o.mask) { inputs[4] = 'key_padding_mask'; io.push(['key_padding_mask', 'int32', o.mask.dims]); feeds.push(ints('key_padding_mask', o.mask.dims, o.mask.values)); }
  if (o.attentionBias) { inputs[5] = 'attention_bias'; io.push(['attention_bias', 'float32', o.attentionBias]); feeds.push(floats('attention_bias', o.attentionBias, 34)); }
  if (P) {
    inputs[6] = 'past_key';
    inputs[7] = 'past_value';
    io.push(['past_key', 'float32', [B, heads, P, D / heads]], ['past_value', 'float32', [B, heads, P, Dv / heads]]);
    feeds.push(floats('past_key', [B, heads, P, D / heads], 35), floats('past_value', [B, heads, P, Dv / heads], 36));
  }
  while (inputs[inputs.length - 1] === '') inputs.pop();
  const outputs: Io[] = [['y', 'float32', [B, S, Dv]]];
  if (o.present) outputs.push(['present_key', 'float32', [B, heads, P + L, D / heads]], ['present_value', 'float32', [B, heads, P + L, Dv / heads]]);
  const attrs: Parameters<typeof node>[3] = { num_heads: heads };
  if (o.unidirectional) attrs.unidirectional = 1;
  const inits = o.bias ? [weights('bias', [2 * D + Dv], 37, 0.2)] : [];
  // Head splits: q, k, v each (one query's and one key's move only unit dims); the merge (not for one query).
  const transposes = (S === 1 ? 0 : 1) + 2 * (L === 1 ? 0 : 1) + (S === 1 ? 0 : 1);
  return { name, model: msModel('MultiHeadAttention', inputs, outputs, io, inits, attrs), feeds, transposes };
}

export function mhaCases(): OpCase[] {
  return [
    mha('MultiHeadAttention self-attention with the projection bias', { bias: true }),
    mha('MultiHeadAttention cross-attention (6 keys for 4 queries, v of another size) with a [B, L] key_padding_mask', { L: 6, Dv: 8, mask: { dims: [2, 6], values: [1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1] } }),
    mha('MultiHeadAttention with key_padding_mask lengths [B]', { bias: true, mask: { dims: [2], values: [2, 4] } }),
    mha('MultiHeadAttention with a [B, S, T] mask', { S: 3, mask: { dims: [2, 3, 3], values: [1, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0] } }),
    mha('MultiHeadAttention decoder step: past_key / past_value of 3, unidirectional, present, attention_bias', { S: 1, past: 3, present: true, unidirectional: true, bias: true, attentionBias: [1, 2, 1, 4] }),
    mha('MultiHeadAttention decoder prompt after 2 cached: causal, [B, T] mask, present', { S: 3, past: 2, present: true, unidirectional: true, mask: { dims: [2, 5], values: [1, 1, 1, 1, 1, 0, 1, 1, 1, 1] } }),
    mha('MultiHeadAttention first step: present without past', { S: 3, present: true, unidirectional: true }),
  ];
}

/** cos / sin caches [maxPos, half] of RoPE with base 10000. */
function ropeCaches(maxPos: number, half: number): [Tensor, Tensor] {
  const cos: number[] = [];
  const sin: number[] = [];
  for (let p = 0; p < maxPos; p++) for (let i = 0; i < half; i++) { const a = p / 10000 ** (i / half); cos.push(Math.cos(a)); sin.push(Math.sin(a)); }
  return [tensor('cos_cache', 'float32', [maxPos, half], cos), tensor('sin_cache', 'float32', [maxPos, half], sin)];
}

function rotary(name: string, o: { dims: number[]; interleaved?: boolean; positions: number[]; posDims: number[]; constPos?: boolean }): OpCase {
  const io: Io[] = [['x', 'float32', o.dims]];
  const feeds: Tensor[] = [floats('x', o.dims, 41)];
  const pos = makeTensor('position_ids', 'int64', o.posDims, BigInt64Array.from(o.positions.map(BigInt)));
  if (!o.constPos) { io.push(['position_ids', 'int64', o.posDims]); feeds.push(pos); }
  const h = o.dims.length === 4 ? o.dims[3] : 8;
  const attrs: Parameters<typeof node>[3] = o.interleaved ? { interleaved: 1 } : {};
  const m = msModel('RotaryEmbedding', ['x', 'position_ids', 'cos_cache', 'sin_cache'], [['y', 'float32', o.dims]], io, [...ropeCaches(16, h / 2), ...(o.constPos ? [pos] : [])], attrs);
  return { name, model: m, feeds, transposes: 0 };
}

function rmsNorm(name: string, skip: boolean): OpCase {
  const dims = [2, 4, 16];
  const io: Io[] = [['x', 'float32', dims]];
  const feeds: Tensor[] = [floats('x', dims, 51)];
  const inits = [weights('gamma', [16], 52, 1)];
  if (!skip) {
    const m = buildModel({ opset: 13, infer: false, inputs: io, outputs: [['y', 'float32', dims]], initializers: inits,
      nodes: [node('SimplifiedLayerNormalization', ['x', 'gamma'], ['y'], { axis: -1, epsilon: { type: 'float', value: 1e-6 } })] });
    return { name, model: m, feeds, transposes: 0 };
  }
  io.push(['skip', 'float32', dims]);
  feeds.push(floats('skip', dims, 53));
  inits.push(weights('bias', [16], 54, 0.2));
  const m = buildModel({ opset: 13, infer: false, inputs: io, outputs: [['y', 'float32', dims], ['sum', 'float32', dims]], initializers: inits,
    nodes: [{ ...node('SkipSimplifiedLayerNormalization', ['x', 'skip', 'gamma', 'bias'], ['y', '', '', 'sum'], { epsilon: { type: 'float', value: 1e-6 } }), domain: 'com.microsoft' }] });
  m.opsets.set('com.microsoft', 1);
  return { name, model: m, feeds, transposes: 0 };
}

/** LLaMA-style pieces: rotary embeddings and RMSNorm. */
export function llamaCases(): OpCase[] {
  return [
    rotary('RotaryEmbedding on [B, S, N·h] with position_ids [B, S]', { dims: [2, 4, 16], positions: [0, 1, 2, 3, 5, 6, 7, 8], posDims: [2, 4] }),
    rotary('RotaryEmbedding interleaved on [B, N, S, h] with position_ids [B, S]', { dims: [2, 2, 4, 8], interleaved: true, positions: [3, 4, 5, 6, 0, 1, 2, 3], posDims: [2, 4] }),
    rotary('RotaryEmbedding with a start position [1] given at run time', { dims: [2, 3, 16], positions: [7], posDims: [1] }),
    rotary('RotaryEmbedding with a constant start position [1]', { dims: [1, 2, 2, 8], positions: [5], posDims: [1], constPos: true }),
    rmsNorm('SimplifiedLayerNormalization (RMSNorm)', false),
    rmsNorm('SkipSimplifiedLayerNormalization with bias and the residual sum', true),
  ];
}

/** Forms refused with one line: [name, model, message pattern]. */
export function refusedCases(): [string, Model, RegExp][] {
  const four = attention('4-D mask', { mask: { dims: [2, 1, 4, 4], values: new Array(32).fill(1) } }).model;
  const packed = attention('3B+2 mask', { mask: { dims: [8], values: [0, 0, 0, 0, 0, 0, 0, 0] } }).model;
  const rotary = attention('rotary', {}).model;
  rotary.graph.nodes[0].attrs.set('do_rotary', { type: 'int', value: 1 });
  const shared = attention('shared buffer', { past: 2 }).model;
  shared.graph.nodes[0].attrs.set('past_present_share_buffer', { type: 'int', value: 1 });
  const mhaPacked = mha('packed', {}).model;
  mhaPacked.graph.nodes[0].inputs = ['query'];
  const mhaQk = mha('qk', {}).model;
  mhaQk.graph.nodes[0].outputs = ['y', '', '', 'qk'];
  mhaQk.graph.values.set('qk', { name: 'qk', dtype: 'float32', shape: [2, 2, 4, 4] });
  return [
    ['MultiHeadAttention with packed q/k/v', mhaPacked, /MultiHeadAttention with packed q\/k\/v .*is not supported$/],
    ['MultiHeadAttention with the qk output', mhaQk, /MultiHeadAttention with the qk output is not supported$/],
    ['a 4-D mask_index', four, /Attention with a 4-D mask_index \[2, 1, 4, 4\] .*is not supported$/],
    ['a 3·B + 2 mask_index', packed, /Attention with a mask_index of 3·batch \+ 2 values .*is not supported$/],
    ['do_rotary', rotary, /Attention with do_rotary=1 .*is not supported$/],
    ['past_present_share_buffer', shared, /Attention with past_present_share_buffer .*is not supported/],
  ];
}
