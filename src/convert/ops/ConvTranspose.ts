// ONNX ConvTranspose (1-D and 2-D; weights constant, or computed without groups (dilated at run time by PAD); 3-D in _conv3d.ts and, past
// 1 MiB of col2im, _conv3d_frames.ts) → TFLite TRANSPOSE_CONV with VALID padding into the
// full output ((in-1)·stride + dilated kernel + output_padding), then a STRIDED_SLICE that drops ONNX's pads
// (explicit, auto_pad or implied by output_shape). Dilations become zeros inside the kernel. Channel-last in and out;
// 1-D runs as 2-D with H = 1. Groups (StyleTTS / Kokoro's depthwise ConvTranspose1d upsampling): TRANSPOSE_CONV has
// none, so the constant weights become the block-diagonal dense filter (zeros between groups: exact).
import type { Node } from '../../ir/types';
import { toFloat32 } from '../../ir/tensor';
import { attrInt, attrInts, attrString } from '../attrs';
import type { ConvertContext } from '../context';
import { channelLast } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';
import { check3d, emitConvTranspose3d } from './_conv3d';
import { batchDims, shapeTensor, signalDims } from './_batch';
import { dimOf } from './_indices';
import { pointwiseAsStored } from './_pointwise';

interface Plan {
  /** Per spatial dim (H, W; H = 1 for 1-D). */
  kernel: number[];
  strides: number[];
  dilations: number[];
  full: number[];
  begin: number[];
  out: number[];
}

/** True for a 1-D signal [N, C, L] whose length is known only at run time (a VITS decoder's frames). */
function runTimeLength(ctx: ConvertContext, node: Node): boolean {
  const d = ctx.dims(node.inputs[0]);
  return d.length === 3 && d[2] < 0;
}

