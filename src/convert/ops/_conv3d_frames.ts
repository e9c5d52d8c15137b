// 3-D convolutions written as 2-D ones over the frames, where TFLite's 3-D kernels would need a scratch buffer the
// size of a whole layer: CONV_3D's optimized kernel builds an im2col of every output position × kD·kH·kW·Cin
// (RODNet-CDC's third layer at 16 × 128²: 0.94 GB, which aborts LiteRT's WASM heap), CONV_3D_TRANSPOSE a col2im of
// every input position × kD·kH·kW·Cout; neither has an XNNPack path. Over `frameLimits.scratchBytes` (1 MiB) and with
// constant weights:
// - Conv: the kD frames each output frame reads are stacked in channels (one STRIDED_SLICE a kernel depth,
//   CONCATENATION on C, frames folded into the batch) and one CONV_2D with [O, kH, kW, kD·Cin] weights computes it:
//   exact (the same products, summed over (kd, c) in one dot product) and XNNPack's, with no whole-layer scratch.
// - ConvTranspose: one TRANSPOSE_CONV a kernel depth over the input frames folded into the batch; its frames land at
//   t·sD + i·dD of the full output (zeros interleaved for a stride, PAD for the offset) and are summed, bias last.
import type { Node, Tensor } from '../../ir/types';
import { toFloat32 } from '../../ir/tensor';
import type { ConvertContext } from '../context';
import { transposeData } from '../constdata';
import { Emitter } from './_emit';

/** Scratch bytes above which a 3-D conv is written as 2-D convs over its frames. Not only for memory (LiteRT.js's heap
 *  is at most 2 GiB; RODNet-CDC's 0.94 GB im2col aborted it): TFLite's 3-D kernels have no XNNPack path, and a
 *  16→16 3×3×3 layer over 4 × 14² (1.4 MB of im2col) already ran 12× faster as the CONV_2D (paired, thread time),
 *  RODNet-CDC at 16 × 64² 42× (2.2 s vs 92 s a run; heap 111 MB vs 850 MB). Below 1 MiB a layer takes microseconds
 *  either way and keeps its one CONV_3D. A field, so that tests of the 2-D forms can lower it for small graphs. */
export const frameLimits = { scratchBytes: 2 ** 20 };

const prod = (v: number[]) => v.reduce((a, b) => a * b, 1);

/** Bytes of CONV_3D's patch matrix, every output position × kD·kH·kW·Cin: its im2col (TFLite conv3d.cc), which a
 *  1×1×1 kernel at stride 1 does not build, yet runs as the same GEMM without XNNPack (48→48 over 16 × 20²: 7.5× the
 *  CONV_2D's time, paired). */
export function conv3dPatchBytes(out: number[], kernel: number[], cin: number): number {
  return prod(out) * prod(kernel) * cin * 4;
}

/** Bytes of CONV_3D_TRANSPOSE's col2im (TFLite conv3d_transpose.cc): input positions × kD·kH·kW·Cout, per batch. */
export function convTranspose3dScratchBytes(inSpatial: number[], kernel: number[], cout: number): number {
  return prod(inSpatial) * prod(kernel) * cout * 4;
}

/** A 3-D conv part (a group's slice, or the whole conv) to write over its frames. */
export interface FramePart {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** ONNX weights of this part: Conv's [O, C, kD, kH, kW], ConvTranspose's [C, O, kD, kH, kW]. */
  weights: Float32Array;
  cout: number;
  bias: number;
  /** Channel-last output: Conv's [N, Do, Ho, Wo, O], ConvTranspose's full (uncropped) [N, Df, Hf, Wf, O]. */
  out: number;
}

export interface FrameConv extends FramePart {
  /** Channel-last input [N, D, H, W, C], already padded when `padding` is VALID. */
  input: number;
  padding: 'SAME' | 'VALID';
  /** ONNX pads [d0, h0, w0, d1, h1, w1] (used along D when `padding` is SAME). */
  pads: number[];
}

/** The input padded along D where SAME leaves it to the op, and a function giving kernel depth i's frames
 *  [N, Do, H, W, C] (one STRIDED_SLICE; the input itself when it is exactly those frames). */
