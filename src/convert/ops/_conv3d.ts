// 3-D convolutions (rank-5 NCDHW inputs, stored NDHWC by the layout pass): ONNX Conv → TFLite CONV_3D, ONNX
// ConvTranspose → CONV_3D_TRANSPOSE with VALID padding into the full output, then a STRIDED_SLICE that drops ONNX's
// pads. Groups (MedNeXt's depthwise ConvTranspose3d up blocks): SPLIT + one op per group + CONCATENATION, as neither
// TFLite op has groups. Computed weights (group 1) come in filter layout [kD, kH, kW, I, O] from the layout pass.
// A layer with constant weights whose patch matrix (TFLite's im2col / col2im, its groups together) is over 1 MiB is
// written as 2-D ops over its frames instead (_conv3d_frames.ts): TFLite's 3-D kernels have no XNNPack path.
import type { Node, Tensor } from '../../ir/types';
import { toFloat32 } from '../../ir/tensor';
import { attrInt, attrInts, attrString } from '../attrs';
import type { ConvertContext } from '../context';
import { transposeData } from '../constdata';
import { channelLast } from '../layout';
import { refuse } from '../types';
import type { Refusal } from '../types';
import { resolvePadding, windowOf } from './_spatial';
import { BLOCK_DIAGONAL_GROUPS, blockDiagonalTranspose, frameLimits, conv3dPatchBytes, convTranspose3dScratchBytes, emitConv3dFrames, emitConvTranspose3dFrames, emitDepthwise3dFrames, weightSlice } from './_conv3d_frames';
import { emitDepthwiseTranspose3dFrames } from './_conv3d_stuffed';

/** Why a rank-5 Conv/ConvTranspose cannot be converted, or undefined. */
export function check3d(node: Node, ctx: ConvertContext): Refusal | undefined {
  if (!ctx.isConstant(node.inputs[1]) && attrInt(node, 'group', 1) !== 1) {
    return refuse('computed-input', `grouped 3-D ${node.opType} with computed weights is not supported; make the weights constant`);
  }
  if (node.inputs[2] && !ctx.isConstant(node.inputs[2]) && attrInt(node, 'group', 1) !== 1) {
    return refuse('computed-input', `grouped 3-D ${node.opType} with a computed bias is not supported; make the bias constant`);
  }
  if (ctx.dtype(node.inputs[0]) !== 'float32') return refuse('dtype', `${node.opType} on ${ctx.dtype(node.inputs[0])} input is not supported (float32 only)`);
  return undefined;
}

function bias(ctx: ConvertContext, node: Node, cout: number, from: number, count: number): number {
  if (node.inputs[2] && !ctx.isConstant(node.inputs[2])) return ctx.inputOnnx(node.inputs[2]);
  const b = node.inputs[2] ? ctx.constant(node.inputs[2]) : undefined;
  const vals = b ? toFloat32(b).subarray(from, from + count) : new Float32Array(count);
  return ctx.constFloat32(vals, [count], `${node.name}/bias`);
}

/** ONNX weights [A, B, kD, kH, kW] (groups: A's slice [from, from + count)) → [kD, kH, kW, B, count]: CONV_3D's
 *  [kD, kH, kW, I, O] from Conv's [O, I, ...], CONV_3D_TRANSPOSE's [kD, kH, kW, O, I] from ConvTranspose's [I, O, ...]. */
function filter3d(ctx: ConvertContext, W: Tensor, from: number, count: number, name: string): number {
  const per = W.dims.slice(1).reduce((a, b) => a * b, 1);
  const data = toFloat32(W).subarray(from * per, (from + count) * per);
  const dims = [count, ...W.dims.slice(1)];
  const perm = [2, 3, 4, 1, 0];
  return ctx.constFloat32(transposeData(data, dims, perm, (n) => new Float32Array(n)), perm.map((p) => dims[p]), name);
}

