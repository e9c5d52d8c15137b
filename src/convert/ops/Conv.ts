// ONNX Conv (1-D and 2-D) → TFLite CONV_2D, DEPTHWISE_CONV_2D (groups = channels), or SPLIT + CONV_2D +
// CONCATENATION for other group counts. Channel-last in, channel-last out; 1-D convs run as 2-D with H = 1;
// 3-D convs (rank 5) → CONV_3D, or past 1 MiB of patches 2-D convs over the frames (_conv3d.ts, _conv3d_frames.ts).
// A pointwise 1-D conv over rows stored in ONNX order that feeds no
// spatial op (gMLP's token mixing) is BATCH_MATMUL with the weights on the left, in ONNX order.
// Weights computed in the graph (2-D) come in filter layout from the layout pass; grouped ones (CondInst's dynamic
// mask heads: one group per instance, filters from a controller) are SPLIT per group with the input and the bias.
import type { Node, Tensor } from '../../ir/types';
import { toFloat32 } from '../../ir/tensor';
import { attrInt } from '../attrs';
import type { ConvertContext } from '../context';
import { transposeData } from '../constdata';
import { channelLast, identity, isIdentity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Window, resolvePadding, windowOf } from './_spatial';
import { check3d, emitConv3d } from './_conv3d';
import { batchDims, dynamicBatch, padBatch, signalDims, unpadBatch } from './_batch';
import { Emitter } from './_emit';
import { pointwiseAsStored } from './_pointwise';

/** A filter computed in the graph: OIHW in ONNX order → OHWI (or [1, H, W, O] depthwise) from the layout pass. */
function computedFilter(ctx: ConvertContext, node: Node, depthwise: boolean): number {
  return ctx.input(node.inputs[1], depthwise ? [1, 2, 3, 0] : [0, 2, 3, 1]);
}

function filterFor(ctx: ConvertContext, w: Tensor, depthwise: boolean, name: string): number {
  const dims = w.dims.length === 3 ? [w.dims[0], w.dims[1], 1, w.dims[2]] : w.dims;
  const data = toFloat32(w);
  const perm = depthwise ? [1, 2, 3, 0] : [0, 2, 3, 1];
  const out = transposeData(data, dims, perm, (n) => new Float32Array(n));
  return ctx.constFloat32(out, perm.map((p) => dims[p]), name);
}

function biasFor(ctx: ConvertContext, node: Node, cout: number, from = 0, count = cout): number {
  if (node.inputs[2] && !ctx.isConstant(node.inputs[2]) && count === cout) return ctx.inputOnnx(node.inputs[2]);
  const b = node.inputs[2] ? ctx.constant(node.inputs[2]) : undefined;
  const vals = b ? toFloat32(b).subarray(from, from + count) : new Float32Array(count);
  return ctx.constFloat32(vals, [count], `${node.name}/bias`);
}

export function convOptions(w: Window, padding: string): Record<string, number | string> {
  const [sh, sw] = w.strides.length === 1 ? [1, w.strides[0]] : w.strides;
  const [dh, dw] = w.dilations.length === 1 ? [1, w.dilations[0]] : w.dilations;
  return { padding, strideW: sw, strideH: sh, dilationWFactor: dw, dilationHFactor: dh, fusedActivationFunction: 'NONE' };
}

