// Shared conversion of ONNX MaxPool / AveragePool (1-D and 2-D) to TFLite MAX_POOL_2D / AVERAGE_POOL_2D.
import type { Node } from '../../ir/types';
import { attrInt, attrInts } from '../attrs';
import type { ConvertContext } from '../context';
import { channelLast } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import type { Refusal } from '../types';
import { applyCeilMode, isSame, isZero, padChannelLast, windowOf } from './_spatial';

export function checkPool(node: Node, ctx: ConvertContext): Refusal | undefined {
  const rank = ctx.rank(node.inputs[0]);
  if (rank !== 3 && rank !== 4) return refuse('rank', `${node.opType} on a rank-${rank} input is not supported; only 1-D and 2-D pooling`);
  if ((attrInts(node, 'dilations') ?? []).some((d) => d !== 1)) return refuse('attribute', `${node.opType} with dilations is not supported by TFLite pooling`);
  if (node.outputs[1]) return refuse('unsupported', `${node.opType}'s Indices output is not supported`);
  if (attrInt(node, 'storage_order', 0) !== 0) return refuse('attribute', 'MaxPool with storage_order=1 is not supported');
  if (ctx.dtype(node.inputs[0]) !== 'float32') return refuse('dtype', `${node.opType} on ${ctx.dtype(node.inputs[0])} is not supported (float32 only)`);
  return undefined;
}

export function emitPool(ctx: ConvertContext, node: Node, tfl: 'MAX_POOL_2D' | 'AVERAGE_POOL_2D'): void {
  const x = node.inputs[0];
  const xs = ctx.shape(x);
  const oneD = xs.length === 3;
  const spatial = xs.slice(2);
  const kernel = attrInts(node, 'kernel_shape') ?? spatial;
  const w = windowOf(node, spatial, kernel);
  applyCeilMode(node, w, spatial);
  let input = ctx.inputChannelLast(x);
  const sp2 = oneD ? [1, spatial[0]] : spatial;
  const w2 = oneD ? { kernel: [1, kernel[0]], strides: [1, w.strides[0]], dilations: [1, 1], pads: [0, w.pads[0], 0, w.pads[1]] } : w;
  if (oneD) {
    const s4 = [xs[0], 1, xs[2], xs[1]];
    const r = ctx.temp(s4, 'FLOAT32', `${x}__as2d`);
    ctx.emit('RESHAPE', [input, ctx.constInt32(s4, `${x}__as2d_shape`)], [r], { newShape: s4 });
    input = r;
  }
  let padding: 'SAME' | 'VALID' = 'VALID';
  const countPad = attrInt(node, 'count_include_pad', 0) === 1;
  if (!isZero(w2.pads)) {
    // TFLite SAME average pooling leaves padding out of the count, as ONNX does with count_include_pad = 0.
    if (isSame(w2, sp2) && (tfl === 'MAX_POOL_2D' || !countPad)) padding = 'SAME';
    else input = padChannelLast(ctx, input, w2.pads, tfl === 'MAX_POOL_2D' ? -3.4028234663852886e38 : 0, node.name);
  }
  // Explicit zero padding counts the pads: count_include_pad=0 rescales each output by window size / valid count.
  const rescale = padding === 'VALID' && tfl === 'AVERAGE_POOL_2D' && !countPad && !isZero(w2.pads);
  const y = node.outputs[0];
  const ys = ctx.shape(y);
  const shape4 = oneD ? [ys[0], 1, ys[2], ys[1]] : [ys[0], ys[2], ys[3], ys[1]];
  const out = oneD ? ctx.temp(shape4, 'FLOAT32', `${y}__2d`) : ctx.output(y, channelLast(4));
  const pooled = rescale ? ctx.temp(shape4, 'FLOAT32', `${y}__sum_avg`) : out;
  ctx.emit(tfl, [input], [pooled], {
    padding, strideW: w2.strides[1], strideH: w2.strides[0], filterWidth: w2.kernel[1], filterHeight: w2.kernel[0],
    fusedActivationFunction: 'NONE',
  });
  if (rescale) {
    const f = validCountScale(w2, sp2, shape4[1], shape4[2]);
    ctx.emit('MUL', [pooled, ctx.constFloat32(f, [1, shape4[1], shape4[2], 1], `${node.name}/count_scale`)], [out],
      { fusedActivationFunction: 'NONE' });
  }
  if (oneD) {
    const y3 = ctx.output(y, channelLast(3));
    const s3 = ctx.tensors[y3].shape;
    ctx.emit('RESHAPE', [out, ctx.constInt32(s3, `${y}__as1d_shape`)], [y3], { newShape: s3 });
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

export function pool(op: string, tfl: 'MAX_POOL_2D' | 'AVERAGE_POOL_2D'): OpConverter {
  return {
    op, emits: [tfl, 'PAD', 'PADV2', 'RESHAPE', 'MUL'], opset: [1, MAX_OPSET], dtypes: ['float32'], layout: 'spatial',
    check: checkPool,
    convert(node, ctx) { emitPool(ctx, node, tfl); },
  };
}
