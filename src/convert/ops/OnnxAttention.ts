// ONNX Attention (opsets 23-24, the ONNX domain; torch 2.x's dynamo exporter writes F.scaled_dot_product_attention
// as it at opset 23): q / k / v as [B, N, S, h] or [B, S, N·h] (q_num_heads / kv_num_heads), grouped-query heads
// (q_num_heads a multiple of kv_num_heads: q viewed [B, N_kv, g·S, h], so each group meets its one key head with
// RESHAPEs only), q scaled, BATCH_MATMUL q·kᵀ (adj_y), softcap (c·tanh(x / c)), the bias (attn_mask: a float mask
// added, a bool mask as 0 / -1e30 through SELECT_V2; is_causal: bottom-right, key j seen by query i iff
// j <= i + past), SOFTMAX, BATCH_MATMUL by v. A query row every key of a bool mask drops gives zeros (the spec's
// errata, onnxruntime's kernel). past_key / past_value are CONCATENATED before the new keys (the present outputs);
// qk_matmul_output in modes 0-3. nonpad_kv_seqlen (24; the cache TensorScatter writes): keys at or past each row's
// count dropped, the causal frontier moved by count − S (run-time compares). A mask shorter than the keys is refused.
import { attrFloat, attrInt } from '../attrs';
import type { ConvertContext } from '../context';
import { identity } from '../layout';
import type { Node } from '../../ir/types';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';
import { pastConcat } from './_attention';

/** What a masked key adds to its score: finite, so that a row all masked stays finite until it is zeroed. */
const MASKED = -1e30;

interface Dims { B: number; S: number; L: number; P: number; T: number; nq: number; nkv: number; h: number; dv: number }

function dimsOf(node: Node, ctx: ConvertContext): Dims {
  const [q, k, v, , pastK] = node.inputs;
  const [qd, kd, vd] = [q, k, v].map((n) => ctx.dims(n));
  const P = pastK ? ctx.dims(pastK)[2] : 0;
  if (qd.length === 4) return { B: qd[0], S: qd[2], L: kd[2], P, T: P + kd[2], nq: qd[1], nkv: kd[1], h: qd[3], dv: vd[3] };
  const nq = attrInt(node, 'q_num_heads', 0);
  const nkv = attrInt(node, 'kv_num_heads', 0);
  return { B: qd[0], S: qd[1], L: kd[1], P, T: P + kd[1], nq, nkv, h: nq ? qd[2] / nq : 0, dv: nkv ? vd[2] / nkv : 0 };
}

/** Whether `m` broadcasts onto [B, N, S, T] with its last dim T. */
function maskFits(m: number[], full: number[]): boolean {
  if (m.length > 4 || m.length === 0 || m[m.length - 1] !== full[3]) return false;
  return m.every((d, i) => d === 1 || d === full[4 - m.length + i]);
}

