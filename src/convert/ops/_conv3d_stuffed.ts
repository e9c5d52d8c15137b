// A depthwise ConvTranspose3d (groups = input channels: MedNeXt's up blocks) written as the convolution it equals:
// the input zero-stuffed by the strides (sD − 1, sH − 1, sW − 1 zeros after each value along D, H, W), padded by the
// dilated kernel's extent − 1 less ONNX's crop on each side (cropped there when negative), then a stride-1 depthwise
// Conv3d with the spatially flipped kernel — which _conv3d_frames.ts writes as one DEPTHWISE_CONV_2D a kernel depth over
// the frames, summed. Exact: every output is the same sum of products (the stuffed zeros add exact zeros). TFLite's
// TRANSPOSE_CONV has no groups, so the frames form of a grouped transpose was one TRANSPOSE_CONV a group a kernel
// depth (MedNeXt 64³: 241, with a SPLIT, a CONCATENATION and RESHAPE / PAD / ADD chains per part); this is kD
// depthwise convs, and ONNX's crop is folded into the padding. The stuffing costs sD·sH·sW× the multiply-adds of the
// transpose itself, which a depthwise layer's few per-channel products make cheap beside one op a channel.
import type { Node } from '../../ir/types';
import type { ConvertContext } from '../context';
import { Emitter } from './_emit';
import { emitDepthwise3dFrames } from './_conv3d_frames';
import type { FramePart } from './_conv3d_frames';

/** `weights` are ONNX's [C, m, kD, kH, kW] (groups = C, depth multiplier m; cout C·m), `out` the channel-last cropped
 *  output [N, Do, Ho, Wo, C·m]. */
export interface StuffedTranspose extends FramePart {
  /** Channel-last input [N, D, H, W, C]. */
  input: number;
  /** ONNX's crop: output position o is the full transposed output's o + begin, per spatial axis. */
  begin: number[];
}

/** x with s − 1 zeros after each value along `axis` (s·len long: the trailing zeros are cropped by the caller's pads). */
function stuff(ctx: ConvertContext, node: Node, e: Emitter, x: number, axis: number, s: number): number {
  const dims = e.shape(x);
  const pre = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const post = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const rows = e.reshape(x, [pre, dims[axis], 1, post]);
  const spread = e.op('PAD', [rows, ctx.constInt32([0, 0, 0, 0, 0, s - 1, 0, 0], `${node.name}/stuff${axis}`, [4, 2])],
    [pre, dims[axis], s, post], 'FLOAT32');
  return e.reshape(spread, dims.map((d, i) => (i === axis ? d * s : d)));
}

/** [C·m, 1, kD, kH, kW] weights of the equivalent Conv: each channel's kernel flipped along D, H, W. */
function flipped(w: Float32Array, kernel: number[]): Float32Array {
  const [kd, kh, kw] = kernel;
  const per = kd * kh * kw;
  const f = new Float32Array(w.length);
  for (let o = 0; o < w.length / per; o++) {
    for (let d = 0; d < kd; d++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
      f[o * per + ((kd - 1 - d) * kh + (kh - 1 - y)) * kw + (kw - 1 - x)] = w[o * per + (d * kh + y) * kw + x];
    }
  }
  return f;
}

/** A depthwise ConvTranspose3d as a zero-stuffed depthwise Conv3d over its frames (see the header). */
export function emitDepthwiseTranspose3dFrames(ctx: ConvertContext, node: Node, c: StuffedTranspose): void {
  const e = new Emitter(ctx, node);
  let x = c.input;
  for (let a = 0; a < 3; a++) if (c.strides[a] > 1) x = stuff(ctx, node, e, x, a + 1, c.strides[a]);
  const dims = e.shape(x);
  const outDims = e.shape(c.out);
  // Along each axis the conv reads [lo, lo + out + extent − 1) of the stuffed input extended by zeros.
  const lo: number[] = [];
  const hi: number[] = [];
  for (let a = 0; a < 3; a++) {
    const extent = (c.kernel[a] - 1) * c.dilations[a] + 1;
    lo.push(c.begin[a] - (extent - 1));
    hi.push(lo[a] + outDims[a + 1] + extent - 1);
  }
  if (lo.some((v) => v > 0) || hi.some((v, a) => v < dims[a + 1])) {
    // Part of the stuffed input lies outside what the output reads (large crops, trailing stuffed zeros): cut it.
    const from = lo.map((v) => Math.max(0, v));
    const to = hi.map((v, a) => Math.min(dims[a + 1], v));
    x = e.op('STRIDED_SLICE', [x, ctx.constInt32([0, ...from, 0], `${node.name}/stuffed_begin`),
      ctx.constInt32([dims[0], ...to, dims[4]], `${node.name}/stuffed_end`), ctx.constInt32([1, 1, 1, 1, 1], `${node.name}/stuffed_strides`)],
    [dims[0], ...to.map((t, a) => t - from[a]), dims[4]], 'FLOAT32',
    { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false });
  }
  const before = lo.map((v) => Math.max(0, -v));
  const after = hi.map((v, a) => Math.max(0, v - dims[a + 1]));
  if (before.some((v) => v > 0) || after.some((v) => v > 0)) {
    const s = e.shape(x);
    x = e.op('PAD', [x, ctx.constInt32([0, 0, before[0], after[0], before[1], after[1], before[2], after[2], 0, 0], `${node.name}/stuffed_pads`, [5, 2])],
      s.map((d, i) => (i >= 1 && i <= 3 ? d + before[i - 1] + after[i - 1] : d)), 'FLOAT32');
  }
  emitDepthwise3dFrames(ctx, node, { input: x, padding: 'VALID', pads: [0, 0, 0, 0, 0, 0], kernel: c.kernel, strides: [1, 1, 1],
    dilations: c.dilations, weights: flipped(c.weights, c.kernel), cout: c.cout, bias: c.bias, out: c.out });
}
