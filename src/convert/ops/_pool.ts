// Shared conversion of ONNX MaxPool / AveragePool to TFLite MAX_POOL_2D / AVERAGE_POOL_2D. 1-D pools run as 2-D
// with H = 1; 3-D pools (rank 5, NDHWC) as two 2-D pools: over (H, W) on [N·D, H, W, C], then over D on
// [N, D, H'·W', C] — exact, as max and average (including the count of valid positions) are separable. Dilated
// windows, which TFLite's pools lack, go through strided slices (_pool_slices.ts).
import type { Node } from '../../ir/types';
import { attrInt, attrInts } from '../attrs';
import type { ConvertContext } from '../context';
import { channelLast } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import type { Refusal } from '../types';
import { emitSlicePool } from './_pool_slices';
import { emitMaxPoolIndices } from './_pool_indices';
import { Window, applyCeilMode, isSame, isZero, padChannelLast, windowOf } from './_spatial';
import { batchDims } from './_batch';

type Pool2D = 'MAX_POOL_2D' | 'AVERAGE_POOL_2D';

export function checkPool(node: Node, ctx: ConvertContext): Refusal | undefined {
  const rank = ctx.rank(node.inputs[0]);
  if (rank < 3 || rank > 5) return refuse('rank', `${node.opType} on a rank-${rank} input is not supported; only 1-D, 2-D and 3-D pooling`);
  if (node.outputs[1] && node.opType !== 'MaxPool') return refuse('unsupported', `${node.opType}'s Indices output is not supported`);
  // storage_order only changes the Indices output.
  if (attrInt(node, 'storage_order', 0) !== 0 && rank === 5 && node.outputs[1]) {
    return refuse('attribute', 'MaxPool Indices with storage_order=1 are supported for 1-D and 2-D pooling only');
  }
  const dt = ctx.dtype(node.inputs[0]);
  if (dt !== 'float32' && !(node.opType === 'MaxPool' && (dt === 'uint8' || dt === 'int8'))) {
    return refuse('dtype', `${node.opType} on ${dt} is not supported (float32${node.opType === 'MaxPool' ? ', uint8 and int8' : ''} only)`);
  }
  return undefined;
}

/**
 * One 2-D pooling of the channel-last [N, H, W, C] tensor `input` with window `w` (pads already ceil-adjusted) into
 * a tensor of shape `shape4` (`out` when given). Pads are TFLite SAME when they match, else an explicit PAD(V2);
 * explicit zero pads with count_include_pad=0 rescale each output by window size / valid count.
 */
function pool2d(ctx: ConvertContext, node: Node, tfl: Pool2D, input: number, w: Window, sp2: number[], shape4: number[],
  out?: number): number {
  let padding: 'SAME' | 'VALID' = 'VALID';
  const countPad = attrInt(node, 'count_include_pad', 0) === 1;
  let x = input;
  if (!isZero(w.pads)) {
    // TFLite SAME average pooling leaves padding out of the count, as ONNX does with count_include_pad = 0.
    if (isSame(w, sp2) && (tfl === 'MAX_POOL_2D' || !countPad)) padding = 'SAME';
    else x = padChannelLast(ctx, x, w.pads, tfl === 'MAX_POOL_2D' ? -3.4028234663852886e38 : 0, node.name);
  }
  const rescale = padding === 'VALID' && tfl === 'AVERAGE_POOL_2D' && !countPad && !isZero(w.pads);
  const y = out ?? ctx.temp(shape4, 'FLOAT32', `${node.outputs[0]}__pool`);
  const pooled = rescale ? ctx.temp(shape4, 'FLOAT32', `${node.outputs[0]}__sum_avg`) : y;
  ctx.emit(tfl, [x], [pooled], {
    padding, strideW: w.strides[1], strideH: w.strides[0], filterWidth: w.kernel[1], filterHeight: w.kernel[0],
    fusedActivationFunction: 'NONE',
  });
  if (rescale) {
    const f = validCountScale(w, sp2, shape4[1], shape4[2]);
    ctx.emit('MUL', [pooled, ctx.constFloat32(f, [1, shape4[1], shape4[2], 1], `${node.name}/count_scale`)], [y],
      { fusedActivationFunction: 'NONE' });
  }
  return y;
}

/** A tensor's dims, -1 where known only at run time. */
function sig(ctx: ConvertContext, t: number): number[] {
  return ctx.tensors[t].shapeSignature ?? ctx.tensors[t].shape;
}

function reshape(ctx: ConvertContext, x: number, shape: number[], name: string, out?: number): number {
  const y = out ?? ctx.temp(shape, ctx.tensors[x].type, name);
  ctx.emit('RESHAPE', [x, ctx.constInt32(shape, `${name}_shape`)], [y], { newShape: shape });
  return y;
}