function plan(node: Node, ctx: ConvertContext): Plan | string {
  if (runTimeLength(ctx, node)) return lengthPlan(node, ctx);
  const xs = batchDims(ctx, node.inputs[0]);
  const ys = batchDims(ctx, node.outputs[0]);
  const n = xs.length - 2;
  const two = (v: number[], fill: number) => (n === 1 ? [fill, v[0]] : v);
  const kernel = two(ctx.shape(node.inputs[1]).slice(2), 1);
  const strides = two(attrInts(node, 'strides') ?? new Array<number>(n).fill(1), 1);
  const dilations = two(attrInts(node, 'dilations') ?? new Array<number>(n).fill(1), 1);
  const op = two(attrInts(node, 'output_padding') ?? new Array<number>(n).fill(0), 0);
  const inp = two(xs.slice(2), 1);
  const out = two(ys.slice(2), 1);
  const auto = attrString(node, 'auto_pad', 'NOTSET');
  const pads = attrInts(node, 'pads');
  const explicit = auto === 'NOTSET' && !attrInts(node, 'output_shape') && pads;
  const full = inp.map((d, i) => (d - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 + op[i]);
  const begin = full.map((f, i) => {
    if (explicit) return n === 1 ? (i === 0 ? 0 : pads[0]) : pads[i];
    const total = f - out[i];
    return auto === 'SAME_UPPER' ? Math.floor(total / 2) : total - Math.floor(total / 2);
  });
  for (let i = 0; i < 2; i++) {
    if (begin[i] < 0) return `ConvTranspose output size ${out[i]} does not fit its padding and output_padding`;
    // A negative end padding (output_shape beyond the full output) is more output: zeros plus the bias.
    full[i] = Math.max(full[i], begin[i] + out[i]);
  }
  return { kernel, strides, dilations, full, begin, out };
}

/** A 1-D ConvTranspose over a run-time length L: the full output (L - 1)·stride + span + output_padding is measured
 *  when it runs; explicit pads are cropped by begin and end offsets (end counted from the end), so `full`, `out` and
 *  `begin[1]` only hold the static H = 1 and the pads. auto_pad and output_shape need the length: refused. */
function lengthPlan(node: Node, ctx: ConvertContext): Plan | string {
  const auto = attrString(node, 'auto_pad', 'NOTSET');
  if ((auto !== 'NOTSET' && auto !== 'VALID') || attrInts(node, 'output_shape')) {
    return `ConvTranspose with auto_pad ${auto} or output_shape on a length known only at run time is not supported; give explicit pads`;
  }
  signalDims(ctx, node.inputs[0]);
  const pads = auto === 'VALID' ? [0, 0] : attrInts(node, 'pads') ?? [0, 0];
  return {
    kernel: [1, ctx.shape(node.inputs[1])[2]], strides: [1, (attrInts(node, 'strides') ?? [1])[0]],
    dilations: [1, (attrInts(node, 'dilations') ?? [1])[0]], full: [1, -1], begin: [0, pads[0]], out: [1, pads[1]],
  };
}

/** TRANSPOSE_CONV of [N, 1, L, Cin] `x` over a run-time L into [N, 1, L', Cout], cropped to ONNX's pads and
 *  written to `out` ([N, L', Cout]). */
function emitLength(ctx: ConvertContext, e: Emitter, node: Node, p: Plan, x: number, filter: number, bias: number,
  n: number, cout: number, out: number): void {
  const op = (attrInts(node, 'output_padding') ?? [0])[0];
  const extra = (p.kernel[1] - 1) * p.dilations[1] + 1 + op - p.strides[1];
  const len = e.bin('ADD', e.bin('MUL', e.reshape(dimOf(e, x, 4, 2), [1]), e.scalar(p.strides[1], 'INT32')), e.scalar(extra, 'INT32'));
  const shape = e.op('CONCATENATION', [ctx.constInt32([n, 1], `${node.name}/lead`), len, ctx.constInt32([cout], `${node.name}/cout`)],
    [4], 'INT32', { axis: 0, fusedActivationFunction: 'NONE' });
  const full = e.op('TRANSPOSE_CONV', [shape, filter, x, bias], [n, 1, -1, cout], 'FLOAT32',
    { padding: 'VALID', strideW: p.strides[1], strideH: 1, fusedActivationFunction: 'NONE' });
  const [before, after] = [p.begin[1], p.out[1]];
  let cropped = full;
  if (before > 0 || after > 0) {
    cropped = e.op('STRIDED_SLICE', [full, ctx.constInt32([0, 0, before, 0], `${node.name}/begin`),
      ctx.constInt32([n, 1, -after, cout], `${node.name}/end`), ctx.constInt32([1, 1, 1, 1], `${node.name}/strides`)],
    [n, 1, -1, cout], 'FLOAT32', { beginMask: 0, endMask: after > 0 ? 0 : 4, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false });
  }
  e.reshape(cropped, [n, -1, cout], out);
}

/** ONNX [Cin, Cout / group, kH, kW] weights (1-D: [Cin, Cout / group, k]) → TFLite [Cout, kH', kW', Cin] with dilation
 *  zeros, and zeros between groups. */
function weights(ctx: ConvertContext, e: Emitter, node: Node, p: Plan): number {
  const W = ctx.constant(node.inputs[1]);
  if (!W) {
    // Computed in the graph: the layout pass gives [Cout, kH, kW, Cin] ([Cout, k, Cin] for 1-D), dilated at run time.
    const dims = ctx.shape(node.inputs[1]);
    const f = dims.length === 4 ? ctx.input(node.inputs[1], [1, 2, 3, 0]) : e.reshape(ctx.input(node.inputs[1], [1, 2, 0]), [dims[1], 1, dims[2], dims[0]]);
    return dilatedAtRunTime(ctx, e, node, f, p);
  }
  const [cin, coutG] = W.dims;
  const group = attrInt(node, 'group', 1);
  const cout = coutG * group;
  const cinG = cin / group;
  const w = toFloat32(W);
  const [kh, kw] = p.kernel;
  const [dh, dw] = p.dilations;
  const KH = (kh - 1) * dh + 1;
  const KW = (kw - 1) * dw + 1;
  const out = new Float32Array(cout * KH * KW * cin);
  for (let ci = 0; ci < cin; ci++) {
    const g = Math.floor(ci / cinG);
    for (let c = 0; c < coutG; c++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
      out[(((g * coutG + c) * KH + y * dh) * KW + x * dw) * cin + ci] = w[((ci * coutG + c) * kh + y) * kw + x];
    }
  }
  return ctx.constFloat32(out, [cout, KH, KW, cin], `${node.name}/filter`);
}

/** A computed [Cout, kH, kW, Cin] filter with ONNX's dilations as zeros between its taps: each tap viewed with a unit
 *  axis after it, PAD to the dilation, viewed back ([Cout, kH·dH, kW·dW, Cin]) and the trailing zeros cut. */
function dilatedAtRunTime(ctx: ConvertContext, e: Emitter, node: Node, f: number, p: Plan): number {
  const [dh, dw] = p.dilations;
  if (dh === 1 && dw === 1) return f;
  const [cout, kh, kw, cin] = e.shape(f);
  const pads = ctx.constInt32([0, 0, 0, 0, 0, dh - 1, 0, 0, 0, dw - 1, 0, 0], `${node.name}/dilate_pads`, [6, 2]);
  const spread = e.op('PAD', [e.reshape(f, [cout, kh, 1, kw, 1, cin]), pads], [cout, kh, dh, kw, dw, cin], 'FLOAT32');
  const KH = (kh - 1) * dh + 1;
  const KW = (kw - 1) * dw + 1;
  return e.op('STRIDED_SLICE', [e.reshape(spread, [cout, kh * dh, kw * dw, cin]), ctx.constInt32([0, 0, 0, 0], `${node.name}/dilate_begin`),
    ctx.constInt32([cout, KH, KW, cin], `${node.name}/dilate_end`), ctx.constInt32([1, 1, 1, 1], `${node.name}/dilate_strides`)],
  [cout, KH, KW, cin], 'FLOAT32', { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false });
}

const ConvTranspose: OpConverter = {
  op: 'ConvTranspose', emits: ['TRANSPOSE_CONV', 'CONV_3D_TRANSPOSE', 'STRIDED_SLICE', 'RESHAPE', 'FULLY_CONNECTED', 'PAD', 'ADD'], opset: [1, MAX_OPSET], dtypes: ['float32'],
  // CONV_3D_TRANSPOSE (3-D only) has neither an int8 nor a TFLite Micro kernel (int8 keeps it float32; micro refuses).
  layout: 'spatial', incidental: ['CONV_3D_TRANSPOSE'],
  check(node, ctx) {
    const rank = ctx.rank(node.inputs[0]);
    if (rank === 5) return check3d(node, ctx);
    if (rank !== 3 && rank !== 4) return refuse('rank', `ConvTranspose on a rank-${rank} input is not supported; only 1-D, 2-D and 3-D`);
    if (attrInt(node, 'group', 1) !== 1 && !ctx.isConstant(node.inputs[1])) {
      return refuse('computed-input', 'ConvTranspose with groups needs constant weights (TFLite TRANSPOSE_CONV has no groups)');
    }
    if (ctx.dtype(node.inputs[0]) !== 'float32') return refuse('dtype', `ConvTranspose on ${ctx.dtype(node.inputs[0])} is not supported (float32 only)`);
    const p = plan(node, ctx);
    return typeof p === 'string' ? refuse('attribute', p) : undefined;
  },
  convert(node, ctx) {
    if (ctx.rank(node.inputs[0]) === 5) return emitConvTranspose3d(ctx, node);
    if (pointwiseAsStored(ctx, node, true)) return;
    const p = plan(node, ctx) as Plan;
    const e = new Emitter(ctx, node);
    // The batch may be known only at run time (RoI features after NMS): TRANSPOSE_CONV then reads it from its input.
    // So may a 1-D signal's length (VITS' decoder): the output shape is measured then (emitLength).
    const xs = signalDims(ctx, node.inputs[0]);
    const cout = ctx.shape(node.inputs[1])[1] * attrInt(node, 'group', 1);
    const oneD = xs.length === 3;
    let x = ctx.inputChannelLast(node.inputs[0]);
    if (oneD) x = e.reshape(x, [xs[0], 1, xs[2], xs[1]]);
    const bc = node.inputs[2] ? ctx.constant(node.inputs[2]) : undefined;
    const bias = node.inputs[2] && !bc ? ctx.inputOnnx(node.inputs[2])
      : ctx.constFloat32(bc ? toFloat32(bc) : new Float32Array(cout), [cout], `${node.name}/bias`);
    if (runTimeLength(ctx, node)) {
      const out = ctx.output(node.outputs[0], channelLast(3));
      return emitLength(ctx, e, node, p, x, weights(ctx, e, node, p), bias, xs[0], cout, out);
    }
    const fullShape = [xs[0], ...p.full, cout];
    const same = p.full.every((f, i) => f === p.out[i]);
    const y = node.outputs[0];
    const out = ctx.output(y, channelLast(xs.length));
    const direct = same && !oneD;
    const t = e.op('TRANSPOSE_CONV', [shapeTensor(ctx, e, fullShape, x, `${node.name}/output`), weights(ctx, e, node, p), x, bias],
      fullShape, 'FLOAT32',
    { padding: 'VALID', strideW: p.strides[1], strideH: p.strides[0], fusedActivationFunction: 'NONE' }, direct ? out : undefined);
    if (direct) return;
    const shape4 = [xs[0], ...p.out, cout];
    let cropped = t;
    if (!same) {
      cropped = e.op('STRIDED_SLICE', [t, ctx.constInt32([0, ...p.begin, 0], `${node.name}/begin`),
        ctx.constInt32([Math.max(xs[0], 1), ...p.begin.map((v, i) => v + p.out[i]), cout], `${node.name}/end`),
        ctx.constInt32([1, 1, 1, 1], `${node.name}/strides`)], shape4, 'FLOAT32',
      { beginMask: 0, endMask: xs[0] < 0 ? 1 : 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false }, oneD ? undefined : out);
    }
    if (oneD) e.reshape(cropped, ctx.tensors[out].shapeSignature ?? ctx.tensors[out].shape, out);
  },
};
export default ConvTranspose;
