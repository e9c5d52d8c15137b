// Writes the graphs onnxruntime.transformers.optimizer makes of the tiny BERT and GPT-2 of
// scripts/export/ort-transformers.py (same weights, read from OUT_DIR/weights.json), op for op as its fusions
// write them (onnxruntime's Python package is not available here):
//   bert_tiny_fused.onnx      Cast of the int64 inputs to int32, EmbedLayerNormalization (word + position + segment,
//                             LayerNorm, mask → mask_index lengths), per layer Attention (packed q/k/v weights, the
//                             1-D mask_index), MatMul, SkipLayerNormalization (output projection's bias folded in),
//                             MatMul, BiasGelu, MatMul, SkipLayerNormalization;
//   bert_tiny_fused_raw.onnx  the same with the raw [B, S] mask into Attention (the optimizer's newer default);
//   gpt2_tiny_fused.onnx      EmbedLayerNormalization with position_ids and embedding_sum (GPT-2's first LayerNorm and
//                             its residual), per layer Attention (unidirectional, past_i → present_i, raw [B, P + S]
//                             mask), SkipLayerNormalization with the residual sum as fourth output, FastGelu with bias,
//                             the next block's LayerNorm as the closing SkipLayerNormalization; logits by the tied
//                             embedding;
//   llama_tiny_fused.onnx     LLaMA as the optimizer's fp32 form writes it: SimplifiedLayerNormalization, RotaryEmbedding
//                             on q and k, MultiHeadAttention (unidirectional, past_key/past_value → present, [B, T]
//                             mask), SkipSimplifiedLayerNormalization with the residual sum, SiLU-gated MLP.
//     node --import tsx scripts/export/ort-fused.ts OUT_DIR
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import type { Model, Node, Shape, Tensor } from '../../src/ir/types';
import { encodeModel } from '../../src/onnx/writer';

type Weights = Record<string, { dims: number[]; data: number[] }>;

const ms = (opType: string, inputs: string[], outputs: string[], attrs: Parameters<typeof node>[3] = {}): Node => ({ ...node(opType, inputs, outputs, attrs), domain: 'com.microsoft' });
const eps = (v: number) => ({ epsilon: { type: 'float' as const, value: v } });

class Init {
  readonly list: Tensor[] = [];
  constructor(private readonly w: Weights) {}
  /** Parameter `key` as initializer `name`. */
  take(key: string, name = key): string {
    const p = this.w[key];
    if (!p) throw new Error(`no weight ${key}`);
    this.list.push(tensor(name, 'float32', p.dims, p.data));
    return name;
  }
  /** nn.Linear's [out, in] weight as MatMul's [in, out]. */
  linear(key: string, name = key): string {
    return this.packed([key], name);
  }
  /** Several [out_i, in] weights transposed and stacked as columns: [in, Σ out_i]. */
  packed(keys: string[], name: string): string {
    const ps = keys.map((k) => this.w[k]);
    const inDim = ps[0].dims[1];
    const cols = ps.reduce((a, p) => a + p.dims[0], 0);
    const data = new Float32Array(inDim * cols);
    let c0 = 0;
    for (const p of ps) {
      for (let o = 0; o < p.dims[0]; o++) for (let i = 0; i < inDim; i++) data[i * cols + c0 + o] = p.data[o * inDim + i];
      c0 += p.dims[0];
    }
    this.list.push(tensor(name, 'float32', [inDim, cols], data));
    return name;
  }
  concat(keys: string[], name: string): string {
    const data = keys.flatMap((k) => this.w[k].data);
    this.list.push(tensor(name, 'float32', [data.length], data));
    return name;
  }
}

function model(nodes: Node[], inputs: [string, 'int64' | 'float32', Shape][], outputs: [string, 'float32', Shape][], init: Init): Model {
  const m = buildModel({ opset: 13, producer: 'onnxruntime.transformers.optimizer (written by scripts/export/ort-fused.ts)', infer: false, inputs, outputs, nodes, initializers: init.list });
  m.opsets.set('com.microsoft', 1);
  return m;
}

