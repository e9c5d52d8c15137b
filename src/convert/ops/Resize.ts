// ONNX Resize / Upsample (2-D spatial, NCHW) → TFLite RESIZE_BILINEAR or RESIZE_NEAREST_NEIGHBOR, channel-last,
// with align_corners / half_pixel_centers chosen so that TFLite samples exactly where ONNX does (_resize.ts); the
// cases no TFLite resize reproduces (cubic, odd scales or rounding, tf_crop_and_resize) run as constant
// interpolation matrices with BATCH_MATMUL (_resize_matrix.ts). 5-D volumes (trilinear): _resize_volume.ts. 3-D
// signals (NCW: F.interpolate on audio features, StyleTTS / Kokoro's upsampling shortcut) are images of height 1.
import type { Node } from '../../ir/types';
import { toNumbers } from '../../ir/tensor';
import { attrFloats, attrInt, attrInts, attrString } from '../attrs';
import type { ConvertContext } from '../context';
import { channelLast } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { emitScaledResize, scaledResizeReason } from './_resize_scaled';
import { ResizeDim, TflResizeFlags, tflResizeFlags } from './_resize';
import { emitResizeByMatrices, spatialRoi } from './_resize_matrix';
import { batchDims } from './_batch';
import { emitVolumeResize } from './_resize_volume';
import { Emitter } from './_emit';

/** The ONNX scale of each spatial dim: the `scales` input (or Upsample's attribute) when given, else out / in. */
export function spatialScales(node: Node, ctx: ConvertContext, xs: number[], ys: number[]): number[] {
  const idx = node.opType === 'Upsample' || ctx.opset < 11 ? 1 : 2;
  const name = node.inputs[idx];
  const c = name ? ctx.constant(name) : undefined;
  const given = c && c.dims.reduce((a, b) => a * b, 1) === xs.length ? toNumbers(c) : attrFloats(node, 'scales');
  const kept = keptAspectScale(node, ctx, xs);
  return xs.slice(2).map((d, i) => (kept?.axes.includes(i + 2) ? kept.scale : given ? given[i + 2] : ys[i + 2] / d));
}

/** Opset 18's keep_aspect_ratio_policy (not_larger / not_smaller) with constant sizes: the one scale of the axes it
 *  resizes (the output is round(scale · in), the shape functions' answer; sampling follows this scale). */
function keptAspectScale(node: Node, ctx: ConvertContext, xs: number[]): { scale: number; axes: number[] } | undefined {
  const policy = attrString(node, 'keep_aspect_ratio_policy', 'stretch');
  const sz = node.inputs[3] ? ctx.constant(node.inputs[3]) : undefined;
  if (policy === 'stretch' || !sz) return undefined;
  const axes = (attrInts(node, 'axes') ?? xs.map((_, i) => i)).map((a) => (a < 0 ? a + xs.length : a));
  const sizes = toNumbers(sz);
  const ratios = axes.map((a, i) => sizes[i] / xs[a]);
  return { scale: policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios), axes };
}

/** ONNX `sizes` computed in the graph and an output whose H and W are known only at run time (torchvision pastes
 *  each detection's mask or heatmap at its box's size). */
function sizedAtRunTime(node: Node, ctx: ConvertContext): boolean {
  const sz = node.inputs[3];
  if (!sz || ctx.isConstant(sz) || node.opType !== 'Resize') return false;
  const ys = ctx.dims(node.outputs[0]);
  return ys.length === 4 && ys[1] >= 0 && (ys[2] < 0 || ys[3] < 0);
}

/** Input and output dims: the batch may be -1, and the output's H and W when sized at run time. */
function ioDims(node: Node, ctx: ConvertContext): { xs: number[]; ys: number[] } {
  const xs = batchDims(ctx, node.inputs[0]);
  const ys = sizedAtRunTime(node, ctx) ? ctx.dims(node.outputs[0]) : batchDims(ctx, node.outputs[0]);
  return { xs, ys };
}

function coordMode(node: Node, ctx: ConvertContext): string {
  return node.opType === 'Upsample' ? 'asymmetric'
    : attrString(node, 'coordinate_transformation_mode', ctx.opset >= 11 ? 'half_pixel' : 'asymmetric');
}

/** Each spatial dim's sizes, ONNX scale and (tf_crop_and_resize) region of interest. */
function resizeDims(node: Node, ctx: ConvertContext): ResizeDim[] {
  const xs = batchDims(ctx, node.inputs[0]);
  const ys = batchDims(ctx, node.outputs[0]);
  const roi = coordMode(node, ctx) === 'tf_crop_and_resize' ? spatialRoi(node, ctx) : undefined;
  const dims = spatialScales(node, ctx, xs, ys).map((scale, i) => ({ inSize: xs[i + 2], outSize: ys[i + 2], scale, roi: roi?.[i] }));
  // A 3-D signal is resized as an image of height 1 (scale 1 there: every sampling rule keeps the row).
  return xs.length === 3 ? [{ inSize: 1, outSize: 1, scale: 1 }, ...dims] : dims;
}