function framesOf(ctx: ConvertContext, node: Node, e: Emitter, c: FrameConv): { frames: (i: number) => number; dims: number[] } {
  let x = c.input;
  const sd = c.strides[0];
  const dd = c.dilations[0];
  const dOut = e.shape(c.out)[1];
  if (c.padding === 'SAME' && (c.pads[0] > 0 || c.pads[3] > 0)) {
    const s = e.shape(x);
    x = e.op('PAD', [x, ctx.constInt32([0, 0, c.pads[0], c.pads[3], 0, 0, 0, 0, 0, 0], `${node.name}/frame_pads`, [5, 2])],
      [s[0], s[1] + c.pads[0] + c.pads[3], s[2], s[3], s[4]], 'FLOAT32');
  }
  const [n, dIn, h, w, cin] = e.shape(x);
  const frames = (i: number) => {
    const from = i * dd;
    if (from === 0 && sd === 1 && dIn === dOut) return x;
    return e.op('STRIDED_SLICE', [x, ctx.constInt32([0, from, 0, 0, 0], `${node.name}/frames${i}_begin`),
      ctx.constInt32([n, from + (dOut - 1) * sd + 1, h, w, cin], `${node.name}/frames${i}_end`),
      ctx.constInt32([1, sd, 1, 1, 1], `${node.name}/frames${i}_strides`)], [n, dOut, h, w, cin], 'FLOAT32',
    { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false });
  };
  return { frames, dims: [n, dOut, h, w, cin] };
}

const conv2dOptions = (c: FramePart, padding: string) => ({ padding, strideH: c.strides[1], strideW: c.strides[2],
  dilationHFactor: c.dilations[1], dilationWFactor: c.dilations[2], fusedActivationFunction: 'NONE' });

/** CONV_3D as one CONV_2D over the frames stacked in channels (see the header). */
export function emitConv3dFrames(ctx: ConvertContext, node: Node, c: FrameConv): void {
  const e = new Emitter(ctx, node);
  const [kd, kh, kw] = c.kernel;
  const ys = e.shape(c.out);
  const { frames, dims: [n, dOut, h, w, cin] } = framesOf(ctx, node, e, c);
  const parts = Array.from({ length: kd }, (_, i) => frames(i));
  const stacked = kd === 1 ? parts[0] : e.op('CONCATENATION', parts, [n, dOut, h, w, kd * cin], 'FLOAT32', { axis: 4, fusedActivationFunction: 'NONE' });
  const planes = e.reshape(stacked, [n * dOut, h, w, kd * cin]);
  // [O, C, kD, kH, kW] → [O, kH, kW, kD, C]: input channel kd·C + c of the stack.
  const dims = [c.cout, cin, kd, kh, kw];
  const perm = [0, 3, 4, 2, 1];
  const filter = ctx.constFloat32(transposeData(c.weights, dims, perm, (k) => new Float32Array(k)), [c.cout, kh, kw, kd * cin], `${node.name}/frame_filter`);
  const y = e.op('CONV_2D', [planes, filter, c.bias], [n * dOut, ys[2], ys[3], c.cout], 'FLOAT32', conv2dOptions(c, c.padding));
  e.reshape(y, ys, c.out);
}

/** A depthwise CONV_3D (groups = channels; X3D's, ir-CSN's 3×3×3) as one DEPTHWISE_CONV_2D a kernel depth over its
 *  frames, summed (the bias in the first): stacking frames in channels would mix the channels. */
export function emitDepthwise3dFrames(ctx: ConvertContext, node: Node, c: FrameConv): void {
  const e = new Emitter(ctx, node);
  const [kd, kh, kw] = c.kernel;
  const ys = e.shape(c.out);
  const { frames, dims: [n, dOut, h, w, cin] } = framesOf(ctx, node, e, c);
  const zeros = ctx.constFloat32(new Float32Array(c.cout), [c.cout], `${node.name}/frame_zero_bias`);
  let sum: number | undefined;
  for (let i = 0; i < kd; i++) {
    // [C·m, 1, kD, kH, kW] → DEPTHWISE_CONV_2D's [1, kH, kW, C·m] at depth i.
    const f = new Float32Array(kh * kw * c.cout);
    for (let o = 0; o < c.cout; o++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) f[(y * kw + x) * c.cout + o] = c.weights[((o * kd + i) * kh + y) * kw + x];
    const planes = e.reshape(frames(i), [n * dOut, h, w, cin]);
    const t = e.op('DEPTHWISE_CONV_2D', [planes, ctx.constFloat32(f, [1, kh, kw, c.cout], `${node.name}/frame_filter${i}`), i === 0 ? c.bias : zeros],
      [n * dOut, ys[2], ys[3], c.cout], 'FLOAT32', { ...conv2dOptions(c, c.padding), depthMultiplier: c.cout / cin });
    sum = sum === undefined ? t : e.bin('ADD', sum, t);
  }
  e.reshape(sum!, ys, c.out);
}

export interface FrameConvTranspose extends FramePart {
  /** Channel-last input [N, Din, H, W, C]. */
  input: number;
}

