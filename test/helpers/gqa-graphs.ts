// Single-node graphs of onnxruntime's com.microsoft GroupQueryAttention in the forms LLaMA / Phi / Qwen / Mistral
// exports use (onnxruntime-genai's builder): separate or packed q/k/v, kv_num_heads below num_heads, past_key /
// past_value [B, N_kv, P, h] with present outputs (a past of the present's length: the shared-buffer layout; or a
// shorter past), seqlens_k [B] and total_sequence_length given at run time or constant, rotary inside the op
// (do_rotary with cos/sin caches, halves or interleaved), local_window_size, softcap, smooth_softmax. Seeded inputs;
// seqlens_k per batch row (rows of unequal lengths). Used by test/convert/ort-gqa.test.ts.
import { seededUniform } from '../../src/core/random';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { makeTensor } from '../../src/ir/tensor';
import type { DType, Model, Tensor } from '../../src/ir/types';

const size = (d: number[]) => d.reduce((a, b) => a * b, 1);

function floats(name: string, dims: number[], seed: number): Tensor {
  const rnd = seededUniform(seed);
  return makeTensor(name, 'float32', dims, Float32Array.from({ length: size(dims) }, () => rnd() * 2 - 1));
}

export interface GqaOpts {
  B?: number; S?: number; heads?: number; kvHeads?: number; h?: number;
  /** Past buffer length (0: no past inputs). */
  past?: number;
  /** seqlens_k per row (total length − 1). */
  seqlens: number[];
  /** total_sequence_length (default max(seqlens) + 1). */
  total?: number;
  /** seqlens_k and total_sequence_length: computed from an int64 attention_mask [B, total] input as onnxruntime-genai's
   *  models do (ReduceSum − 1, Shape[1]; the default), graph inputs, or initializers. */
  lengths?: 'mask' | 'inputs' | 'const';
  packed?: boolean;
  rotary?: { interleaved?: boolean; dim?: number };
  window?: number;
  softcap?: number;
  smooth?: boolean;
  scale?: number;
  /** attention_bias dims [B or 1, N or 1, S, total]. */
  attentionBias?: number[];
  /** head_sink logits (one per query head). */
  sink?: boolean;
  /** causal=0 (bidirectional). */
  bidirectional?: boolean;
  /** Leave the present outputs out. */
  noPresent?: boolean;
}

export interface GqaCase {
  name: string;
  model: Model;
  feeds: Tensor[];
}

type Io = [string, DType, number[]];

/** cos / sin caches [maxPos, half] of RoPE with base 10000. */
function ropeCaches(maxPos: number, half: number): Tensor[] {
  const cos: number[] = [];
  const sin: number[] = [];
  for (let p = 0; p < maxPos; p++) for (let i = 0; i < half; i++) { const a = p / 10000 ** (i / half); cos.push(Math.cos(a)); sin.push(Math.sin(a)); }
  return [tensor('cos_cache', 'float32', [maxPos, half], cos), tensor('sin_cache', 'float32', [maxPos, half], sin)];
}