/** The TFLite align_corners / half_pixel_centers that reproduce this node, or undefined (then: matrices). */
export function flagsFor(node: Node, ctx: ConvertContext): TflResizeFlags | undefined {
  const mode = attrString(node, 'mode', 'nearest');
  const ct = coordMode(node, ctx);
  if (mode === 'cubic' || ct === 'tf_crop_and_resize' || (mode === 'linear' && attrInt(node, 'antialias', 0) === 1)) return undefined;
  const nm = node.opType === 'Upsample' ? 'floor' : attrString(node, 'nearest_mode', 'round_prefer_floor');
  return tflResizeFlags(resizeDims(node, ctx), mode === 'nearest' ? 'nearest' : 'linear', ct, nm);
}

/** What a 5-D resize cannot do: sizes known only at run time, 8-bit values, tf_crop_and_resize (its roi is 2-D here). */
function volumeReason(node: Node, ctx: ConvertContext, ys: number[]) {
  if (ys.slice(1).some((d) => d < 0)) return refuse('dynamic-shape', 'Resize of a 5-D volume needs its output size known when converting');
  if (ctx.dtype(node.inputs[0]) !== 'float32') return refuse('dtype', `Resize of a 5-D volume on ${ctx.dtype(node.inputs[0])} is not supported`);
  if (coordMode(node, ctx) === 'tf_crop_and_resize') return refuse('attribute', 'Resize of a 5-D volume with tf_crop_and_resize is not supported');
  return undefined;
}

/** What a 3-D resize leaves out: sizes or scales known only at run time, tf_crop_and_resize, 8-bit values. */
function signalReason(node: Node, ctx: ConvertContext, ys: number[]) {
  const sc = node.inputs[node.opType === 'Upsample' || ctx.opset < 11 ? 1 : 2];
  if (ys[2] < 0 || (sc && !ctx.isConstant(sc) && !node.inputs[3])) return refuse('dynamic-shape', 'Resize of a 3-D signal needs constant scales or sizes');
  if (ctx.dtype(node.inputs[0]) !== 'float32') return refuse('dtype', `Resize of a 3-D signal on ${ctx.dtype(node.inputs[0])} is not supported`);
  if (coordMode(node, ctx) === 'tf_crop_and_resize') return refuse('attribute', 'Resize of a 3-D signal with tf_crop_and_resize is not supported');
  return undefined;
}

/** A 3-D signal [N, W, C] channel-last, resized as [N, 1, W, C]. */
function emitSignalResize(node: Node, ctx: ConvertContext, x: number): void {
  const e = new Emitter(ctx, node);
  const [N, W, C] = e.shape(x);
  const Wo = batchDims(ctx, node.outputs[0])[2];
  const out = ctx.output(node.outputs[0], channelLast(3));
  const x4 = e.reshape(x, [N, 1, W, C]);
  const flags = flagsFor(node, ctx);
  const y4 = ctx.temp([N, 1, Wo, C], 'FLOAT32', `${node.name}/resized`);
  if (!flags) emitResizeByMatrices(ctx, node, x4, y4, resizeDims(node, ctx), coordMode(node, ctx));
  else {
    ctx.emit(attrString(node, 'mode', 'nearest') === 'linear' ? 'RESIZE_BILINEAR' : 'RESIZE_NEAREST_NEIGHBOR',
      [x4, ctx.constInt32([1, Wo], `${node.name}/size`)], [y4], { ...flags }, flags.halfPixelCenters ? 3 : 1);
  }
  e.reshape(y4, [N, Wo, C], out);
}