/** CONV_3D_TRANSPOSE as one TRANSPOSE_CONV a kernel depth over the frames, placed and summed (see the header). */
export function emitConvTranspose3dFrames(ctx: ConvertContext, node: Node, c: FrameConvTranspose): void {
  const e = new Emitter(ctx, node);
  const [n, dIn, h, w, cin] = e.shape(c.input);
  const full = e.shape(c.out);
  const [, dFull, hf, wf] = full;
  const [kd, kh, kw] = c.kernel;
  const [sd, sh, sw] = c.strides;
  const [dd, dh, dw] = c.dilations;
  const KH = (kh - 1) * dh + 1;
  const KW = (kw - 1) * dw + 1;
  const planes = e.reshape(c.input, [n * dIn, h, w, cin]);
  const shape = ctx.constInt32([n * dIn, hf, wf, c.cout], `${node.name}/frame_output_shape`);
  const zeros = ctx.constFloat32(new Float32Array(c.cout), [c.cout], `${node.name}/frame_zero_bias`);
  const plane = hf * wf * c.cout;
  const span = (dIn - 1) * sd + 1;
  let sum: number | undefined;
  for (let i = 0; i < kd; i++) {
    // TRANSPOSE_CONV's [O, kH', kW', C] with H / W dilation as zeros inside the kernel.
    const f = new Float32Array(c.cout * KH * KW * cin);
    for (let ci = 0; ci < cin; ci++) for (let o = 0; o < c.cout; o++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
      f[((o * KH + y * dh) * KW + x * dw) * cin + ci] = c.weights[(((ci * c.cout + o) * kd + i) * kh + y) * kw + x];
    }
    const z = e.op('TRANSPOSE_CONV', [shape, ctx.constFloat32(f, [c.cout, KH, KW, cin], `${node.name}/frame_filter${i}`), planes, zeros],
      [n * dIn, hf, wf, c.cout], 'FLOAT32', { padding: 'VALID', strideH: sh, strideW: sw, fusedActivationFunction: 'NONE' });
    let t = e.reshape(z, [n, dIn, plane]);
    if (sd > 1) {
      // Frame t at t·sD: sD − 1 zero frames after each, the last ones dropped.
      const spread = e.op('PAD', [e.reshape(z, [n * dIn, 1, plane]), ctx.constInt32([0, 0, 0, sd - 1, 0, 0], `${node.name}/frame_spread${i}`, [3, 2])],
        [n * dIn, sd, plane], 'FLOAT32');
      t = e.op('STRIDED_SLICE', [e.reshape(spread, [n, dIn * sd, plane]), ctx.constInt32([0, 0, 0], `${node.name}/frame_keep${i}_begin`),
        ctx.constInt32([n, span, plane], `${node.name}/frame_keep${i}_end`), ctx.constInt32([1, 1, 1], `${node.name}/frame_keep${i}_strides`)],
      [n, span, plane], 'FLOAT32', { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false });
    }
    const before = i * dd;
    const after = dFull - span - before;
    if (before > 0 || after > 0) {
      t = e.op('PAD', [t, ctx.constInt32([0, 0, before, after, 0, 0], `${node.name}/frame_place${i}`, [3, 2])], [n, dFull, plane], 'FLOAT32');
    }
    sum = sum === undefined ? t : e.bin('ADD', sum, t);
  }
  const rows = e.reshape(sum!, [n * dFull, hf * wf, c.cout]);
  e.reshape(e.bin('ADD', rows, c.bias), full, c.out);
}

/** A part's ONNX weights (groups: the slice [from, from + count) of the first axis) as float32. */
export function weightSlice(W: Tensor, from: number, count: number): Float32Array {
  const per = W.dims.slice(1).reduce((a, b) => a * b, 1);
  return toFloat32(W).subarray(from * per, (from + count) * per);
}

/** Grouped ConvTranspose3d in at most this many groups is one TRANSPOSE_CONV a kernel depth with block-diagonal
 *  weights (zeros between groups: exact, `group`× the multiply-adds), not one a group a kernel depth. */
export const BLOCK_DIAGONAL_GROUPS = 4;

/** ConvTranspose weights [Cin, Cout / group, kD, kH, kW] of `group` groups as one layer's [Cin, Cout, kD, kH, kW]. */
export function blockDiagonalTranspose(W: Tensor, group: number): Float32Array {
  const [cin, coutG] = W.dims;
  const per = W.dims.slice(2).reduce((a, b) => a * b, 1);
  const w = toFloat32(W);
  const f = new Float32Array(cin * coutG * group * per);
  for (let ci = 0; ci < cin; ci++) {
    const g = Math.floor(ci / (cin / group));
    f.set(w.subarray(ci * coutG * per, (ci + 1) * coutG * per), (ci * coutG * group + g * coutG) * per);
  }
  return f;
}
