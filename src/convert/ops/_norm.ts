// Shared pieces of the normalization lowerings (LayerNormalization, InstanceNormalization,
// MeanVarianceNormalization, BatchNormalization with computed statistics): moments over TFLite axes with MEAN,
// per-channel vectors (ONNX axis 1) shaped to broadcast against a tensor stored in any layout, and the residual sum of
// onnxruntime's Skip*LayerNormalization fusions.
import type { ConvertContext, ValueRef } from '../context';
import type { Node } from '../../ir/types';
import { refuse, type Refusal } from '../types';
import { Perm, permute } from '../layout';
import type { Emitter } from './_emit';

export interface Moments {
  /** x - mean */
  centered: number;
  mean: number;
  variance: number;
}

/** Mean and variance of `x` over TFLite `axes` (kept as unit dims); `meanOut` / `varOut` write them to given tensors. */
export function moments(e: Emitter, x: number, axes: number[], meanOut?: number): Moments {
  const mean = staged(e, x, axes, meanOut);
  const centered = e.bin('SUB', x, mean);
  const variance = staged(e, e.bin('MUL', centered, centered), axes);
  return { centered, mean, variance };
}

/** Above this many elements a mean over several axes is taken one axis at a time (the last first): LiteRT sums each
 *  MEAN in one float32 pass, whose rounding grows with the count (XFeat's InstanceNorm of a 480×640 image: 4.4e-5 of
 *  the normalized values, 6.3e-4 at the outputs after the random layers; means of means are exact in real numbers).
 *  Was 65,536: unet3d's GroupNorm over a 16×32×32 volume (32,768 elements a group) was 3.7e-5 off float64 in one
 *  pass (onnxruntime 6.2e-6), 3.0e-7 staged (scripts/f64-reference.ts; test/convert/norm-stages.test.ts). One long
 *  axis viewed as [a, n / a] in two passes was measured worse than one pass (4.1e-6 vs 2.3e-6 over 32,768): not done. */
const ONE_PASS_MEAN = 4096;

function staged(e: Emitter, x: number, axes: number[], out?: number): number {
  const dims = e.shape(x);
  const count = axes.reduce((a, i) => a * dims[i], 1);
  if (axes.length < 2 || !(count > ONE_PASS_MEAN) || axes.some((i) => !(dims[i] > 0))) return e.reduce('MEAN', x, axes, true, out);
  const order = [...axes].sort((a, b) => b - a);
  let y = x;
  order.forEach((a, k) => { y = e.reduce('MEAN', y, [a], true, k === order.length - 1 ? out : undefined); });
  return y;
}

/** The ONNX [C] vector `name` as a tensor that broadcasts along ONNX `axis` (1: channels) of a rank-`rank` value stored in `perm`. */
export function channelVector(ctx: ConvertContext, e: Emitter, name: string, rank: number, perm: Perm, axis = 1): number {
  const c = ctx.shape(name).reduce((a, b) => a * b, 1);
  const full = new Array<number>(rank).fill(1);
  full[axis] = c;
  const k = ctx.constant(name);
  if (k) {
    const key = `${ctx.resolve(name)}__axis${axis}_rank${rank}`;
    if (!ctx.constants.has(key)) ctx.constants.set(key, { ...k, name: key, dims: full });
    return ctx.input(key, perm);
  }
  return e.reshape(ctx.inputOnnx(name), permute(full, perm));
}

/** onnxruntime's Skip*LayerNormalization fusions: the skip input must have the input's shape, and the mean /
 *  inv_std_var outputs are not written. A refusal naming `op`, or undefined. */
export function skipCheck(node: Node, ctx: ConvertContext, op: string): Refusal | undefined {
  if (node.outputs[1] || node.outputs[2]) return refuse('unsupported', `${op} with mean / inv_std_var outputs is not supported`);
  const x = ctx.dims(node.inputs[0]);
  const s = ctx.dims(node.inputs[1]);
  if (x.length !== s.length || x.some((d, i) => d !== s[i])) return refuse('unsupported', `${op} skip [${s.join(', ')}] differs from the input [${x.join(', ')}]`);
  return undefined;
}

/** The residual s = input + skip (+ bias) of a Skip*LayerNormalization in the input's layout `x`, written to the
 *  optional fourth output (the next residual) when the node has one. */
export function skipSum(e: Emitter, ctx: ConvertContext, node: Node, x: ValueRef, bias: string | undefined): number {
  const [, skip] = node.inputs;
  const sum = node.outputs[3];
  const rank = ctx.rank(node.inputs[0]!);
  const added = e.bin('ADD', x.index, ctx.input(skip!, x.perm), bias || !sum ? undefined : ctx.output(sum, x.perm));
  return bias ? e.bin('ADD', added, ctx.inputBroadcast(bias, rank, x.perm), sum ? ctx.output(sum, x.perm) : undefined) : added;
}
