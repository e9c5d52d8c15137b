// The attention core of onnxruntime's com.microsoft Attention and MultiHeadAttention after the heads are split
// (scores, bias, SOFTMAX, values, head merge), and the additive attention bias as its CPU kernel builds it
// (attention_helper.h PrepareMask): every key a mask drops gets mask_filter_value added to its score; a causal
// (unidirectional) mask sets the keys after each query (past keys stay visible) to float's lowest value.
// Mask forms: [B] end positions (right padding), [2B] end then start positions (left padding), a raw [B, T] or
// [B, S, T] mask (0 drops, > 0 keeps). The result broadcasts against scores [B, N, S, T].
import type { Node } from '../../ir/types';
import { attrFloat, attrInt } from '../attrs';
import type { ConvertContext } from '../context';
import { identity } from '../layout';
import type { Emitter } from './_emit';

/** What the converter knows about the mask input: its ONNX dims, with B, S (queries) and T (keys, past included). */
export interface MaskSpec {
  dims: number[];
  B: number;
  S: number;
  T: number;
}

/** The mask forms onnxruntime's CPU kernel runs, or why a form is refused. */
export function maskFormRefusal(m: MaskSpec): string | undefined {
  const { dims, B, S, T } = m;
  if (dims.length === 1 && (dims[0] === B || dims[0] === 2 * B)) return undefined;
  if (dims.length === 2 && dims[0] === B && dims[1] === T) return undefined;
  if (dims.length === 3 && dims[0] === B && dims[1] === S && dims[2] === T) return undefined;
  if (dims.length === 1 && dims[0] === 3 * B + 2) return 'a mask_index of 3·batch + 2 values (packed sequence offsets, run by onnxruntime on CUDA only) is not supported';
  if (dims.length === 4) return `a 4-D mask_index [${dims.join(', ')}] (Megatron GPT-2's, which onnxruntime's CPU kernel refuses too) is not supported`;
  return `mask_index of dims [${dims.join(', ')}] is not one of [${B}], [${2 * B}], [${B}, ${T}] or [${B}, ${S}, ${T}] (batch ${B}, sequence ${S}, total ${T})`;
}

/** float32's lowest value: what onnxruntime sets on the keys a causal mask hides. */
const LOWEST = -3.4028234663852886e38;

/** The [S, T] causal bias (0 where key t ≤ past + s, lowest after), as a constant; undefined when nothing is hidden. */
export function causalBias(ctx: ConvertContext, S: number, T: number, name: string): number | undefined {
  const past = T - S;
  if (S <= 1) return undefined;
  const v = new Float32Array(S * T);
  for (let s = 0; s < S; s++) for (let t = past + s + 1; t < T; t++) v[s * T + t] = LOWEST;
  return ctx.constFloat32(v, [1, 1, S, T], name);
}

/** The padding bias [B, 1, 1, T] (or [B, 1, S, T] for a 3-D mask) from the int32 mask tensor `mask`. */
export function paddingBias(e: Emitter, mask: number, m: MaskSpec, filter: number): number {
  const { ctx } = e;
  const { dims, B, S, T } = m;
  let dropped: number;
  if (dims.length === 1) {
    const keys = ctx.constInt32(Array.from({ length: T }, (_, t) => t), `${e.node.name}/key_positions`, [1, T]);
    if (dims[0] === B) {
      dropped = e.bin('GREATER_EQUAL', keys, e.reshape(mask, [B, 1]));
    } else {
      // End positions then start positions: a key is dropped at or after its row's end, or before its start.
      const halves = [0, 1].map(() => ctx.temp([B], 'INT32', `${e.node.outputs[0]}__mask_half`));
      ctx.emit('SPLIT', [e.scalar(0, 'INT32'), mask], halves, { numSplits: 2 });
      const late = e.bin('GREATER_EQUAL', keys, e.reshape(halves[0], [B, 1]));
      const early = e.bin('LESS', keys, e.reshape(halves[1], [B, 1]));
      dropped = e.bin('LOGICAL_OR', late, early);
    }
  } else {
    dropped = e.bin('LESS_EQUAL', mask, e.scalar(0, 'INT32'));
  }
  const bias = e.select(dropped, e.scalar(filter), e.scalar(0));
  return e.reshape(bias, dims.length === 3 ? [B, 1, S, T] : [B, 1, 1, T]);
}

/** Heads split: q [B, N, S, h], k [B, N, T, h], v [B, N, T, dv]; the node's mask, attention bias and output names. */
export interface Heads {
  q: number; k: number; v: number;
  B: number; S: number; T: number; heads: number; h: number; dv: number;
  mask?: string;
  attnBias?: string;
}

/** q·kᵀ (adj_y) × scale + bias → SOFTMAX → · v → the node's output [B, S, N·dv] (the merge moved by the context). */
export function attend(e: Emitter, node: Node, a: Heads): void {
  const { ctx } = e;
  const { B, S, T, heads, h, dv } = a;
  const y = node.outputs[0];
  const scores = e.op('BATCH_MATMUL', [a.q, a.k], [B, heads, S, T], 'FLOAT32', { adjX: false, adjY: true });
  let logits = e.bin('MUL', scores, e.scalar(attrFloat(node, 'scale', 1 / Math.sqrt(h))));
  // The additive bias: padding mask and causal mask added together first (small), then to the scores.
  const pad = a.mask ? paddingBias(e, ctx.inputOnnx(a.mask), { dims: ctx.dims(a.mask), B, S, T }, attrFloat(node, 'mask_filter_value', -10000)) : undefined;
  const causal = attrInt(node, 'unidirectional', 0) ? causalBias(ctx, S, T, `${node.name}/causal_bias`) : undefined;
  const bias = pad !== undefined && causal !== undefined ? e.bin('ADD', pad, causal) : pad ?? causal;
  if (bias !== undefined) logits = e.bin('ADD', logits, bias);
  if (a.attnBias) logits = e.bin('ADD', logits, ctx.inputOnnx(a.attnBias));
  const probs = e.op('SOFTMAX', [logits], [B, heads, S, T], 'FLOAT32', { beta: 1 });
  const merged = `${y}__context`;
  ctx.declare(merged, 'float32', [B, S, heads, dv]);
  ctx.emit('BATCH_MATMUL', [probs, a.v], [ctx.output(merged, [0, 2, 1, 3])], { adjX: false, adjY: false });
  e.reshape(ctx.inputOnnx(merged), [B, S, heads * dv], ctx.output(y, identity(3)));
}

/** Why attention_bias of dims `d` does not broadcast onto the scores [B, N, S, T], or undefined. */
export function attentionBiasRefusal(d: number[], B: number, heads: number, S: number, T: number): string | undefined {
  if (d.length === 4 && (d[0] === 1 || d[0] === B) && (d[1] === 1 || d[1] === heads) && d[2] === S && d[3] === T) return undefined;
  return `attention_bias of dims [${d.join(', ')}] is not [${B} or 1, ${heads} or 1, ${S}, ${T}]`;
}

/** The present keys / values [B, N, P + L, d]: the past (ONNX order) CONCATENATED before the new ones (`cur`, in heads),
 *  written to the output `out` when the node has one. */
export function pastConcat(ctx: ConvertContext, past: string, cur: number, out: string | undefined, shape: number[], name: string): number {
  const t = out ? ctx.output(out, identity(4)) : ctx.temp(shape, 'FLOAT32', name);
  ctx.emit('CONCATENATION', [ctx.inputOnnx(past), cur], [t], { axis: 2, fusedActivationFunction: 'NONE' });
  return t;
}