/** One GroupQueryAttention node. */
export function gqa(name: string, o: GqaOpts): GqaCase {
  const B = o.B ?? 1;
  const S = o.S ?? 1;
  const N = o.heads ?? 4;
  const Nkv = o.kvHeads ?? 2;
  const h = o.h ?? 16;
  const P = o.past ?? 0;
  const total = o.total ?? Math.max(...o.seqlens) + 1;
  const io: Io[] = [];
  const feeds: Tensor[] = [];
  const inits: Tensor[] = [];
  const input = (t: Tensor, constant = false) => {
    if (constant) inits.push(t);
    else { io.push([t.name, t.dtype, [...t.dims]]); feeds.push(t); }
  };
  const inputs: string[] = [];
  if (o.packed) {
    input(floats('query', [B, S, (N + 2 * Nkv) * h], 61));
    inputs.push('query', '', '');
  } else {
    input(floats('query', [B, S, N * h], 61));
    input(floats('key', [B, S, Nkv * h], 62));
    input(floats('value', [B, S, Nkv * h], 63));
    inputs.push('query', 'key', 'value');
  }
  if (P) {
    input(floats('past_key', [B, Nkv, P, h], 64));
    input(floats('past_value', [B, Nkv, P, h], 65));
    inputs.push('past_key', 'past_value');
  } else inputs.push('', '');
  const lengths = o.lengths ?? 'mask';
  const glue: ReturnType<typeof node>[] = [];
  if (lengths === 'mask') {
    const mask = Array.from({ length: B * total }, (_, i) => (i % total <= o.seqlens[Math.floor(i / total)] ? 1 : 0));
    input(makeTensor('attention_mask', 'int64', [B, total], BigInt64Array.from(mask.map(BigInt))));
    inits.push(makeTensor('one', 'int64', [], BigInt64Array.from([1n])), makeTensor('axis1', 'int64', [1], BigInt64Array.from([1n])));
    glue.push(node('ReduceSum', ['attention_mask', 'axis1'], ['mask_sum'], { keepdims: 0 }), node('Sub', ['mask_sum', 'one'], ['seqlens_k64']),
      node('Cast', ['seqlens_k64'], ['seqlens_k'], { to: 6 }), node('Shape', ['attention_mask'], ['mask_shape']),
      node('Gather', ['mask_shape', 'one'], ['total64'], { axis: 0 }), node('Cast', ['total64'], ['total_sequence_length'], { to: 6 }));
  } else {
    input(makeTensor('seqlens_k', 'int32', [B], Int32Array.from(o.seqlens)), lengths === 'const');
    input(makeTensor('total_sequence_length', 'int32', [], Int32Array.from([total])), lengths === 'const');
  }
  inputs.push('seqlens_k', 'total_sequence_length');
  const attrs: Parameters<typeof node>[3] = { num_heads: N, kv_num_heads: Nkv };
  if (o.rotary) {
    inits.push(...ropeCaches(Math.max(total, P) + 4, (o.rotary.dim ?? h) / 2));
    inputs.push('cos_cache', 'sin_cache');
    attrs.do_rotary = 1;
    if (o.rotary.interleaved) attrs.rotary_interleaved = 1;
  }
  if (o.attentionBias || o.sink) {
    while (inputs.length < 9) inputs.push('');
    inputs.push('');
    if (o.attentionBias) input(floats('attention_bias', o.attentionBias, 66));
    inputs.push(o.attentionBias ? 'attention_bias' : '');
    if (o.sink) { inits.push(floats('head_sink', [N], 67)); inputs.push('head_sink'); }
  }
  if (o.window !== undefined) attrs.local_window_size = o.window;
  if (o.softcap !== undefined) attrs.softcap = { type: 'float', value: o.softcap };
  if (o.smooth) attrs.smooth_softmax = 1;
  if (o.bidirectional) attrs.causal = 0;
  if (o.scale !== undefined) attrs.scale = { type: 'float', value: o.scale };
  const present = Math.max(total, P);
  const outputs: Io[] = [['output', 'float32', [B, S, N * h]]];
  if (!o.noPresent) outputs.push(['present_key', 'float32', [B, Nkv, present, h]], ['present_value', 'float32', [B, Nkv, present, h]]);
  const m = buildModel({ opset: 13, producer: 'onnxruntime-genai', infer: false, inputs: io, outputs, initializers: inits,
    nodes: [...glue, { ...node('GroupQueryAttention', inputs, outputs.map((x) => x[0]), attrs), domain: 'com.microsoft' }] });
  m.opsets.set('com.microsoft', 1);
  return { name, model: m, feeds };
}

