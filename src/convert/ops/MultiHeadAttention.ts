// com.microsoft MultiHeadAttention (onnxruntime's fusion of attention after separate q/k/v projections: BERT with
// use_multi_head_attention, Whisper / BART / T5 self- and cross-attention, Stable Diffusion): query [B, S, D], key
// [B, L, D], value [B, L, Dv] (+ the projection bias) → each RESHAPEd to heads and moved [B, N, ·, h] by the layout
// context, past_key / past_value [B, N, P, h] CONCATENATED before the new keys and values (the present outputs),
// then the attention core of _attention.ts (key_padding_mask in the forms onnxruntime's CPU kernel runs,
// unidirectional, attention_bias). Packed q/k/v, keys already in heads, a shared past buffer, beam-search cache
// indirection and the qk output are refused with one line.
import { toFloat32 } from '../../ir/tensor';
import { attrInt } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';
import { attend, attentionBiasRefusal, maskFormRefusal, pastConcat } from './_attention';

const MultiHeadAttention: OpConverter = {
  op: 'MultiHeadAttention', domain: 'com.microsoft',
  emits: ['ADD', 'RESHAPE', 'CONCATENATION', 'BATCH_MATMUL', 'MUL', 'SOFTMAX', 'GREATER_EQUAL', 'LESS', 'LESS_EQUAL', 'LOGICAL_OR', 'SELECT_V2', 'SPLIT'],
  incidental: ['GREATER_EQUAL', 'LESS', 'LESS_EQUAL', 'LOGICAL_OR', 'SELECT_V2', 'SPLIT'] /* the mask's bias, from int32 */,
  opset: [1, MAX_OPSET], inputs: [1, 10], dtypes: ['float32'], micro: false, layout: 'onnx',
  check(node, ctx) {
    const [q, k, v, bias, mask, attnBias, pastK, pastV, pastLen, cache] = node.inputs;
    if (pastLen || cache) return refuse('unsupported', 'MultiHeadAttention with past_sequence_length or cache_indirection (a shared past buffer, beam search) is not supported');
    if (node.outputs[3]) return refuse('unsupported', 'MultiHeadAttention with the qk output is not supported');
    if (!k || !v) return refuse('unsupported', 'MultiHeadAttention with packed q/k/v (no separate key and value) is not supported');
    const [qd, kd, vd] = [ctx.dims(q), ctx.dims(k), ctx.dims(v)];
    if (qd.length !== 3 || kd.length !== 3 || vd.length !== 3) return refuse('unsupported', `MultiHeadAttention on query [${qd.join(', ')}], key [${kd.join(', ')}], value [${vd.join(', ')}] is not supported (3-D, not packed or already split in heads)`);
    if ([...qd, ...kd, ...vd].some((d) => d < 0)) return refuse('dynamic-shape', 'MultiHeadAttention on dynamic dims; fix the model inputs\' dims with --input-shape');
    const heads = attrInt(node, 'num_heads', 1);
    const [B, S, D] = qd;
    const L = kd[1];
    const Dv = vd[2];
    if (kd[0] !== B || vd[0] !== B || vd[1] !== L || kd[2] !== D || D % heads !== 0 || Dv % heads !== 0) {
      return refuse('unsupported', `MultiHeadAttention on query [${qd.join(', ')}], key [${kd.join(', ')}], value [${vd.join(', ')}] with ${heads} heads is not supported`);
    }
    if (bias && (!ctx.isConstant(bias) || ctx.constant(bias)!.dims.reduce((a, b) => a * b, 1) !== 2 * D + Dv)) return refuse('unsupported', 'MultiHeadAttention with a computed bias, or one not of 2·hidden + v_hidden values, is not supported');
    let T = L;
    if (Boolean(pastK) !== Boolean(pastV)) return refuse('unsupported', 'MultiHeadAttention with only one of past_key and past_value is not supported');
    if (pastK) {
      const [pk, pv] = [ctx.dims(pastK), ctx.dims(pastV)];
      if ([...pk, ...pv].some((d) => d < 0)) return refuse('dynamic-shape', 'MultiHeadAttention past of dynamic dims; fix the past length with --input-shape');
      if (pk.length !== 4 || pk.join() !== [B, heads, pk[2], D / heads].join() || pv.join() !== [B, heads, pk[2], Dv / heads].join()) {
        return refuse('unsupported', `MultiHeadAttention past_key [${pk.join(', ')}] / past_value [${pv.join(', ')}] are not [${B}, ${heads}, past_length, head_size]`);
      }
      if (pk[2] === 0) return refuse('unsupported', 'MultiHeadAttention with an empty past (length 0) is not supported: TFLite has no empty tensors');
      T += pk[2];
    }
    if (mask) {
      const md = ctx.dims(mask);
      const why = md.length === 1 && md[0] === 2 * B ? `a key_padding_mask of dims [${md.join(', ')}] is not supported` : maskFormRefusal({ dims: md, B, S, T });
      if (why) return refuse('unsupported', `MultiHeadAttention with ${why.replace('mask_index', 'key_padding_mask')}`);
    }
    const why = attnBias ? attentionBiasRefusal(ctx.dims(attnBias), B, heads, S, T) : undefined;
    return why ? refuse('unsupported', `MultiHeadAttention ${why}`) : undefined;
  },
  convert(node, ctx) {
    const [q, k, v, bias, mask, attnBias, pastK, pastV] = node.inputs;
    const [y, presentK, presentV] = node.outputs;
    const [B, S, D] = ctx.shape(q);
    const L = ctx.shape(k)[1];
    const Dv = ctx.shape(v)[2];
    const heads = attrInt(node, 'num_heads', 1);
    const [h, dv] = [D / heads, Dv / heads];
    const e = new Emitter(ctx, node);
    const b = bias ? toFloat32(ctx.constant(bias)!) : undefined;
    /** input (+ its bias slice) → an ONNX value [B, len, N, d] handed out [B, N, len, d]. */
    const split = (name: string, from: number, len: number, d: number, tag: string) => {
      let x = ctx.inputOnnx(name);
      if (b) x = e.bin('ADD', x, ctx.constFloat32(b.subarray(from, from + heads * d), [heads * d], `${node.name}/${tag}_bias`));
      const val = `${y}__${tag}_heads`;
      ctx.declare(val, 'float32', [B, len, heads, d]);
      e.reshape(x, [B, len, heads, d], ctx.output(val, [0, 1, 2, 3]));
      return ctx.input(val, [0, 2, 1, 3]);
    };
    const qh = split(q, 0, S, h, 'q');
    let kh = split(k, D, L, h, 'k');
    let vh = split(v, 2 * D, L, dv, 'v');
    const P = pastK ? ctx.shape(pastK)[2] : 0;
    const T = P + L;
    const cat = (past: string, cur: number, out: string | undefined, d: number, tag: string) => pastConcat(ctx, past, cur, out, [B, heads, T, d], `${y}__${tag}_all`);
    if (pastK) {
      kh = cat(pastK, kh, presentK, h, 'k');
      vh = cat(pastV, vh, presentV, dv, 'v');
    } else {
      // No past: the present outputs are the new keys and values in heads (a RESHAPE gives them their names).
      if (presentK) e.reshape(kh, [B, heads, L, h], ctx.output(presentK, [0, 1, 2, 3]));
      if (presentV) e.reshape(vh, [B, heads, L, dv], ctx.output(presentV, [0, 1, 2, 3]));
    }
    attend(e, node, { q: qh, k: kh, v: vh, B, S, T, heads, h, dv, mask: mask || undefined, attnBias: attnBias || undefined });
  },
};
export default MultiHeadAttention;