export function emitConv3d(ctx: ConvertContext, node: Node): void {
  const xs = ctx.shape(node.inputs[0]);
  const ys = ctx.shape(node.outputs[0]);
  const W = ctx.constant(node.inputs[1]);
  const wDims = ctx.shape(node.inputs[1]);
  const group = attrInt(node, 'group', 1);
  const cout = wDims[0];
  const win = windowOf(node, xs.slice(2), wDims.slice(2));
  const pad = resolvePadding(ctx, ctx.inputChannelLast(node.inputs[0]), win, xs.slice(2), 0, node.name);
  const out = ctx.output(node.outputs[0], channelLast(5));
  const [sd, sh, sw] = win.strides;
  const [dd, dh, dw] = win.dilations;
  const opts = { padding: pad.padding, strideD: sd, strideH: sh, strideW: sw, dilationDFactor: dd, dilationHFactor: dh,
    dilationWFactor: dw, fusedActivationFunction: 'NONE' };
  // A layer whose patch matrix (its groups' together) would be over the limit is written over its frames (_conv3d_frames.ts):
  // each group one CONV_2D, a depthwise layer one DEPTHWISE_CONV_2D a kernel depth (not one op a channel).
  const framed = W !== undefined &&
    conv3dPatchBytes(ys.slice(0, 1).concat(ys.slice(2)), wDims.slice(2), xs[1]) > frameLimits.scratchBytes;
  const part = (input: number, from: number, count: number, output: number, suffix: string) => {
    const b = bias(ctx, node, cout, from, count);
    if (framed) {
      emitConv3dFrames(ctx, node, { input, padding: pad.padding, pads: win.pads, kernel: wDims.slice(2), strides: win.strides,
        dilations: win.dilations, weights: weightSlice(W!, from, count), cout: count, bias: b, out: output });
      return;
    }
    const f = W ? filter3d(ctx, W, from, count, `${node.name}/filter${suffix}`) : ctx.input(node.inputs[1], [2, 3, 4, 1, 0]);
    ctx.emit('CONV_3D', [input, f, b], [output], opts);
  };
  if (group === 1) return part(pad.input, 0, cout, out, '');
  if (group === xs[1] && framed) {
    emitDepthwise3dFrames(ctx, node, { input: pad.input, padding: pad.padding, pads: win.pads, kernel: wDims.slice(2), strides: win.strides,
      dilations: win.dilations, weights: weightSlice(W!, 0, cout), cout, bias: bias(ctx, node, cout, 0, cout), out });
    return;
  }
  const inShape = ctx.tensors[pad.input].shape;
  const cinG = xs[1] / group;
  const coutG = cout / group;
  const parts = Array.from({ length: group }, (_, g) => ctx.temp([...inShape.slice(0, 4), cinG], 'FLOAT32', `${node.name}/group${g}_in`));
  ctx.emit('SPLIT', [ctx.constInt32([4], `${node.name}/split_axis`, []), pad.input], parts, { numSplits: group });
  const outs = parts.map((p, g) => {
    const o = ctx.temp([ys[0], ...ys.slice(2), coutG], 'FLOAT32', `${node.name}/group${g}_out`);
    part(p, g * coutG, coutG, o, `_g${g}`);
    return o;
  });
  ctx.emit('CONCATENATION', outs, [out], { axis: 4, fusedActivationFunction: 'NONE' });
}