/** The forms that convert: [case, TRANSPOSE count the math needs]. */
export function gqaCases(): [GqaCase, number][] {
  return [
    [gqa('GroupQueryAttention first prompt (B 1, S 5, 4 heads over 2 kv heads, present)', { S: 5, seqlens: [4] }), 4],
    [gqa('GroupQueryAttention first prompt at batch 2 (equal lengths)', { B: 2, S: 4, seqlens: [3, 3] }), 4],
    [gqa('GroupQueryAttention decoding step, batch 1, past 4 (present 5)', { past: 4, seqlens: [4] }), 0],
    [gqa('GroupQueryAttention decoding step, batch 2 of unequal lengths in a shared-length buffer (past 6, seqlens 3 and 5)', { B: 2, past: 6, seqlens: [3, 5] }), 0],
    [gqa('GroupQueryAttention decoding step, batch 3 of unequal lengths, present longer than the past', { B: 3, past: 4, seqlens: [1, 4, 2] }), 0],
    [gqa('GroupQueryAttention multi-query (1 kv head), packed q/k/v, decoding', { B: 2, heads: 4, kvHeads: 1, packed: true, past: 5, seqlens: [5, 2] }), 0],
    [gqa('GroupQueryAttention packed q/k/v first prompt', { S: 3, packed: true, seqlens: [2] }), 4],
    [gqa('GroupQueryAttention subsequent prompt (3 new tokens after 4, batch 1)', { S: 3, past: 4, seqlens: [6] }), 4],
    [gqa('GroupQueryAttention first prompt into a past buffer of 8 (genai shared-buffer layout)', { S: 3, past: 8, seqlens: [2], total: 3 }), 4],
    [gqa('GroupQueryAttention do_rotary decoding, batch 2 of unequal lengths', { B: 2, past: 5, seqlens: [2, 5], rotary: {} }), 0],
    [gqa('GroupQueryAttention do_rotary interleaved first prompt', { S: 4, seqlens: [3], rotary: { interleaved: true } }), 4],
    [gqa('GroupQueryAttention do_rotary over half the head (partial rotary), subsequent prompt', { S: 2, past: 3, seqlens: [4], h: 32, rotary: { dim: 16 } }), 4],
    [gqa('GroupQueryAttention local_window_size 2, first prompt of 6', { S: 6, seqlens: [5], window: 2 }), 4],
    [gqa('GroupQueryAttention local_window_size 3, decoding batch 2', { B: 2, past: 7, seqlens: [6, 2], window: 3 }), 0],
    [gqa('GroupQueryAttention softcap and smooth_softmax', { S: 3, seqlens: [2], softcap: 2, smooth: true }), 4],
    [gqa('GroupQueryAttention with a scale, constant seqlens_k and total_sequence_length', { past: 3, seqlens: [3], lengths: 'const', scale: 0.2 }), 0],
    [gqa('GroupQueryAttention first prompt at batch 2 with a right-padded row (its padding queries see the row\'s keys)', { B: 2, S: 4, seqlens: [3, 1] }), 4],
    [gqa('GroupQueryAttention do_rotary first prompt at batch 2 with a right-padded row', { B: 2, S: 4, seqlens: [3, 1], rotary: {} }), 4],
    [gqa('GroupQueryAttention with attention_bias [1, N, S, total] and head_sink, decoding batch 2 in a buffer', { B: 2, past: 6, seqlens: [2, 4], total: 5, attentionBias: [1, 4, 1, 5], sink: true }), 0],
    [gqa('GroupQueryAttention with attention_bias [B, 1, S, total], first prompt', { B: 2, S: 3, seqlens: [2, 2], attentionBias: [2, 1, 3, 3] }), 4],
    [gqa('GroupQueryAttention causal=0 (bidirectional) first prompt at batch 2 with a right-padded row', { B: 2, S: 4, seqlens: [3, 2], bidirectional: true }), 4],
    [gqa('GroupQueryAttention causal=0 decoding, batch 2 of unequal lengths', { B: 2, past: 5, seqlens: [5, 3], bidirectional: true }), 0],
    [gqa('GroupQueryAttention first prompt without present outputs', { S: 3, seqlens: [2], noPresent: true }), 4],
  ];
}

/**
 * A 2-layer LLaMA-style decoder as onnxruntime-genai writes it (seeded weights): token embedding, RMSNorm
 * (SimplifiedLayerNormalization), q / k / v projections (or one packed projection), GroupQueryAttention with
 * do_rotary (4 query heads over 2 kv heads of 16), the output projection and residual, a SiLU-gated MLP, the final
 * norm and the vocabulary head; seqlens_k and total_sequence_length from the int64 attention_mask. Inputs
 * input_ids [B, S], attention_mask [B, T] (P + S, or S on the first prompt), past_key_i / past_value_i [B, 2, P, 16]; outputs logits [B, S, 64],
 * present_key_i / present_value_i.
 */
