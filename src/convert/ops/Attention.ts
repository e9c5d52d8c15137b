// com.microsoft Attention (onnxruntime's fusion of a BERT / GPT-2 self-attention block: one packed [E, Hq+Hk+Hv] q/k/v
// projection, num_heads heads) → one FULLY_CONNECTED projection, RESHAPE to [B, S, 3, N, h], the heads moved
// [3, B, N, S, h] by the layout context (one TRANSPOSE) and SPLIT, BATCH_MATMUL q·kᵀ (adj_y), MUL by the scale
// (1/√h unless `scale`), ADD of the attention bias (mask_index in each form onnxruntime's CPU kernel runs, the causal
// mask of unidirectional=1, attention_bias), SOFTMAX, BATCH_MATMUL by v, the heads merged back to [B, S, Hv].
// Past state [2, B, N, P, h] is CONCATENATED before the new keys and values (that is the present output); unequal
// q/k and v sizes (qkv_hidden_sizes) project v apart. Rotary embeddings and a shared past/present buffer are refused.
import { toFloat32 } from '../../ir/tensor';
import { attrInt, attrInts } from '../attrs';
import { transposeData } from '../constdata';
import type { ConvertContext } from '../context';
import { identity } from '../layout';
import type { Node } from '../../ir/types';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';
import { attend, attentionBiasRefusal, maskFormRefusal } from './_attention';

interface Sizes { E: number; hq: number; hv: number; heads: number }

function sizesOf(node: Node, ctx: ConvertContext): Sizes {
  const W = ctx.constant(node.inputs[1])!;
  const heads = attrInt(node, 'num_heads', 1);
  const qkv = attrInts(node, 'qkv_hidden_sizes') ?? [W.dims[1] / 3, W.dims[1] / 3, W.dims[1] / 3];
  return { E: W.dims[0], hq: qkv[0], hv: qkv[2], heads };
}

/** Rows [from, from + n) of the [E, total] weights as FULLY_CONNECTED's [n, E], and the matching bias. */
function projection(ctx: ConvertContext, node: Node, from: number, n: number, tag: string): [number, number] {
  const W = ctx.constant(node.inputs[1])!;
  const [E, total] = W.dims;
  const cols = transposeData(toFloat32(W), W.dims, [1, 0], (k) => new Float32Array(k)).subarray(from * E, (from + n) * E);
  const b = node.inputs[2] ? toFloat32(ctx.constant(node.inputs[2])!).subarray(from, from + n) : new Float32Array(n);
  if (b.length !== n || total < from + n) ctx.fail('Attention bias or weights are shorter than qkv_hidden_sizes say', 'unsupported');
  return [ctx.constFloat32(cols, [n, E], `${node.name}/${tag}_weights`), ctx.constFloat32(b, [n], `${node.name}/${tag}_bias`)];
}

