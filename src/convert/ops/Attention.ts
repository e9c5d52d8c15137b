// com.microsoft Attention (onnxruntime's fusion of a BERT-style self-attention block: one packed [H, 3H] q/k/v
// projection, num_heads heads) → one FULLY_CONNECTED projection, RESHAPE to [B, S, 3, N, h], the heads moved
// [3, B, N, S, h] by the layout context and SPLIT, BATCH_MATMUL q·kᵀ (adj_y), MUL by the scale (1/√h unless `scale`), SOFTMAX,
// BATCH_MATMUL by v, the heads merged back to [B, S, H]. A raw [B, S] mask adds mask_filter_value to dropped keys;
// other mask forms, past state, unidirectional masking and unequal q/k/v sizes are refused with one line.
import { toFloat32 } from '../../ir/tensor';
import { attrFloat, attrInt } from '../attrs';
import { transposeData } from '../constdata';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';

const Attention: OpConverter = {
  op: 'Attention', domain: 'com.microsoft', emits: ['FULLY_CONNECTED', 'RESHAPE', 'SPLIT', 'BATCH_MATMUL', 'MUL', 'SOFTMAX', 'CAST', 'MINIMUM', 'SUB', 'ADD'], opset: [1, MAX_OPSET],
  inputs: [2, 4], dtypes: ['float32'], micro: false, layout: 'onnx',
  check(node, ctx) {
    if (node.outputs.slice(1).some(Boolean)) return refuse('unsupported', 'Attention with a present (past state) output is not supported');
    if (attrInt(node, 'unidirectional', 0)) return refuse('attribute', 'Attention with unidirectional=1 (causal masking) is not supported');
    if (node.attrs.has('qkv_hidden_sizes')) return refuse('attribute', 'Attention with qkv_hidden_sizes is not supported');
    const [x, w, b, mask] = node.inputs;
    if (mask) {
      const ms = ctx.dims(mask);
      const xd = ctx.dims(x);
      if (ms.length !== 2 || ms[0] !== xd[0] || ms[1] !== xd[1]) {
        return refuse('unsupported', `Attention with mask_index of dims [${ms.join(', ')}] is not supported (only a raw [batch, sequence] mask)`);
      }
    }
    if (!ctx.isConstant(w) || (b && !ctx.isConstant(b))) return refuse('computed-input', 'Attention with computed weights or bias is not supported');
    const xs = ctx.shape(x);
    const ws = ctx.constant(w)!.dims;
    const heads = attrInt(node, 'num_heads', 1);
    if (xs.length !== 3 || ws.length !== 2 || ws[0] !== xs[2] || ws[1] % 3 !== 0 || (ws[1] / 3) % heads !== 0) {
      return refuse('unsupported', `Attention on input [${xs.join(', ')}] with weights [${ws.join(', ')}] and ${heads} heads is not supported`);
    }
    return undefined;
  },
  convert(node, ctx) {
    const [x, w, b] = node.inputs;
    const y = node.outputs[0];
    const [B, S, E] = ctx.shape(x);
    const W = ctx.constant(w)!;
    const hidden = W.dims[1] / 3;
    const heads = attrInt(node, 'num_heads', 1);
    const h = hidden / heads;
    const wt = transposeData(toFloat32(W), W.dims, [1, 0], (n) => new Float32Array(n)); // [3H, E]
    const bias = b ? toFloat32(ctx.constant(b)!) : new Float32Array(3 * hidden);
    // One projection for q, k and v together, as an ONNX value [B, S, 3, N, h] that the context hands out
    // [3, B, N, S, h] (one head split for the three), then split.
    const proj = ctx.temp([B, S, 3 * hidden], 'FLOAT32', `${y}__qkv_proj`);
    ctx.emit('FULLY_CONNECTED', [ctx.inputOnnx(x), ctx.constFloat32(wt, [3 * hidden, E], `${node.name}/qkv_weights`),
      ctx.constFloat32(bias, [3 * hidden], `${node.name}/qkv_bias`)], [proj], { fusedActivationFunction: 'NONE', weightsFormat: 'DEFAULT', keepNumDims: true });
    const packed = `${y}__qkv_heads`;
    ctx.declare(packed, 'float32', [B, S, 3, heads, h]);
    ctx.emit('RESHAPE', [proj, ctx.constInt32([B, S, 3, heads, h], `${packed}__shape`)], [ctx.output(packed, identity(5))], { newShape: [B, S, 3, heads, h] });
    const parts = ['q', 'k', 'v'].map((part) => ctx.temp([1, B, heads, S, h], 'FLOAT32', `${y}__${part}_5d`));
    ctx.emit('SPLIT', [ctx.constInt32([0], `${node.name}/split_axis`, []), ctx.input(packed, [2, 0, 3, 1, 4])], parts, { numSplits: 3 });
    const split = parts.map((t, j) => {
      const r = ctx.temp([B, heads, S, h], 'FLOAT32', `${y}__${'qkv'[j]}`);
      ctx.emit('RESHAPE', [t, ctx.constInt32([B, heads, S, h], `${y}__${'qkv'[j]}_shape`)], [r], { newShape: [B, heads, S, h] });
      return r;
    });
    const scores = ctx.temp([B, heads, S, S], 'FLOAT32', `${y}__scores`);
    ctx.emit('BATCH_MATMUL', [split[0], split[1]], [scores], { adjX: false, adjY: true });
    const scaled = ctx.temp([B, heads, S, S], 'FLOAT32', `${y}__scaled`);
    ctx.emit('MUL', [scores, ctx.constFloat32([attrFloat(node, 'scale', 1 / Math.sqrt(h))], [], `${node.name}/scale`)], [scaled], { fusedActivationFunction: 'NONE' });
    let logits = scaled;
    if (node.inputs[3]) {
      // A raw [B, S] mask (1 keep, 0 drop): mask_filter_value added to the dropped keys' scores, as onnxruntime does.
      const m = ctx.temp([B, S], 'FLOAT32', `${y}__mask_f`);
      ctx.emit('CAST', [ctx.inputOnnx(node.inputs[3])], [m]);
      const kept = ctx.temp([B, S], 'FLOAT32', `${y}__mask_kept`);
      ctx.emit('MINIMUM', [m, ctx.constFloat32([1], [], `${node.name}/one`)], [kept]);
      const dropped = ctx.temp([B, S], 'FLOAT32', `${y}__mask_dropped`);
      ctx.emit('SUB', [ctx.constFloat32([1], [], `${node.name}/one_`), kept], [dropped], { fusedActivationFunction: 'NONE' });
      const bias = ctx.temp([B, S], 'FLOAT32', `${y}__mask_bias`);
      ctx.emit('MUL', [dropped, ctx.constFloat32([attrFloat(node, 'mask_filter_value', -10000)], [], `${node.name}/mask_filter_value`)], [bias], { fusedActivationFunction: 'NONE' });
      const bias4 = ctx.temp([B, 1, 1, S], 'FLOAT32', `${y}__mask_bias4`);
      ctx.emit('RESHAPE', [bias, ctx.constInt32([B, 1, 1, S], `${y}__mask_shape`)], [bias4], { newShape: [B, 1, 1, S] });
      logits = ctx.temp([B, heads, S, S], 'FLOAT32', `${y}__masked`);
      ctx.emit('ADD', [scaled, bias4], [logits], { fusedActivationFunction: 'NONE' });
    }
    const probs = ctx.temp([B, heads, S, S], 'FLOAT32', `${y}__probs`);
    ctx.emit('SOFTMAX', [logits], [probs], { beta: 1 });
    const merged = `${y}__context`;
    ctx.declare(merged, 'float32', [B, S, heads, h]);
    ctx.emit('BATCH_MATMUL', [probs, split[2]], [ctx.output(merged, [0, 2, 1, 3])], { adjX: false, adjY: false });
    ctx.emit('RESHAPE', [ctx.inputOnnx(merged), ctx.constInt32([B, S, hidden], `${y}__shape`)], [ctx.output(y, identity(3))], { newShape: [B, S, hidden] });
  },
};
export default Attention;