export function emitPool(ctx: ConvertContext, node: Node, tfl: Pool2D): void {
  const x = node.inputs[0];
  // The batch may be known only at run time (RoI features), for 1-D and 2-D pooling.
  const xs = ctx.rank(x) <= 4 ? batchDims(ctx, x) : ctx.shape(x);
  const spatial = xs.slice(2);
  const kernel = attrInts(node, 'kernel_shape') ?? spatial;
  const w = windowOf(node, spatial, kernel);
  const explicitPads = [...w.pads];
  applyCeilMode(node, w, spatial);
  const y = node.outputs[0];
  let input = ctx.inputChannelLast(x);
  let out = ctx.output(y, channelLast(xs.length));
  if (ctx.tensors[input].type !== 'FLOAT32') {
    // Plain (unquantized) 8-bit max pooling: exact through float32.
    const f = ctx.temp(sig(ctx, input), 'FLOAT32', `${x}__float`);
    ctx.emit('CAST', [input], [f]);
    input = f;
    const final = out;
    out = ctx.temp(sig(ctx, final), 'FLOAT32', `${y}__float`);
    emitPoolFloat(ctx, node, tfl, input, w, explicitPads, kernel, out);
    ctx.emit('CAST', [out], [final]);
    return;
  }
  emitPoolFloat(ctx, node, tfl, input, w, explicitPads, kernel, out);
}

function emitPoolFloat(ctx: ConvertContext, node: Node, tfl: Pool2D, input: number, w: Window, explicitPads: number[], kernel: number[],
  out: number): void {
  const x = node.inputs[0];
  const xs = ctx.rank(x) <= 4 ? batchDims(ctx, x) : ctx.shape(x);
  const spatial = xs.slice(2);
  const y = node.outputs[0];
  const ys = ctx.rank(x) <= 4 ? batchDims(ctx, y) : ctx.shape(y);
  if (node.outputs[1]) {
    emitMaxPoolIndices(ctx, node, input, w, spatial, out);
    return;
  }
  if (w.dilations.some((d) => d !== 1)) {
    emitSlicePool(ctx, node, tfl === 'MAX_POOL_2D' ? 'max' : 'avg', input, w, explicitPads, spatial, out);
    return;
  }
  const [n, c] = [xs[0], xs[1]];
  if (xs.length === 4) {
    pool2d(ctx, node, tfl, input, w, spatial, [n, ys[2], ys[3], c], out);
  } else if (xs.length === 3) {
    const w2 = { kernel: [1, kernel[0]], strides: [1, w.strides[0]], dilations: [1, 1], pads: [0, w.pads[0], 0, w.pads[1]] };
    const x4 = reshape(ctx, input, [n, 1, xs[2], c], `${x}__as2d`);
    const y4 = pool2d(ctx, node, tfl, x4, w2, [1, spatial[0]], [n, 1, ys[2], c]);
    reshape(ctx, y4, sig(ctx, out), `${y}__as1d`, out);
  } else {
    // 3-D: (H, W) on [N·D, H, W, C], then D on [N, D, H'·W', C].
    const [d, h, wd] = spatial;
    const [od, oh, ow] = ys.slice(2);
    const whw = { kernel: kernel.slice(1), strides: w.strides.slice(1), dilations: [1, 1], pads: [w.pads[1], w.pads[2], w.pads[4], w.pads[5]] };
    const wd1 = { kernel: [kernel[0], 1], strides: [w.strides[0], 1], dilations: [1, 1], pads: [w.pads[0], 0, w.pads[3], 0] };
    const hwUnit = isZero(whw.pads) && whw.kernel.every((k) => k === 1) && whw.strides.every((s) => s === 1);
    let t = input;
    if (!hwUnit) {
      const x4 = reshape(ctx, input, [n * d, h, wd, c], `${x}__hw`);
      t = pool2d(ctx, node, tfl, x4, whw, [h, wd], [n * d, oh, ow, c]);
    }
    const dUnit = isZero(wd1.pads) && kernel[0] === 1 && w.strides[0] === 1;
    if (dUnit) { reshape(ctx, t, ctx.tensors[out].shape, `${y}__dhw`, out); return; }
    const t4 = reshape(ctx, t, [n, d, oh * ow, c], `${y}__d`);
    const y4 = pool2d(ctx, node, tfl, t4, wd1, [d, oh * ow], [n, od, oh * ow, c]);
    reshape(ctx, y4, ctx.tensors[out].shape, `${y}__dhw`, out);
  }
}

/** Per output position: window size / number of window positions inside the input (not in the padding). */
function validCountScale(w: { kernel: number[]; strides: number[]; pads: number[] }, spatial: number[], oh: number, ow: number): Float32Array {
  const count = (o: number, d: number) => {
    const start = o * w.strides[d] - w.pads[d];
    return Math.min(start + w.kernel[d], spatial[d]) - Math.max(start, 0);
  };
  const f = new Float32Array(oh * ow);
  for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) f[i * ow + j] = (w.kernel[0] * w.kernel[1]) / (count(i, 0) * count(j, 1));
  return f;
}

export function pool(op: string, tfl: Pool2D): OpConverter {
  return {
    op, emits: [tfl, 'PAD', 'PADV2', 'RESHAPE', 'MUL', 'STRIDED_SLICE',
      ...(tfl === 'MAX_POOL_2D' ? ['MAXIMUM', 'CAST', 'GREATER', 'SELECT_V2', 'ADD'] : ['ADD'])],
    opset: [1, MAX_OPSET], dtypes: tfl === 'MAX_POOL_2D' ? ['float32', 'uint8', 'int8'] : ['float32'], layout: 'spatial',
    // CAST only wraps plain (unquantized) uint8/int8 inputs, which the int8 pass never sees.
    incidental: tfl === 'MAX_POOL_2D' ? ['CAST'] : undefined,
    check: checkPool,
    convert(node, ctx) { emitPool(ctx, node, tfl); },
  };
}
