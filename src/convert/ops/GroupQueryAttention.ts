// com.microsoft GroupQueryAttention (onnxruntime-genai's LLaMA / Phi / Qwen / Mistral exports): query [B, S, N·h] with
// key / value [B, S, N_kv·h] (or the three packed in query), N_kv ≤ N heads of keys and values shared by N / N_kv
// query heads each, a KV cache past_key / past_value [B, N_kv, P, h] → present [B, N_kv, max(total, P), h], causal.
// As onnxruntime's CPU kernel: row b's past length is seqlens_k[b] + 1 − S (0 on the first prompt, when S equals
// total_sequence_length); the present holds the past's first rows up to it, the new keys after them and zeros after
// those; query s sees keys t ≤ past + s (and t > past + s − local_window_size; causal=0: every key up to seqlens_k).
// seqlens_k is a run-time value per row, so the placement is data, not shape: the present is SELECT_V2(t < past_b,
// past, SELECT_V2(t < past_b + S, the new keys gathered at t − past_b, 0)) and the causal mask a run-time bias;
// total_sequence_length sets the present's length and must fold at conversion time. do_rotary rotates q and k at
// positions past_b + s (cos / sin rows gathered at run time); softcap, smooth_softmax and head_sink (an extra
// softmax column) follow the kernel.
// The query heads attend grouped: q [B, N, S, h] read as [B, N_kv, G·S, h] against the N_kv key heads (no repeat).
import { toFloat32, toNumbers } from '../../ir/tensor';
import type { Node } from '../../ir/types';
import { attrFloat, attrInt } from '../attrs';
import type { ConvertContext } from '../context';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';
import { rotate } from './_rotary';

/** float32's lowest value: the bias of keys a row cannot see (onnxruntime leaves them out of the softmax). */
const LOWEST = -3.4028234663852886e38;

interface Dims {
  B: number; S: number; N: number; Nkv: number; h: number;
  /** Past buffer length (0 without past), total_sequence_length, the present's length max(T, P). */
  P: number; T: number; Tp: number;
  /** The first prompt (S = total): every row's past length is 0. */
  first: boolean;
  /** Rotary dims (0: no do_rotary). */
  rot: number;
}

function dimsOf(node: Node, ctx: ConvertContext): Dims {
  const [q, k, , pk, , , total, cos] = node.inputs;
  const [B, S, width] = ctx.dims(q);
  const N = attrInt(node, 'num_heads', 1);
  const Nkv = attrInt(node, 'kv_num_heads', 1);
  const h = k ? width / N : width / (N + 2 * Nkv);
  const P = pk ? ctx.dims(pk)[2] : 0;
  const tc = ctx.constant(total);
  const T = tc ? toNumbers(tc)[0] : -1;
  const rot = attrInt(node, 'do_rotary', 0) && cos && ctx.constant(cos) ? 2 * ctx.constant(cos)!.dims[1] : 0;
  return { B, S, N, Nkv, h, P, T, Tp: Math.max(T, P), first: S === T, rot };
}