const Attention: OpConverter = {
  op: 'Attention', domain: 'com.microsoft',
  emits: ['FULLY_CONNECTED', 'RESHAPE', 'SPLIT', 'SPLIT_V', 'CONCATENATION', 'BATCH_MATMUL', 'MUL', 'ADD', 'SOFTMAX',
    'GREATER_EQUAL', 'LESS', 'LESS_EQUAL', 'LOGICAL_OR', 'SELECT_V2'],
  incidental: ['GREATER_EQUAL', 'LESS', 'LESS_EQUAL', 'LOGICAL_OR', 'SELECT_V2'] /* the mask's bias, from int32 */,
  opset: [1, MAX_OPSET], inputs: [2, 7], dtypes: ['float32'], micro: false, layout: 'onnx',
  check(node, ctx) {
    const [x, w, b, mask, past, attnBias, pastLen] = node.inputs;
    if (attrInt(node, 'do_rotary', 0)) return refuse('attribute', 'Attention with do_rotary=1 (rotary embeddings inside the op) is not supported');
    if (attrInt(node, 'past_present_share_buffer', 0) || pastLen) return refuse('attribute', 'Attention with past_present_share_buffer (one preallocated past/present buffer) is not supported; export the model with a concatenated past');
    if (!ctx.isConstant(w) || (b && !ctx.isConstant(b))) return refuse('computed-input', 'Attention with computed weights or bias is not supported');
    const xs = ctx.dims(x);
    if (xs.length !== 3) return refuse('rank', `Attention on input of dims [${xs.join(', ')}] is not supported (a [batch, sequence, hidden])`);
    if (xs.some((d) => d < 0)) return refuse('dynamic-shape', `Attention on input of dynamic dims [${xs.join(', ')}]; fix the model inputs' dims with --input-shape`);
    const ws = ctx.constant(w)!.dims;
    const { hq, hv, heads } = sizesOf(node, ctx);
    const sizes = attrInts(node, 'qkv_hidden_sizes');
    if (ws.length !== 2 || ws[0] !== xs[2] || (sizes ? sizes.length !== 3 || sizes[0] !== sizes[1] || sizes[0] + sizes[1] + sizes[2] !== ws[1] : ws[1] % 3 !== 0)
      || hq % heads !== 0 || hv % heads !== 0) {
      return refuse('unsupported', `Attention on input [${xs.join(', ')}] with weights [${ws.join(', ')}]${sizes ? `, qkv_hidden_sizes [${sizes.join(', ')}]` : ''} and ${heads} heads is not supported`);
    }
    const [B, S] = xs;
    let T = S;
    if (past) {
      const ps = ctx.dims(past);
      if (hq !== hv) return refuse('unsupported', 'Attention with past state and unequal q/k and v sizes is not defined by onnxruntime');
      if (ps.some((d) => d < 0)) return refuse('dynamic-shape', `Attention past of dynamic dims [${ps.join(', ')}]; fix the past length with --input-shape`);
      if (ps.length !== 5 || ps[0] !== 2 || ps[1] !== B || ps[2] !== heads || ps[4] !== hq / heads) {
        return refuse('unsupported', `Attention past of dims [${ps.join(', ')}] is not [2, ${B}, ${heads}, past_length, ${hq / heads}]`);
      }
      if (ps[3] === 0) return refuse('unsupported', 'Attention with an empty past (length 0) is not supported: TFLite has no empty tensors; give the past length 1 or more with --input-shape, or convert the first step without past');
      T += ps[3];
    } else if (node.outputs[1] && hq !== hv) return refuse('unsupported', 'Attention with a present output and unequal q/k and v sizes is not defined by onnxruntime');
    if (mask) {
      const why = maskFormRefusal({ dims: ctx.dims(mask), B, S, T });
      if (why) return refuse('unsupported', `Attention with ${why}`);
    }
    const why = attnBias ? attentionBiasRefusal(ctx.dims(attnBias), B, heads, S, T) : undefined;
    if (why) return refuse('unsupported', `Attention ${why}`);
    return undefined;
  },
  convert(node, ctx) {
    const [x, , , mask, past, attnBias] = node.inputs;
    const [y, present] = node.outputs;
    const [B, S] = ctx.shape(x);
    const { hq, hv, heads } = sizesOf(node, ctx);
    const h = hq / heads;
    const dv = hv / heads;
    const P = past ? ctx.shape(past)[3] : 0;
    const T = P + S;
    const e = new Emitter(ctx, node);
    const fc = (from: number, n: number, tag: string) => {
      const [wt, bias] = projection(ctx, node, from, n, tag);
      return e.op('FULLY_CONNECTED', [ctx.inputOnnx(x), wt, bias], [B, S, n], 'FLOAT32', { fusedActivationFunction: 'NONE', weightsFormat: 'DEFAULT', keepNumDims: true });
    };
    /** `proj` [B, S, parts·N·d] as [parts, B, N, S, d]: an ONNX value [B, S, parts, N, d] the context hands out moved. */
    const heads5 = (proj: number, parts: number, d: number, tag: string) => {
      const name = `${y}__${tag}_heads`;
      ctx.declare(name, 'float32', [B, S, parts, heads, d]);
      e.reshape(proj, [B, S, parts, heads, d], ctx.output(name, identity(5)));
      return ctx.input(name, [2, 0, 3, 1, 4]);
    };
    const to4 = (t: number, len: number, d: number) => e.reshape(t, [B, heads, len, d]);
    let q = -1;
    let k = -1;
    let v = -1;
    if (hq === hv && S === 1 && B > 1) {
      // One query per row (a decoding step): q, k and v split off the projection are in heads already ([B, 1, N·h]
      // is [B, N, 1, h] in memory), so the past is split and extended per k and v instead of moving the packed heads.
      const parts = [0, 1, 2].map((j) => ctx.temp([B, 1, hq], 'FLOAT32', `${y}__${'qkv'[j]}_step`));
      ctx.emit('SPLIT', [e.scalar(2, 'INT32'), fc(0, 3 * hq, 'qkv')], parts, { numSplits: 3 });
      [q, k, v] = parts.map((t) => to4(t, 1, h));
      if (past) {
        const halves = [0, 1].map((j) => ctx.temp([1, B, heads, P, h], 'FLOAT32', `${y}__past_${'kv'[j]}`));
        ctx.emit('SPLIT', [e.scalar(0, 'INT32'), ctx.inputOnnx(past)], halves, { numSplits: 2 });
        [k, v] = [k, v].map((t, j) => e.op('CONCATENATION', [to4(halves[j], P, h), t], [B, heads, T, h], 'FLOAT32', { axis: 2, fusedActivationFunction: 'NONE' }));
      }
      if (present) {
        ctx.emit('CONCATENATION', [k, v].map((t) => e.reshape(t, [1, B, heads, T, h])), [ctx.output(present, identity(5))], { axis: 0, fusedActivationFunction: 'NONE' });
      }
    } else if (hq === hv) {
      // One projection for q, k and v (one head split for the three); k and v stay packed for the past state.
      const moved = heads5(fc(0, 3 * hq, 'qkv'), 3, h, 'qkv');
      if (!past && !present) {
        const parts = [0, 1, 2].map((j) => ctx.temp([1, B, heads, S, h], 'FLOAT32', `${y}__${'qkv'[j]}5`));
        ctx.emit('SPLIT', [e.scalar(0, 'INT32'), moved], parts, { numSplits: 3 });
        [q, k, v] = parts.map((t) => to4(t, S, h));
      } else {
        const q5 = ctx.temp([1, B, heads, S, h], 'FLOAT32', `${y}__q5`);
        const kvNew = present && !past ? ctx.output(present, identity(5)) : ctx.temp([2, B, heads, S, h], 'FLOAT32', `${y}__kv_new`);
        ctx.emit('SPLIT_V', [moved, ctx.constInt32([1, 2], `${node.name}/qkv_sizes`), e.scalar(0, 'INT32')], [q5, kvNew], { numSplits: 2 });
        let kv = kvNew;
        if (past) {
          kv = present ? ctx.output(present, identity(5)) : ctx.temp([2, B, heads, T, h], 'FLOAT32', `${y}__kv_all`);
          ctx.emit('CONCATENATION', [ctx.inputOnnx(past), kvNew], [kv], { axis: 3, fusedActivationFunction: 'NONE' });
        }
        const parts = [0, 1].map((j) => ctx.temp([1, B, heads, T, h], 'FLOAT32', `${y}__${'kv'[j]}5`));
        ctx.emit('SPLIT', [e.scalar(0, 'INT32'), kv], parts, { numSplits: 2 });
        [q, k, v] = [to4(q5, S, h), to4(parts[0], T, h), to4(parts[1], T, dv)];
      }
    } else {
      // q/k packed in one projection and split; v (another size) projected and moved apart.
      const moved = heads5(fc(0, 2 * hq, 'qk'), 2, h, 'qk');
      const parts = [0, 1].map((j) => ctx.temp([1, B, heads, S, h], 'FLOAT32', `${y}__${'qk'[j]}5`));
      ctx.emit('SPLIT', [e.scalar(0, 'INT32'), moved], parts, { numSplits: 2 });
      [q, k] = parts.map((t) => to4(t, S, h));
      v = to4(heads5(fc(2 * hq, hv, 'v'), 1, dv, 'v'), S, dv);
    }
    attend(e, node, { q, k, v, B, S, T, heads, h, dv, mask: mask || undefined, attnBias: attnBias || undefined });
  },
};
export default Attention;