export function emitConvTranspose3d(ctx: ConvertContext, node: Node): void {
  const xs = ctx.shape(node.inputs[0]);
  const ys = ctx.shape(node.outputs[0]);
  const W = ctx.constant(node.inputs[1]);
  const wDims = ctx.shape(node.inputs[1]);
  const group = attrInt(node, 'group', 1);
  const cout = wDims[1] * group;
  const kernel = wDims.slice(2);
  const strides = attrInts(node, 'strides') ?? [1, 1, 1];
  const dil = attrInts(node, 'dilations') ?? [1, 1, 1];
  const outPad = attrInts(node, 'output_padding') ?? [0, 0, 0];
  const auto = attrString(node, 'auto_pad', 'NOTSET');
  const pads = attrInts(node, 'pads');
  const explicit = auto === 'NOTSET' && !attrInts(node, 'output_shape') && pads;
  const out = ys.slice(2);
  const full = xs.slice(2).map((d, i) => (d - 1) * strides[i] + (kernel[i] - 1) * dil[i] + 1 + outPad[i]);
  const begin = full.map((f, i) => {
    if (explicit) return pads[i];
    const total = f - out[i];
    return auto === 'SAME_UPPER' ? Math.floor(total / 2) : total - Math.floor(total / 2);
  });
  if (begin.some((b) => b < 0)) ctx.fail('ConvTranspose output size does not fit its padding and output_padding');
  for (let i = 0; i < 3; i++) full[i] = Math.max(full[i], begin[i] + out[i]);
  const fullShape = [xs[0], ...full, cout];
  const same = full.every((f, i) => f === out[i]);
  const y = ctx.output(node.outputs[0], channelLast(5));
  const opts = { padding: 'VALID', strideD: strides[0], strideH: strides[1], strideW: strides[2], dilationDFactor: dil[0],
    dilationHFactor: dil[1], dilationWFactor: dil[2], fusedActivationFunction: 'NONE' };
  const x = ctx.inputChannelLast(node.inputs[0]);
  const framed = W !== undefined && convTranspose3dScratchBytes(xs.slice(2), kernel, cout) > frameLimits.scratchBytes;
  if (framed && group > 1 && group === xs[1]) {
    // Depthwise (MedNeXt's up blocks): a zero-stuffed depthwise conv over the frames, kD ops, not kD a channel.
    emitDepthwiseTranspose3dFrames(ctx, node, { input: x, kernel, strides, dilations: dil, weights: weightSlice(W, 0, xs[1]), cout,
      bias: bias(ctx, node, cout, 0, cout), begin, out: y });
    return;
  }
  const t = same ? y : ctx.temp(fullShape, 'FLOAT32', `${node.name}/full`);
  // A layer whose col2im (its groups together) would be over the limit: one TRANSPOSE_CONV a kernel depth a group.
  const part = (input: number, from: number, count: number, coutPart: number, output: number, suffix: string, g: number) => {
    const b = bias(ctx, node, cout, g * coutPart, coutPart);
    if (framed) {
      emitConvTranspose3dFrames(ctx, node, { input, kernel, strides, dilations: dil, weights: weightSlice(W!, from, count),
        cout: coutPart, bias: b, out: output });
      return;
    }
    const w = W ? filter3d(ctx, W, from, count, `${node.name}/filter${suffix}`) : ctx.input(node.inputs[1], [2, 3, 4, 1, 0]);
    ctx.emit('CONV_3D_TRANSPOSE', [ctx.constInt32(ctx.tensors[output].shape, `${node.name}/output_shape${suffix}`), w, input, b], [output], opts);
  };
  if (group === 1) {
    part(x, 0, xs[1], cout, t, '', 0);
  } else if (framed && group <= BLOCK_DIAGONAL_GROUPS) {
    emitConvTranspose3dFrames(ctx, node, { input: x, kernel, strides, dilations: dil, weights: blockDiagonalTranspose(W, group), cout,
      bias: bias(ctx, node, cout, 0, cout), out: t });
  } else {
    const cinG = xs[1] / group;
    const coutG = cout / group;
    const parts = Array.from({ length: group }, (_, g) => ctx.temp([...xs.slice(0, 1), ...xs.slice(2), cinG], 'FLOAT32', `${node.name}/group${g}_in`));
    ctx.emit('SPLIT', [ctx.constInt32([4], `${node.name}/split_axis`, []), x], parts, { numSplits: group });
    const partShape = [xs[0], ...full, coutG];
    const outs = parts.map((p, g) => {
      const o = ctx.temp(partShape, 'FLOAT32', `${node.name}/group${g}_out`);
      part(p, g * cinG, cinG, coutG, o, `_g${g}`, g);
      return o;
    });
    ctx.emit('CONCATENATION', outs, [t], { axis: 4, fusedActivationFunction: 'NONE' });
  }
  if (same) return;
  ctx.emit('STRIDED_SLICE', [t, ctx.constInt32([0, ...begin, 0], `${node.name}/begin`),
    ctx.constInt32([xs[0], ...begin.map((v, i) => v + out[i]), cout], `${node.name}/end`),
    ctx.constInt32([1, 1, 1, 1, 1], `${node.name}/strides`)], [y],
  { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false });
}