export function gqaDecoder(B: number, S: number, P: number, packed = false, T = P + S): Model {
  const [D, N, Nkv, h, V, F] = [64, 4, 2, 16, 64, 96];
  const inits: Tensor[] = [];
  let seed = 300;
  const w = (name: string, dims: number[], scale: number) => {
    const rnd = seededUniform(seed++);
    inits.push(tensor(name, 'float32', dims, Array.from({ length: size(dims) }, () => (rnd() * 2 - 1) * scale)));
    return name;
  };
  const ones = (name: string) => { inits.push(tensor(name, 'float32', [D], new Array(D).fill(1))); return name; };
  inits.push(makeTensor('one', 'int64', [], BigInt64Array.from([1n])), makeTensor('axis1', 'int64', [1], BigInt64Array.from([1n])), ...ropeCaches(64, h / 2));
  const ms = (op: string, ins: string[], outs: string[], attrs: Parameters<typeof node>[3]) => ({ ...node(op, ins, outs, attrs), domain: 'com.microsoft' });
  const nodes = [
    node('ReduceSum', ['attention_mask', 'axis1'], ['mask_sum'], { keepdims: 0 }), node('Sub', ['mask_sum', 'one'], ['seqlens_k64']),
    node('Cast', ['seqlens_k64'], ['seqlens_k'], { to: 6 }), node('Shape', ['attention_mask'], ['mask_shape']),
    node('Gather', ['mask_shape', 'one'], ['total64'], { axis: 0 }), node('Cast', ['total64'], ['total_sequence_length'], { to: 6 }),
    node('Gather', [w('embed', [V, D], 1), 'input_ids'], ['h0']),
  ];
  const eps = { epsilon: { type: 'float' as const, value: 1e-6 } };
  for (let i = 0; i < 2; i++) {
    nodes.push(node('SimplifiedLayerNormalization', [`h${i}`, ones(`norm1_${i}`)], [`x${i}`], { axis: -1, ...eps }));
    const qkv = packed ? [`qkv${i}`, '', ''] : [`q${i}`, `k${i}`, `v${i}`];
    if (packed) nodes.push(node('MatMul', [`x${i}`, w(`wqkv${i}`, [D, (N + 2 * Nkv) * h], 0.25)], [`qkv${i}`]));
    else nodes.push(node('MatMul', [`x${i}`, w(`wq${i}`, [D, N * h], 0.25)], [`q${i}`]), node('MatMul', [`x${i}`, w(`wk${i}`, [D, Nkv * h], 0.25)], [`k${i}`]),
      node('MatMul', [`x${i}`, w(`wv${i}`, [D, Nkv * h], 0.25)], [`v${i}`]));
    nodes.push(
      ms('GroupQueryAttention', [...qkv, `past_key_${i}`, `past_value_${i}`, 'seqlens_k', 'total_sequence_length', 'cos_cache', 'sin_cache'],
        [`attn${i}`, `present_key_${i}`, `present_value_${i}`], { num_heads: N, kv_num_heads: Nkv, do_rotary: 1 }),
      node('MatMul', [`attn${i}`, w(`wo${i}`, [N * h, D], 0.15)], [`o${i}`]), node('Add', [`o${i}`, `h${i}`], [`r${i}`]),
      node('SimplifiedLayerNormalization', [`r${i}`, ones(`norm2_${i}`)], [`y${i}`], { axis: -1, ...eps }),
      node('MatMul', [`y${i}`, w(`wg${i}`, [D, F], 0.2)], [`g${i}`]), node('Sigmoid', [`g${i}`], [`gs${i}`]), node('Mul', [`g${i}`, `gs${i}`], [`silu${i}`]),
      node('MatMul', [`y${i}`, w(`wu${i}`, [D, F], 0.2)], [`u${i}`]), node('Mul', [`silu${i}`, `u${i}`], [`gu${i}`]),
      node('MatMul', [`gu${i}`, w(`wd${i}`, [F, D], 0.15)], [`d${i}`]), node('Add', [`d${i}`, `r${i}`], [`h${i + 1}`]),
    );
  }
  nodes.push(node('SimplifiedLayerNormalization', ['h2', ones('norm_f')], ['final'], { axis: -1, ...eps }), node('MatMul', ['final', w('lm_head', [D, V], 0.5)], ['logits']));
  const kv = (n: string, len: number): Io => [n, 'float32', [B, Nkv, len, h]];
  const m = buildModel({ opset: 14, producer: 'onnxruntime-genai', infer: false, initializers: inits, nodes,
    inputs: [['input_ids', 'int64', [B, S]], ['attention_mask', 'int64', [B, T]], ...[0, 1].flatMap((i) => [kv(`past_key_${i}`, P), kv(`past_value_${i}`, P)])],
    outputs: [['logits', 'float32', [B, S, V]], ...[0, 1].flatMap((i) => [kv(`present_key_${i}`, Math.max(T, P)), kv(`present_value_${i}`, Math.max(T, P))])] });
  m.opsets.set('com.microsoft', 1);
  return m;
}

/** Feeds for gqaDecoder: token ids, a mask whose row b keeps its first lens[b] positions, seeded past caches. */
export function gqaDecoderFeeds(B: number, S: number, P: number, lens: number[], seed = 70, T = P + S): Tensor[] {
  const rnd = seededUniform(seed);
  const feeds: Tensor[] = [makeTensor('input_ids', 'int64', [B, S], BigInt64Array.from({ length: B * S }, () => BigInt(Math.floor(rnd() * 64)))),
    makeTensor('attention_mask', 'int64', [B, T], BigInt64Array.from({ length: B * T }, (_, i) => (i % T < lens[Math.floor(i / T)] ? 1n : 0n)))];
  for (let i = 0; i < 2; i++) for (const n of ['past_key', 'past_value']) feeds.push(floats(`${n}_${i}`, [B, 2, P, 16], seed + 10 * i + n.length));
  return feeds;
}