function bert(w: Weights, raw: boolean): Model {
  const init = new Init(w);
  const [B, S, H] = [2, 8, 32];
  const nodes: Node[] = ['input_ids', 'token_type_ids', 'attention_mask'].map((n) => node('Cast', [n], [`${n}_int32`], { to: 6 }));
  const embIn = ['input_ids_int32', 'token_type_ids_int32', init.take('bert.word'), init.take('bert.pos'), init.take('bert.types'), init.take('bert.emb_g'), init.take('bert.emb_b')];
  nodes.push(ms('EmbedLayerNormalization', raw ? embIn : [...embIn, 'attention_mask_int32'], ['embeddings', 'mask_index'], eps(1e-12)));
  let x = 'embeddings';
  for (let i = 0; i < 2; i++) {
    const l = `bert.layers.${i}`;
    const qkvW = init.packed([`${l}.q.weight`, `${l}.k.weight`, `${l}.v.weight`], `${l}.qkv.weight`);
    const qkvB = init.concat([`${l}.q.bias`, `${l}.k.bias`, `${l}.v.bias`], `${l}.qkv.bias`);
    const out = i === 1 ? 'last_hidden_state' : `layer${i}_out`;
    nodes.push(
      ms('Attention', [x, qkvW, qkvB, raw ? 'attention_mask_int32' : 'mask_index'], [`attn${i}`], { num_heads: 4 }),
      node('MatMul', [`attn${i}`, init.linear(`${l}.o.weight`)], [`attn${i}_proj`]),
      ms('SkipLayerNormalization', [`attn${i}_proj`, x, init.take(`${l}.ln1.weight`), init.take(`${l}.ln1.bias`), init.take(`${l}.o.bias`)], [`ln1_${i}`], eps(1e-12)),
      node('MatMul', [`ln1_${i}`, init.linear(`${l}.fc1.weight`)], [`fc1_${i}`]),
      ms('BiasGelu', [`fc1_${i}`, init.take(`${l}.fc1.bias`)], [`gelu${i}`]),
      node('MatMul', [`gelu${i}`, init.linear(`${l}.fc2.weight`)], [`fc2_${i}`]),
      ms('SkipLayerNormalization', [`fc2_${i}`, `ln1_${i}`, init.take(`${l}.ln2.weight`), init.take(`${l}.ln2.bias`), init.take(`${l}.fc2.bias`)], [out], eps(1e-12)),
    );
    x = out;
  }
  return model(nodes, [['input_ids', 'int64', [B, S]], ['token_type_ids', 'int64', [B, S]], ['attention_mask', 'int64', [B, S]]], [['last_hidden_state', 'float32', [B, S, H]]], init);
}

function gpt2(w: Weights): Model {
  const init = new Init(w);
  const nodes: Node[] = ['input_ids', 'position_ids', 'attention_mask'].map((n) => node('Cast', [n], [`${n}_int32`], { to: 6 }));
  nodes.push(ms('EmbedLayerNormalization', ['input_ids_int32', '', init.take('gpt2.wte'), init.take('gpt2.wpe'), '', init.take('gpt2.blocks.0.ln1.weight'), init.take('gpt2.blocks.0.ln1.bias'), '', 'position_ids_int32'],
    ['ln1_0', 'mask_index_unused', 'embedding_sum'], eps(1e-5)));
  let residual = 'embedding_sum';
  for (let i = 0; i < 2; i++) {
    const l = `gpt2.blocks.${i}`;
    const last = i === 1;
    const next = last ? ['gpt2.ln_f.weight', 'gpt2.ln_f.bias'] : [`gpt2.blocks.${i + 1}.ln1.weight`, `gpt2.blocks.${i + 1}.ln1.bias`];
    nodes.push(
      ms('Attention', [`ln1_${i}`, init.linear(`${l}.c_attn.weight`), init.take(`${l}.c_attn.bias`), 'attention_mask_int32', `past_${i}`], [`attn${i}`, `present_${i}`], { num_heads: 4, unidirectional: 1 }),
      node('MatMul', [`attn${i}`, init.linear(`${l}.c_proj.weight`)], [`proj${i}`]),
      ms('SkipLayerNormalization', [`proj${i}`, residual, init.take(`${l}.ln2.weight`), init.take(`${l}.ln2.bias`), init.take(`${l}.c_proj.bias`)], [`ln2_${i}`, '', '', `resid_attn${i}`], eps(1e-5)),
      node('MatMul', [`ln2_${i}`, init.linear(`${l}.c_fc.weight`)], [`fc${i}`]),
      ms('FastGelu', [`fc${i}`, init.take(`${l}.c_fc.bias`)], [`gelu${i}`]),
      node('MatMul', [`gelu${i}`, init.linear(`${l}.c_mlp.weight`)], [`mlp${i}`]),
      ms('SkipLayerNormalization', [`mlp${i}`, `resid_attn${i}`, init.take(next[0]), init.take(next[1]), init.take(`${l}.c_mlp.bias`)],
        last ? ['ln_f'] : [`ln1_${i + 1}`, '', '', `resid_mlp${i}`], eps(1e-5)),
    );
    residual = `resid_mlp${i}`;
  }
  const wte = w['gpt2.wte'];
  const [V, H] = wte.dims;
  const wt = new Float32Array(H * V);
  for (let v = 0; v < V; v++) for (let h = 0; h < H; h++) wt[h * V + v] = wte.data[v * H + h];
  init.list.push(tensor('lm_head', 'float32', [H, V], wt));
  nodes.push(node('MatMul', ['ln_f', 'lm_head'], ['logits']));
  const past: Shape = [2, 'batch', 4, 'past', 8];
  return model(nodes,
    [['input_ids', 'int64', ['batch', 'seq']], ['position_ids', 'int64', ['batch', 'seq']], ['attention_mask', 'int64', ['batch', 'total']], ['past_0', 'float32', past], ['past_1', 'float32', past]],
    [['logits', 'float32', ['batch', 'seq', V]], ['present_0', 'float32', [2, 'batch', 4, 'total', 8]], ['present_1', 'float32', [2, 'batch', 4, 'total', 8]]], init);
}