const Conv: OpConverter = {
  op: 'Conv', emits: ['CONV_2D', 'DEPTHWISE_CONV_2D', 'CONV_3D', 'PAD', 'RESHAPE', 'SPLIT', 'CONCATENATION', 'STRIDED_SLICE', 'BATCH_MATMUL', 'ADD', 'FULLY_CONNECTED'], opset: [1, MAX_OPSET], inputs: [2, 3],
  // CONV_3D (3-D convolutions only) has neither an int8 nor a TFLite Micro kernel: int8 keeps it float32 with a
  // warning and `onnx2lite micro` refuses it; the compatibility view marks such nodes from what they became.
  dtypes: ['float32'], layout: 'spatial', incidental: ['CONV_3D', 'STRIDED_SLICE'],
  check(node, ctx) {
    const rank = ctx.rank(node.inputs[0]);
    if (rank === 5) return check3d(node, ctx);
    if (rank !== 3 && rank !== 4) return refuse('rank', `Conv on a rank-${rank} input (${rank - 2}-D convolution) is not supported; only 1-D, 2-D and 3-D`);
    if (!ctx.isConstant(node.inputs[1]) && rank !== 4) {
      return refuse('computed-input', 'Conv with computed weights is supported only for 2-D convolutions; make the weights constant');
    }
    if (ctx.dtype(node.inputs[0]) !== 'float32') return refuse('dtype', `Conv on ${ctx.dtype(node.inputs[0])} input is not supported (float32 only)`);
    return undefined;
  },
  convert(node, ctx) {
    const x = node.inputs[0];
    const y = node.outputs[0];
    if (ctx.rank(x) === 5) return emitConv3d(ctx, node);
    // The batch may be known only at run time (RoI features after NMS); every other dim must be static.
    // A 1-D signal's length may be known only at run time instead (VITS after its length regulator): the RESHAPEs
    // to and from [N, 1, L, C] carry it as their one -1.
    const xs = ctx.rank(x) === 3 ? signalDims(ctx, x) : batchDims(ctx, x);
    const ys = ctx.rank(x) === 3 ? signalDims(ctx, y) : batchDims(ctx, y);
    const W = ctx.constant(node.inputs[1]);
    const wDims = W ? W.dims : ctx.shape(node.inputs[1]);
    const oneD = xs.length === 3;
    const group = attrInt(node, 'group', 1);
    const cin = xs[1];
    const cout = wDims[0];
    const kernel = wDims.slice(2);
    const spatial = xs.slice(2);
    const win = windowOf(node, spatial, kernel);
    if (oneD && W && mixesStoredRows(ctx, node, win)) return emitLeftProduct(ctx, node, W);
    if (oneD && pointwiseAsStored(ctx, node, false)) return;
    // A pointwise conv (1x1, stride 1, no padding, group 1) does not care in which order its spatial axes are stored:
    // it keeps an input stored channel-last with H and W swapped (YOLOv8's DFL reads a transposed [N, 16, 4, A]).
    const inPerm = ctx.permOf(x);
    const pointwise = !oneD && group === 1 && kernel.every((k) => k === 1) && win.strides.every((st) => st === 1) &&
      win.pads.every((p) => p === 0) && inPerm.length === 4 && inPerm[0] === 0 && inPerm[3] === 1;
    const perm = pointwise ? inPerm : channelLast(xs.length);
    let input = ctx.input(x, perm);
    // 1-D: [N, L, C] → [N, 1, L, C]; window gets a unit H dimension.
    const w2: Window = oneD
      ? { kernel: [1, kernel[0]], strides: [1, win.strides[0]], dilations: [1, win.dilations[0]], pads: [0, win.pads[0], 0, win.pads[1]] }
      : win;
    const sp2 = oneD ? [1, spatial[0]] : spatial;
    if (oneD) {
      const s4 = [xs[0], 1, xs[2], cin];
      const r = ctx.temp(s4, 'FLOAT32', `${x}__as2d`);
      ctx.emit('RESHAPE', [input, ctx.constInt32(s4, `${x}__as2d_shape`)], [r], { newShape: s4 });
      input = r;
    }
    const pad = resolvePadding(ctx, input, w2, sp2, 0, node.name);
    // A run-time batch (RoI features) may be 0: one zero row appended for the conv and dropped after (_batch.ts).
    const e = dynamicBatch(ctx, x) ? new Emitter(ctx, node) : undefined;
    if (e) pad.input = padBatch(ctx, e, pad.input, node.name);
    const outShape4 = oneD ? [ys[0], 1, ys[2], cout] : [ys[0], ys[2], ys[3], cout];
    const result = oneD ? ctx.temp(outShape4, 'FLOAT32', `${y}__2d`) : ctx.output(y, perm);
    const out = e ? ctx.temp(e.shape(result), 'FLOAT32', `${y}__padded`) : result;
    const opts = convOptions(w2, pad.padding);
    const depthwise = group === cin && group > 1 && cout % cin === 0;
    if (group === 1) {
      ctx.emit('CONV_2D', [pad.input, W ? filterFor(ctx, W, false, `${node.name}/filter`) : computedFilter(ctx, node, false), biasFor(ctx, node, cout)], [out], opts);
    } else if (depthwise) {
      const dil = w2.dilations.some((d) => d !== 1);
      ctx.emit('DEPTHWISE_CONV_2D', [pad.input, W ? filterFor(ctx, W, true, `${node.name}/filter`) : computedFilter(ctx, node, true),
        biasFor(ctx, node, cout)], [out],
        { ...opts, depthMultiplier: cout / cin }, dil ? 2 : 1);
    } else {
      emitGrouped(ctx, node, W, group, pad.input, out, opts);
    }
    if (e) unpadBatch(ctx, e, out, result, node.name);
    if (oneD) {
      const y3 = ctx.output(y, channelLast(3));
      const s3 = ctx.tensors[y3].shapeSignature ?? ctx.tensors[y3].shape;
      ctx.emit('RESHAPE', [result, ctx.constInt32(s3, `${y}__as1d_shape`)], [y3], { newShape: s3 });
    }
  },
};