const Resize: OpConverter = {
  op: 'Resize', emits: ['RESIZE_BILINEAR', 'RESIZE_NEAREST_NEIGHBOR', 'BATCH_MATMUL', 'RESHAPE', 'ADD', 'GATHER', 'MUL', 'SUB', 'DIV', 'FLOOR', 'CEIL', 'CAST',
    'MINIMUM', 'MAXIMUM', 'LOGICAL_AND', 'GREATER_EQUAL', 'LESS_EQUAL', 'RANGE', 'SELECT_V2'],
  incidental: ['RANGE', 'SELECT_V2', 'GATHER', 'MUL', 'SUB', 'DIV', 'FLOOR', 'CEIL', 'CAST', 'MINIMUM', 'MAXIMUM', 'LOGICAL_AND', 'GREATER_EQUAL', 'LESS_EQUAL'] /* computed scales only */,
  opset: [10, MAX_OPSET], dtypes: ['float32', 'uint8', 'int8'],
  layout: 'spatial',
  check(node, ctx) {
    const rank = ctx.rank(node.inputs[0]);
    if (rank < 3 || rank > 5) return refuse('rank', `Resize of a rank-${rank} tensor is not supported; only 3-D NCW signals, 4-D NCHW images and 5-D NCDHW volumes`);
    const { xs, ys } = ioDims(node, ctx);
    if (xs[0] !== ys[0] || xs[1] !== ys[1]) return refuse('unsupported', 'Resize that changes the batch or channel dims is not supported');
    const mode = attrString(node, 'mode', 'nearest');
    if (!['nearest', 'linear', 'cubic'].includes(mode)) return refuse('attribute', `Resize with mode=${mode} is not supported`);
    const ct = coordMode(node, ctx);
    if (!['half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn', 'tf_crop_and_resize'].includes(ct)) {
      return refuse('attribute', `Resize with coordinate_transformation_mode=${ct} is not supported`);
    }
    if (ct === 'tf_crop_and_resize' && !spatialRoi(node, ctx)) return refuse('computed-input', 'Resize with tf_crop_and_resize needs a constant roi');
    const sc = node.inputs[node.opType === 'Upsample' || ctx.opset < 11 ? 1 : 2];
    if (sc && !ctx.isConstant(sc) && !node.inputs[3] && xs.slice(2).some((d, i) => ys[i + 2] % d !== 0)) {
      const why = scaledResizeReason(node, mode, ct);
      if (why) return why;
    }
    const policy = attrString(node, 'keep_aspect_ratio_policy', 'stretch');
    if (!['stretch', 'not_larger', 'not_smaller'].includes(policy)) return refuse('attribute', `Resize with keep_aspect_ratio_policy=${policy} is not supported`);
    if (policy !== 'stretch' && (!node.inputs[3] || !ctx.isConstant(node.inputs[3]))) return refuse('computed-input', `Resize with keep_aspect_ratio_policy=${policy} needs constant sizes`);
    if (rank === 5) return volumeReason(node, ctx, ys);
    if (rank === 3) return signalReason(node, ctx, ys);
    if (sizedAtRunTime(node, ctx)) return scaledResizeReason(node, mode, ct);
    // 8-bit values (onnxruntime's QOperator models resize uint8 tensors): nearest moves them as they are.
    if (ctx.dtype(node.inputs[0]) !== 'float32' && (mode !== 'nearest' || !flagsFor(node, ctx) || (sc && !ctx.isConstant(sc) && !node.inputs[3]))) {
      return refuse('dtype', `Resize on ${ctx.dtype(node.inputs[0])} is supported in nearest mode with constant scales only; dequantize before a ${mode} resize`);
    }
    return undefined;
  },
  convert(node, ctx) {
    const x = ctx.inputChannelLast(node.inputs[0]);
    const { xs, ys } = ioDims(node, ctx);
    if (xs.length === 3) {
      emitSignalResize(node, ctx, x);
      return;
    }
    if (xs.length === 5) {
      emitVolumeResize(ctx, node, x, ctx.output(node.outputs[0], channelLast(5)), resizeDims(node, ctx), coordMode(node, ctx), flagsFor(node, ctx));
      return;
    }
    const mode = attrString(node, 'mode', 'nearest');
    const sc = node.inputs[node.opType === 'Upsample' || ctx.opset < 11 ? 1 : 2];
    if (sizedAtRunTime(node, ctx)) {
      emitScaledResize(ctx, node, x, undefined, xs, ys, mode, coordMode(node, ctx), ctx.output(node.outputs[0], channelLast(4)), node.inputs[3]);
      return;
    }
    if (sc && !ctx.isConstant(sc) && !node.inputs[3] && xs.slice(2).some((d, i) => ys[i + 2] % d !== 0)) {
      // Not whole factors: the sample positions are computed from the scales in the graph.
      emitScaledResize(ctx, node, x, sc, xs, ys, mode, coordMode(node, ctx), ctx.output(node.outputs[0], channelLast(4)));
      return;
    }
    if (sc && !ctx.isConstant(sc) && !node.inputs[3]) ctx.warn(`computed scales are taken to be the whole factors ${ys.slice(2).join('×')} / input size`);
    const flags = flagsFor(node, ctx);
    if (!flags) {
      emitResizeByMatrices(ctx, node, x, ctx.output(node.outputs[0], channelLast(4)), resizeDims(node, ctx), coordMode(node, ctx));
      return;
    }
    const { alignCorners, halfPixelCenters } = flags;
    const size = ctx.constInt32([ys[2], ys[3]], `${node.name}/size`);
    const out = ctx.output(node.outputs[0], channelLast(4));
    if (mode === 'linear') {
      ctx.emit('RESIZE_BILINEAR', [x, size], [out], { alignCorners, halfPixelCenters }, halfPixelCenters ? 3 : 1);
    } else {
      ctx.emit('RESIZE_NEAREST_NEIGHBOR', [x, size], [out], { alignCorners, halfPixelCenters }, halfPixelCenters ? 3 : 1);
    }
  },
};
export default Resize;