const OnnxAttention: OpConverter = {
  op: 'Attention',
  emits: ['RESHAPE', 'CONCATENATION', 'MUL', 'BATCH_MATMUL', 'TANH', 'ADD', 'SELECT_V2', 'SOFTMAX', 'CAST', 'REDUCE_MAX', 'LESS', 'LESS_EQUAL', 'LOGICAL_AND'],
  incidental: ['SELECT_V2', 'CAST', 'REDUCE_MAX', 'LESS', 'LESS_EQUAL', 'LOGICAL_AND'] /* a bool mask's / nonpad_kv_seqlen's bias and all-masked rows */,
  opset: [23, MAX_OPSET], inputs: [3, 7], dtypes: ['float32'], micro: false, layout: 'onnx',
  check(node, ctx) {
    const [q, k, v, mask, pastK, pastV, nonpad] = node.inputs;
    if (nonpad && (pastK || pastV)) return refuse('unsupported', 'Attention with both nonpad_kv_seqlen and past_key / past_value (the spec forbids it)');
    const all = [q, k, v, mask, pastK, pastV].filter((n) => n).map((n) => ctx.dims(n));
    if (all.some((d) => d.some((x) => x < 0))) return refuse('dynamic-shape', 'Attention on inputs of dynamic dims; fix the model inputs\' dims with --input-shape');
    const [qd, kd, vd] = all;
    if ((qd.length !== 3 && qd.length !== 4) || kd.length !== qd.length || vd.length !== qd.length) {
      return refuse('rank', `Attention on q / k / v of ranks ${qd.length} / ${kd.length} / ${vd.length} is not supported (all 3-D or all 4-D)`);
    }
    const d = dimsOf(node, ctx);
    const whole = (x: number) => Number.isInteger(x) && x > 0;
    if (!whole(d.nq) || !whole(d.nkv) || !whole(d.h) || !whole(d.dv) || d.nq % d.nkv !== 0 || kd[0] !== d.B || vd[0] !== d.B
      || (qd.length === 4 ? kd[3] !== d.h || vd[2] !== d.L || vd[1] !== d.nkv : kd[2] !== d.nkv * d.h || vd[1] !== d.L)) {
      return refuse('unsupported', `Attention on q [${qd.join(', ')}], k [${kd.join(', ')}], v [${vd.join(', ')}] with ${d.nq} / ${d.nkv} heads is not supported`);
    }
    if (!pastK !== !pastV) return refuse('unsupported', 'Attention with only one of past_key / past_value');
    if (pastK) {
      const [pk, pv] = [ctx.dims(pastK), ctx.dims(pastV)];
      if (pk.length !== 4 || pk[0] !== d.B || pk[1] !== d.nkv || pk[3] !== d.h || pv.length !== 4 || pv[2] !== pk[2] || pv[3] !== d.dv) {
        return refuse('unsupported', `Attention past_key [${pk.join(', ')}] / past_value [${pv.join(', ')}] are not [${d.B}, ${d.nkv}, past, ${d.h} / ${d.dv}]`);
      }
      if (d.P === 0) return refuse('unsupported', 'Attention with an empty past (length 0) is not supported: TFLite has no empty tensors');
    }
    if (mask && !maskFits(ctx.dims(mask), [d.B, d.nq, d.S, d.T])) {
      return refuse('unsupported', `Attention attn_mask of dims [${ctx.dims(mask).join(', ')}] is not broadcastable to [${d.B}, ${d.nq}, ${d.S}, ${d.T}] (a mask shorter than the keys is not supported)`);
    }
    const md = mask ? ctx.knownDtype(mask) : undefined;
    if (md && md !== 'bool' && md !== 'float32') return refuse('dtype', `Attention attn_mask of ${md} (a bool or float32 mask)`);
    const mode = attrInt(node, 'qk_matmul_output_mode', 0);
    if (mode < 0 || mode > 3) return refuse('attribute', `Attention with qk_matmul_output_mode=${mode} (0-3)`);
    return undefined;
  },
  convert(node, ctx) {
    const [q, k, v, mask, pastK, pastV, nonpad] = node.inputs;
    const [y, presentK, presentV, qkOut] = node.outputs;
    const { B, S, L, P, T, nq, nkv, h, dv } = dimsOf(node, ctx);
    const three = ctx.rank(q) === 3;
    const g = nq / nkv;
    const e = new Emitter(ctx, node);
    /** An input in heads [B, N, len, d]: a 4-D input as it is, a 3-D one viewed [B, len, N, d] and handed out moved. */
    const heads = (name: string, n: number, len: number, dd: number, tag: string): number => {
      if (!three) return ctx.inputOnnx(name);
      const val = `${y}__${tag}_heads`;
      ctx.declare(val, 'float32', [B, len, n, dd]);
      e.reshape(ctx.inputOnnx(name), [B, len, n, dd], ctx.output(val, identity(4)));
      return ctx.input(val, [0, 2, 1, 3]);
    };
    let kh = heads(k, nkv, L, h, 'k');
    let vh = heads(v, nkv, L, dv, 'v');
    const cat = (past: string, cur: number, out: string | undefined, dd: number, tag: string) => pastConcat(ctx, past, cur, out, [B, nkv, T, dd], `${y}__${tag}_all`);
    if (pastK) {
      kh = cat(pastK, kh, presentK, h, 'k');
      vh = cat(pastV, vh, presentV, dv, 'v');
    } else {
      if (presentK) e.reshape(kh, [B, nkv, L, h], ctx.output(presentK, identity(4)));
      if (presentV) e.reshape(vh, [B, nkv, L, dv], ctx.output(presentV, identity(4)));
    }
    const scaled = e.bin('MUL', heads(q, nq, S, h, 'q'), e.scalar(attrFloat(node, 'scale', 1 / Math.sqrt(h))));
    const grouped = g > 1 ? e.reshape(scaled, [B, nkv, g * S, h]) : scaled;
    const raw = e.op('BATCH_MATMUL', [grouped, kh], [B, nkv, g * S, T], 'FLOAT32', { adjX: false, adjY: true });
    const full = [B, nq, S, T];
    const stages: number[] = [g > 1 ? e.reshape(raw, full) : raw];
    const softcap = attrFloat(node, 'softcap', 0);
    stages.push(softcap > 0 ? e.bin('MUL', e.un('TANH', e.bin('MUL', stages[0], e.scalar(1 / softcap))), e.scalar(softcap)) : stages[0]);
    // The bias: the causal constant and the mask, added together first (the smaller), then to the scores. Keys a
    // bool mask or nonpad_kv_seqlen drops (with a causal frontier that nonpad_kv_seqlen moves: run-time) are `allowed`
    // false: their bias is MASKED, and a row with none allowed gives zeros.
    const nonpadLen = nonpad ? e.reshape(e.cast(ctx.inputOnnx(nonpad), 'INT32'), [B, 1, 1, 1]) : undefined;
    const causalOn = attrInt(node, 'is_causal', 0) === 1;
    let causal: number | undefined;
    let causalCut: Float32Array | undefined;
    if (causalOn && S > 1 && nonpadLen === undefined) {
      causalCut = new Float32Array(S * T);
      for (let i = 0; i < S; i++) for (let j = P + i + 1; j < T; j++) causalCut[i * T + j] = MASKED;
      causal = ctx.constFloat32(causalCut, [S, T], `${node.name}/causal_bias`);
    }
    const allowedParts: number[] = [];
    if (mask && ctx.knownDtype(mask) === 'bool') allowedParts.push(ctx.inputOnnx(mask));
    if (nonpadLen !== undefined) {
      const keys = ctx.constInt32(Array.from({ length: T }, (_, j) => j), `${node.name}/key_positions`, [1, 1, 1, T]);
      allowedParts.push(e.bin('LESS', keys, nonpadLen));
      if (causalOn) {
        // query i sees key j iff j <= i + nonpad − S, i.e. j − i + S <= nonpad.
        const reach = ctx.constInt32(Array.from({ length: S * T }, (_, k) => (k % T) - Math.floor(k / T) + S), `${node.name}/causal_reach`, [1, 1, S, T]);
        allowedParts.push(e.bin('LESS_EQUAL', reach, nonpadLen));
      }
    }
    const allowed = allowedParts.length ? allowedParts.reduce((a, b) => e.bin('LOGICAL_AND', a, b)) : undefined;
    const floatMask = mask && ctx.knownDtype(mask) !== 'bool' ? ctx.inputOnnx(mask) : undefined;
    const biases = [allowed !== undefined ? e.select(allowed, e.scalar(0), e.scalar(MASKED)) : undefined, floatMask, causal].filter((b): b is number => b !== undefined);
    const bias = biases.length ? biases.reduce((a, b) => e.bin('ADD', a, b)) : undefined;
    stages.push(bias !== undefined ? e.bin('ADD', stages[1], bias) : stages[1]);
    let probs = e.op('SOFTMAX', [stages[2]], full, 'FLOAT32', { beta: 1 });
    if (allowed !== undefined) {
      let kept = e.cast(allowed, 'FLOAT32');
      if (causalCut) kept = e.bin('MUL', kept, ctx.constFloat32(causalCut.map((x) => (x === 0 ? 1 : 0)), [S, T], `${node.name}/causal_keep`));
      probs = e.bin('MUL', probs, e.reduce('REDUCE_MAX', kept, [e.shape(kept).length - 1], true));
    }
    stages.push(probs);
    if (qkOut) e.reshape(stages[attrInt(node, 'qk_matmul_output_mode', 0)], full, ctx.output(qkOut, identity(4)));
    const pg = g > 1 ? e.reshape(probs, [B, nkv, g * S, T]) : probs;
    if (!three) {
      const out = ctx.output(y, identity(4));
      if (g === 1) e.op('BATCH_MATMUL', [pg, vh], [B, nq, S, dv], 'FLOAT32', { adjX: false, adjY: false }, out);
      else e.reshape(e.op('BATCH_MATMUL', [pg, vh], [B, nkv, g * S, dv], 'FLOAT32', { adjX: false, adjY: false }), [B, nq, S, dv], out);
      return;
    }
    const merged = `${y}__context`;
    ctx.declare(merged, 'float32', [B, S, nq, dv]);
    const into = ctx.output(merged, [0, 2, 1, 3]);
    if (g === 1) e.op('BATCH_MATMUL', [pg, vh], [B, nq, S, dv], 'FLOAT32', { adjX: false, adjY: false }, into);
    else e.reshape(e.op('BATCH_MATMUL', [pg, vh], [B, nkv, g * S, dv], 'FLOAT32', { adjX: false, adjY: false }), [B, nq, S, dv], into);
    e.reshape(ctx.inputOnnx(merged), [B, S, nq * dv], ctx.output(y, identity(3)));
  },
};
export default OnnxAttention;