function refusal(node: Node, ctx: ConvertContext): string | undefined {
  const [q, k, v, pk, pv, seqlens, total, cos, sin, pos, bias, sink, ...rest] = node.inputs;
  if (rest.some(Boolean)) return 'with quantized KV caches or q/k norm weights (inputs after head_sink) is not supported';
  if (pos) return 'with position_ids is not supported (its positions follow seqlens_k)';
  if (node.outputs[3]) return 'with the output_qk output is not supported';
  const causal = attrInt(node, 'causal', 1);
  if (causal !== 0 && causal !== 1) return `with causal=${causal} (0 or 1) is not supported`;
  if (!causal && attrInt(node, 'local_window_size', -1) > 0) return 'with causal=0 and a local_window_size is not supported (onnxruntime refuses it too)';
  if (attrInt(node, 'sliding_window_cache', 0)) return 'with sliding_window_cache=1 (a window-sized KV cache) is not supported';
  if (Boolean(k) !== Boolean(v)) return 'with only one of key and value is not supported';
  if (Boolean(pk) !== Boolean(pv)) return 'with only one of past_key and past_value is not supported';
  const qd = ctx.dims(q);
  if (qd.length !== 3 || qd.some((d) => d < 0)) return `on query of dims [${qd.join(', ')}] is not supported (a static [batch, sequence, hidden]; fix the dims with --input-shape)`;
  const d = dimsOf(node, ctx);
  const { B, S, N, Nkv, h, P, T } = d;
  if (N % Nkv !== 0 || !Number.isInteger(h) || h <= 0) return `with ${N} heads, ${Nkv} kv heads and query [${qd.join(', ')}] is not supported`;
  if (k && (ctx.dims(k).join() !== [B, S, Nkv * h].join() || ctx.dims(v).join() !== [B, S, Nkv * h].join())) {
    return `with key [${ctx.dims(k).join(', ')}] / value [${ctx.dims(v).join(', ')}] (want [${B}, ${S}, ${Nkv * h}]) is not supported`;
  }
  if (pk) {
    const [a, b] = [ctx.dims(pk), ctx.dims(pv)];
    if (a.join() !== b.join() || a.length !== 4 || a[0] !== B || a[1] !== Nkv || a[3] !== h) return `with past_key [${a.join(', ')}] / past_value [${b.join(', ')}] (want [${B}, ${Nkv}, past_length, ${h}]) is not supported`;
    if (P === 0) return 'with an empty past (length 0) is not supported: TFLite has no empty tensors';
  }
  if (ctx.dims(seqlens).join() !== String(B)) return `with seqlens_k of dims [${ctx.dims(seqlens).join(', ')}] (want [${B}]) is not supported`;
  if (T < 0) return `with total_sequence_length known only at run time is not supported: it sets the present outputs' length; give it with --input-value ${total}=N (or fix the attention mask's dims with --input-shape)`;
  if (T < S) return `with total_sequence_length ${T} below the sequence length ${S} is not supported`;
  if (!d.first && S > 1 && B !== 1) return 'with a batch over 1 when sequence_length > 1 after the first prompt is not supported (onnxruntime refuses it too)';
  if (!d.first && !pk) return 'after the first prompt (sequence_length below total_sequence_length) without past_key / past_value is not supported';
  if (attrInt(node, 'do_rotary', 0)) {
    if (!cos || !sin || !ctx.isConstant(cos) || !ctx.isConstant(sin)) return 'with do_rotary and computed (or missing) cos / sin caches is not supported';
    const [c, s] = [ctx.constant(cos)!.dims, ctx.constant(sin)!.dims];
    if (c.length !== 2 || c.join() !== s.join() || 2 * c[1] > h || c[0] < d.Tp) return `with cos / sin caches [${c.join(', ')}] for head size ${h} and ${d.Tp} positions is not supported`;
  }
  if (bias) {
    const bd = ctx.dims(bias);
    if (bd.length !== 4 || (bd[0] !== 1 && bd[0] !== B) || (bd[1] !== 1 && bd[1] !== N) || bd[2] !== S || bd[3] !== T) return `with attention_bias of dims [${bd.join(', ')}] (want [${B} or 1, ${N} or 1, ${S}, ${T}]) is not supported`;
  }
  if (sink && (!ctx.isConstant(sink) || ctx.constant(sink)!.dims.reduce((x, y) => x * y, 1) !== N)) return `with a computed head_sink, or one not of ${N} values, is not supported`;
  return undefined;
}