/**
 * A pointwise 1-D conv (kernel 1, stride 1, no pads, group 1) of an input stored in ONNX order [N, C, L] whose output
 * flows into no spatial op: gMLP's spatial gating unit, `Conv1d(n_tokens, n_tokens, 1)` over the token axis of
 * LayerNorm'd [B, n, d] tokens. As a conv it moves the tokens channel-last and its output back; it is the product
 * W·x with the weights on the left, computed as stored.
 */
function mixesStoredRows(ctx: ConvertContext, node: Node, win: Window): boolean {
  const [x, , b] = node.inputs;
  const y = node.outputs[0];
  return attrInt(node, 'group', 1) === 1 && win.kernel[0] === 1 && win.strides[0] === 1 && win.pads.every((p) => p === 0)
    && (!b || ctx.isConstant(b)) && !ctx.isDynamic(x) && isIdentity(ctx.permOf(x)) && !ctx.prefersChannelLast.has(y);
}

/** BATCH_MATMUL(W [1, Cout, Cin], x [N, Cin, L]) + bias [Cout, 1], in ONNX order. */
function emitLeftProduct(ctx: ConvertContext, node: Node, W: Tensor): void {
  const e = new Emitter(ctx, node);
  const [cout, cin] = W.dims;
  const [n, , len] = ctx.shape(node.inputs[0]);
  const w = ctx.constFloat32(toFloat32(W), [1, cout, cin], `${node.name}/weights_left`);
  const out = ctx.output(node.outputs[0], identity(3));
  const b = node.inputs[2] ? ctx.constant(node.inputs[2]) : undefined;
  const prod = e.op('BATCH_MATMUL', [w, ctx.input(node.inputs[0], identity(3))], [n, cout, len], 'FLOAT32', { adjX: false, adjY: false }, b ? undefined : out);
  if (b) e.bin('ADD', prod, ctx.constFloat32(toFloat32(b), [cout, 1], `${node.name}/bias_rows`), out);
}

/** SPLIT + one CONV_2D a group + CONCATENATION; constant weights are cut per group, computed ones (and a computed
 *  bias) SPLIT at run time along their output channels. */
function emitGrouped(ctx: ConvertContext, node: Node, W: Tensor | undefined, group: number, input: number, out: number,
  opts: Record<string, number | string>): void {
  const inT = ctx.tensors[input];
  const inShape = inT.shapeSignature ?? inT.shape;
  const cin = inShape[3];
  const cout = W ? W.dims[0] : ctx.shape(node.inputs[1])[0];
  const cinG = cin / group;
  const coutG = cout / group;
  const split = (x: number, axis: number, shape: number[], what: string) => {
    const ps = Array.from({ length: group }, (_, g) => ctx.temp(shape, 'FLOAT32', `${node.name}/group${g}_${what}`));
    ctx.emit('SPLIT', [ctx.constInt32([axis], `${node.name}/split_${what}_axis`, []), x], ps, { numSplits: group });
    return ps;
  };
  const parts = split(input, 3, [...inShape.slice(0, 3), cinG], 'in');
  const f = W ? undefined : computedFilter(ctx, node, false);
  const filters = f === undefined ? undefined : split(f, 0, [coutG, ...ctx.tensors[f].shape.slice(1)], 'filter');
  const b = node.inputs[2];
  const biases = b && !ctx.isConstant(b) ? split(ctx.inputOnnx(b), 0, [coutG], 'bias') : undefined;
  const w = W ? toFloat32(W) : undefined;
  const per = w ? w.length / cout : 0;
  const outT = ctx.tensors[out];
  const outs = parts.map((p, g) => {
    const filter = filters ? filters[g] : filterFor(ctx, { name: `${W!.name}_g${g}`, dtype: 'float32', dims: [coutG, ...W!.dims.slice(1)],
      data: w!.slice(g * coutG * per, (g + 1) * coutG * per) }, false, `${node.name}/filter_g${g}`);
    const o = ctx.temp([...(outT.shapeSignature ?? outT.shape).slice(0, 3), coutG], 'FLOAT32', `${node.name}/group${g}_out`);
    ctx.emit('CONV_2D', [p, filter, biases ? biases[g] : biasFor(ctx, node, cout, g * coutG, coutG)], [o], opts);
    return o;
  });
  ctx.emit('CONCATENATION', outs, [out], { axis: 3, fusedActivationFunction: 'NONE' });
}

export default Conv;