function llama(w: Weights): Model {
  const init = new Init(w);
  const nodes: Node[] = [node('Gather', [init.take('llama.embed'), 'input_ids'], ['h0'])];
  nodes.push(node('SimplifiedLayerNormalization', ['h0', init.take('llama.layers.0.norm1')], ['x0'], { axis: -1, ...eps(1e-6) }));
  const [cos, sin] = [init.take('llama.cos_cache', 'cos_cache'), init.take('llama.sin_cache', 'sin_cache')];
  let residual = 'h0';
  for (let i = 0; i < 2; i++) {
    const l = `llama.layers.${i}`;
    const norm = i === 1 ? 'llama.norm' : `llama.layers.${i + 1}.norm1`;
    nodes.push(
      node('MatMul', [`x${i}`, init.linear(`${l}.q.weight`)], [`q${i}`]),
      node('MatMul', [`x${i}`, init.linear(`${l}.k.weight`)], [`k${i}`]),
      node('MatMul', [`x${i}`, init.linear(`${l}.v.weight`)], [`v${i}`]),
      ms('RotaryEmbedding', [`q${i}`, 'position_ids', cos, sin], [`q_rot${i}`]),
      ms('RotaryEmbedding', [`k${i}`, 'position_ids', cos, sin], [`k_rot${i}`]),
      ms('MultiHeadAttention', [`q_rot${i}`, `k_rot${i}`, `v${i}`, '', 'attention_mask_int32', '', `past_key_${i}`, `past_value_${i}`],
        [`attn${i}`, `present_key_${i}`, `present_value_${i}`], { num_heads: 4, unidirectional: 1 }),
      node('MatMul', [`attn${i}`, init.linear(`${l}.o.weight`)], [`o${i}`]),
      ms('SkipSimplifiedLayerNormalization', [`o${i}`, residual, init.take(`${l}.norm2`)], [`x_mlp${i}`, '', '', `h_attn${i}`], eps(1e-6)),
      node('MatMul', [`x_mlp${i}`, init.linear(`${l}.gate.weight`)], [`gate${i}`]),
      node('Sigmoid', [`gate${i}`], [`gate_sig${i}`]),
      node('Mul', [`gate${i}`, `gate_sig${i}`], [`silu${i}`]),
      node('MatMul', [`x_mlp${i}`, init.linear(`${l}.up.weight`)], [`up${i}`]),
      node('Mul', [`silu${i}`, `up${i}`], [`gated${i}`]),
      node('MatMul', [`gated${i}`, init.linear(`${l}.down.weight`)], [`down${i}`]),
      ms('SkipSimplifiedLayerNormalization', [`down${i}`, `h_attn${i}`, init.take(norm)], i === 1 ? ['final'] : [`x${i + 1}`, '', '', `h${i + 1}`], eps(1e-6)),
    );
    residual = `h${i + 1}`;
  }
  nodes.push(node('MatMul', ['final', init.linear('llama.lm_head.weight')], ['logits']));
  nodes.unshift(node('Cast', ['attention_mask'], ['attention_mask_int32'], { to: 6 }));
  const kv: Shape = ['batch', 4, 'past', 8];
  const present: Shape = ['batch', 4, 'total', 8];
  return model(nodes,
    [['input_ids', 'int64', ['batch', 'seq']], ['position_ids', 'int64', ['batch', 'seq']], ['attention_mask', 'int64', ['batch', 'total']],
      ...['past_key_0', 'past_value_0', 'past_key_1', 'past_value_1'].map((n) => [n, 'float32', kv] as [string, 'float32', Shape])],
    [['logits', 'float32', ['batch', 'seq', 64]], ...['present_key_0', 'present_value_0', 'present_key_1', 'present_value_1'].map((n) => [n, 'float32', present] as [string, 'float32', Shape])], init);
}

const out = process.argv[2];
if (!out) throw new Error('usage: node --import tsx scripts/export/ort-fused.ts OUT_DIR (holding weights.json)');
const w = JSON.parse(readFileSync(join(out, 'weights.json'), 'utf8')) as Weights;
writeFileSync(join(out, 'bert_tiny_fused.onnx'), encodeModel(bert(w, false)));
writeFileSync(join(out, 'bert_tiny_fused_raw.onnx'), encodeModel(bert(w, true)));
writeFileSync(join(out, 'gpt2_tiny_fused.onnx'), encodeModel(gpt2(w)));
writeFileSync(join(out, 'llama_tiny_fused.onnx'), encodeModel(llama(w)));