/** The present cache [B, N_kv, Tp, h] from the new heads `fresh` [B, N_kv, S, h] and the past (as onnxruntime places them). */
function place(e: Emitter, d: Dims, fresh: number, past: string, pb: number | undefined, out: number): number {
  const { ctx } = e;
  const { B, S, Nkv, h, P, Tp } = d;
  if (pb === undefined) {
    // First prompt: the new keys at 0..S−1, zeros after them (a past buffer longer than the prompt).
    if (Tp === S) return e.reshape(fresh, [B, Nkv, S, h], out);
    return e.op('PAD', [fresh, ctx.constInt32([0, 0, 0, 0, 0, Tp - S, 0, 0], `${e.node.name}/present_pad`, [4, 2])], [B, Nkv, Tp, h], 'FLOAT32', undefined, out);
  }
  let old = ctx.inputOnnx(past);
  if (Tp > P) old = e.op('PAD', [old, ctx.constInt32([0, 0, 0, 0, 0, Tp - P, 0, 0], `${e.node.name}/past_pad`, [4, 2])], [B, Nkv, Tp, h], 'FLOAT32');
  const t = ctx.constInt32(Array.from({ length: Tp }, (_, i) => i), `${e.node.name}/cache_positions`, [1, 1, Tp, 1]);
  const pb4 = e.reshape(pb, [B, 1, 1, 1]);
  let moved = fresh;
  if (S > 1) {
    // Row b's new key s lands at pb + s: the present's row t reads the new key t − pb (clamped; SELECT_V2 keeps it
    // only for pb ≤ t < pb + S).
    const rel = e.bin('SUB', e.reshape(t, [1, Tp]), e.reshape(pb, [B, 1]));
    const idx = e.bin('MAXIMUM', e.bin('MINIMUM', rel, e.scalar(S - 1, 'INT32')), e.scalar(0, 'INT32'));
    moved = e.op('GATHER', [fresh, idx], [B, Nkv, Tp, h], 'FLOAT32', { axis: 2, batchDims: 1 });
  }
  const isNew = e.bin('LESS', t, e.bin('ADD', pb4, e.scalar(S, 'INT32')));
  const newer = e.select(isNew, moved, e.scalar(0));
  return e.select(e.bin('LESS', t, pb4), old, newer, out);
}

