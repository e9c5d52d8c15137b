// Shared pieces of the normalization lowerings (LayerNormalization, InstanceNormalization,
// MeanVarianceNormalization, BatchNormalization with computed statistics): moments over TFLite axes with MEAN, and
// per-channel vectors (ONNX axis 1) shaped to broadcast against a tensor stored in any layout.
import type { ConvertContext } from '../context';
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
  const mean = e.reduce('MEAN', x, axes, true, meanOut);
  const centered = e.bin('SUB', x, mean);
  const variance = e.reduce('MEAN', e.bin('MUL', centered, centered), axes, true);
  return { centered, mean, variance };
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