const GroupQueryAttention: OpConverter = {
  op: 'GroupQueryAttention', domain: 'com.microsoft',
  emits: ['RESHAPE', 'SPLIT', 'SPLIT_V', 'GATHER', 'MUL', 'SUB', 'ADD', 'CONCATENATION', 'PAD', 'SELECT_V2', 'BATCH_MATMUL', 'TANH',
    'SOFTMAX', 'SLICE', 'LESS', 'LESS_EQUAL', 'GREATER_EQUAL', 'LOGICAL_AND', 'MAXIMUM', 'MINIMUM'],
  incidental: ['LESS', 'LESS_EQUAL', 'GREATER_EQUAL', 'LOGICAL_AND', 'MAXIMUM', 'MINIMUM'] /* cache positions and the mask, from int32 */,
  opset: [1, MAX_OPSET], inputs: [3, 16], dtypes: ['float32'], micro: false, layout: 'onnx',
  check(node, ctx) {
    const why = refusal(node, ctx);
    return why ? refuse(why.includes('known only at run time') ? 'computed-input' : 'unsupported', `GroupQueryAttention ${why}`) : undefined;
  },
  convert(node, ctx) {
    const [q, k, v, pk, pv, seqlens, , cos, sin, , attnBias, sink] = node.inputs;
    const [y, presentK, presentV] = node.outputs;
    const d = dimsOf(node, ctx);
    const { B, S, N, Nkv, h, Tp, rot } = d;
    const G = N / Nkv;
    const e = new Emitter(ctx, node);
    // q, k, v as [B, S, heads, h].
    let [qx, kx, vx] = [0, 0, 0];
    if (k) [qx, kx, vx] = [[q, N], [k, Nkv], [v, Nkv]].map(([name, n]) => e.reshape(ctx.inputOnnx(name as string), [B, S, n as number, h]));
    else {
      const parts = [N, Nkv, Nkv].map((n, j) => ctx.temp([B, S, n * h], 'FLOAT32', `${y}__${'qkv'[j]}_packed`));
      ctx.emit('SPLIT_V', [ctx.inputOnnx(q), ctx.constInt32([N * h, Nkv * h, Nkv * h], `${node.name}/qkv_sizes`), e.scalar(2, 'INT32')], parts, { numSplits: 3 });
      [qx, kx, vx] = parts.map((t, j) => e.reshape(t, [B, S, j ? Nkv : N, h]));
    }
    // Row b's past length seqlens_k[b] + 1 − S (run-time; none on the first prompt).
    const lens = ctx.inputOnnx(seqlens);
    const pb = d.first ? undefined : e.bin('SUB', lens, e.scalar(S - 1, 'INT32'));
    const steps = ctx.constInt32(Array.from({ length: S }, (_, s) => s), `${node.name}/steps`, [1, S]);
    if (rot) {
      // Positions pb + s (on the first prompt s, every row alike: constant rows of the caches).
      const half = rot / 2;
      const interleaved = attrInt(node, 'rotary_interleaved', 0) === 1;
      const tail = [1, half, ...(interleaved ? [1] : [])];
      const rows = (name: string) => {
        if (pb === undefined) return ctx.constFloat32(toFloat32(ctx.constant(name)!).subarray(0, S * half), [1, S, ...tail], `${node.name}/${name}_rows`);
        // Clamped into the caches (a mask that is all zeros gives position −1: GATHER must not fail at run time).
        const rowsMax = ctx.constant(name)!.dims[0] - 1;
        const pos = e.bin('MAXIMUM', e.bin('MINIMUM', e.bin('ADD', e.reshape(pb, [B, 1]), steps), e.scalar(rowsMax, 'INT32')), e.scalar(0, 'INT32'));
        return e.reshape(e.op('GATHER', [ctx.inputOnnx(name), pos], [B, S, half], 'FLOAT32', { axis: 0, batchDims: 0 }), [B, S, ...tail]);
      };
      const [cb, sb] = [rows(cos), rows(sin)];
      const turn = (x: number, n: number) => {
        if (rot === h) return rotate(e, x, [B, S, n], half, interleaved, cb, sb);
        const parts = [rot, h - rot].map((w, j) => ctx.temp([B, S, n, w], 'FLOAT32', `${y}__rot_part${j}_${ctx.tensors.length}`));
        ctx.emit('SPLIT_V', [x, ctx.constInt32([rot, h - rot], `${node.name}/rot_sizes_${n}`), e.scalar(3, 'INT32')], parts, { numSplits: 2 });
        const turned = rotate(e, parts[0], [B, S, n], half, interleaved, cb, sb);
        return e.op('CONCATENATION', [turned, parts[1]], [B, S, n, h], 'FLOAT32', { axis: 3, fusedActivationFunction: 'NONE' });
      };
      [qx, kx] = [turn(qx, N), turn(kx, Nkv)];
    }
    /** [B, S, n, h] → an ONNX value the context hands out moved to heads [B, n, S, h]. */
    const toHeads = (x: number, n: number, tag: string) => {
      const name = `${y}__${tag}_heads`;
      ctx.declare(name, 'float32', [B, S, n, h]);
      e.reshape(x, [B, S, n, h], ctx.output(name, identity(4)));
      return ctx.input(name, [0, 2, 1, 3]);
    };
    const [qh, kh, vh] = [toHeads(qx, N, 'q'), toHeads(kx, Nkv, 'k'), toHeads(vx, Nkv, 'v')];
    const cache = (fresh: number, past: string, out: string | undefined, tag: string) =>
      place(e, d, fresh, past, pb, out ? ctx.output(out, identity(4)) : ctx.temp([B, Nkv, Tp, h], 'FLOAT32', `${y}__${tag}_present`));
    const K = cache(kh, pk, presentK, 'k');
    const V = cache(vh, pv, presentV, 'v');
    // Scores of the grouped query heads [B, N_kv, G·S, Tp], scaled, soft-capped, masked.
    const scores = e.op('BATCH_MATMUL', [e.reshape(qh, [B, Nkv, G * S, h]), K], [B, Nkv, G * S, Tp], 'FLOAT32', { adjX: false, adjY: true });
    let logits = e.bin('MUL', scores, e.scalar(attrFloat(node, 'scale', 0) || 1 / Math.sqrt(h)));
    const cap = attrFloat(node, 'softcap', 0);
    if (cap > 0) logits = e.bin('MUL', e.un('TANH', e.bin('MUL', logits, e.scalar(1 / cap))), e.scalar(cap));
    const window = attrInt(node, 'local_window_size', -1);
    const keys = ctx.constInt32(Array.from({ length: Tp }, (_, t) => t), `${node.name}/key_positions`, [1, 1, 1, 1, Tp]);
    // The last key query s sees: pb + s; on the first prompt s, or the row's last key for its padding queries.
    // (causal=0: every query sees the row's keys up to seqlens_k.)
    const rowLast = e.reshape(lens, [B, 1, 1, 1, 1]);
    const last = !attrInt(node, 'causal', 1) ? rowLast : pb === undefined ? e.bin('MINIMUM', e.reshape(steps, [1, 1, 1, S, 1]), rowLast)
      : e.bin('ADD', e.reshape(pb, [B, 1, 1, 1, 1]), e.reshape(steps, [1, 1, 1, S, 1]));
    let visible = e.bin('LESS_EQUAL', keys, last);
    if (window > 0) visible = e.bin('LOGICAL_AND', visible, e.bin('GREATER_EQUAL', keys, e.bin('SUB', last, e.scalar(window - 1, 'INT32'))));
    const bias = e.select(visible, e.scalar(0), e.scalar(LOWEST));
    let masked = e.bin('ADD', e.reshape(logits, [B, Nkv, G, S, Tp]), bias);
    if (attnBias) {
      // [B or 1, N or 1, S, T] as [.., N_kv, G, S, T], zeros for the buffer's keys after T (no row sees them).
      const [b0, n1] = ctx.dims(attnBias);
      let ab = e.reshape(ctx.inputOnnx(attnBias), [b0, n1 === 1 ? 1 : Nkv, n1 === 1 ? 1 : G, S, d.T]);
      if (Tp > d.T) ab = e.op('PAD', [ab, ctx.constInt32([0, 0, 0, 0, 0, 0, 0, 0, 0, Tp - d.T], `${node.name}/bias_pad`, [5, 2])], [...e.shape(ab).slice(0, 4), Tp], 'FLOAT32');
      masked = e.bin('ADD', masked, ab);
    }
    let width = Tp;
    if (attrInt(node, 'smooth_softmax', 0) || sink) {
      // One more logit per row (0, or the head's sink) in the softmax's denominator, dropped after it.
      const rb = e.shape(masked)[0];
      const per = sink ? toFloat32(ctx.constant(sink)!) : new Float32Array(N);
      const col = new Float32Array(rb * N * S);
      for (let i = 0; i < col.length; i++) col[i] = per[Math.floor(i / S) % N];
      masked = e.op('CONCATENATION', [masked, ctx.constFloat32(col, [rb, Nkv, G, S, 1], `${node.name}/sink_logits`)], [rb, Nkv, G, S, Tp + 1], 'FLOAT32', { axis: 4, fusedActivationFunction: 'NONE' });
      width = Tp + 1;
    }
    let probs = e.op('SOFTMAX', [e.reshape(masked, [B, Nkv, G * S, width])], [B, Nkv, G * S, width], 'FLOAT32', { beta: 1 });
    if (width > Tp) probs = e.op('SLICE', [probs, ctx.constInt32([0, 0, 0, 0], `${node.name}/keep_begin`), ctx.constInt32([B, Nkv, G * S, Tp], `${node.name}/keep_size`)], [B, Nkv, G * S, Tp], 'FLOAT32');
    const heads = e.op('BATCH_MATMUL', [probs, V], [B, Nkv, G * S, h], 'FLOAT32', { adjX: false, adjY: false });
    const merged = `${y}__context`;
    ctx.declare(merged, 'float32', [B, S, N, h]);
    e.reshape(heads, [B, N, S, h], ctx.output(merged, [0, 2, 1, 3]));
    e.reshape(ctx.inputOnnx(merged), [B, S, N * h], ctx.output(y, identity(3)));
  },
};
export default GroupQueryAttention;
