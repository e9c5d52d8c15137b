// A leading (batch) dim known only at run time: the RoI features of a two-stage detector ([N, 256, 14, 14], N from
// NMS) go through Conv, ConvTranspose and Resize with every other dim static. TFLite's kernels size their outputs
// from the input's batch when they run, so such ops only need the -1 carried into the output's shape_signature
// (ctx.output does that from the ONNX dims) and, where an op takes an output shape as a tensor (TRANSPOSE_CONV), the
// batch read from the input at run time.
import type { ConvertContext } from '../context';
import { ConvertError } from '../types';
import type { Emitter } from './_emit';

/** The value's dims, where only the leading one may be -1 (known at run time); any other dynamic dim is refused as
 *  ctx.shape() refuses it. */
export function batchDims(ctx: ConvertContext, name: string): number[] {
  const d = ctx.dims(name);
  if (d.slice(1).some((v) => v < 0)) ctx.shape(name);
  return d;
}

/** True when the value's leading dim is known only at run time (and every other dim is static). */
export function dynamicBatch(ctx: ConvertContext, name: string): boolean {
  const d = ctx.dims(name);
  return d.length > 0 && d[0] < 0 && d.slice(1).every((v) => v >= 0);
}

/** `dims` (the leading one may be -1) as an INT32 shape tensor: a constant when static, else the leading dim is
 *  read from tensor `like` (SHAPE + STRIDED_SLICE) and joined to the static rest (CONCATENATION). */
export function shapeTensor(ctx: ConvertContext, e: Emitter, dims: number[], like: number, name: string): number {
  if (dims.every((d) => d >= 0)) return ctx.constInt32(dims, `${name}/shape`);
  if (dims.slice(1).some((d) => d < 0)) throw new ConvertError(`only the leading dim of "${name}" may be dynamic`, ctx.current?.name, 'dynamic-shape');
  const rank = e.shape(like).length;
  const full = e.op('SHAPE', [like], [rank], 'INT32', { outType: 'INT32' });
  const batch = e.op('STRIDED_SLICE', [full, ctx.constInt32([0], `${name}/b0`), ctx.constInt32([1], `${name}/b1`),
    ctx.constInt32([1], `${name}/b2`)], [1], 'INT32',
  { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false });
  return e.op('CONCATENATION', [batch, ctx.constInt32(dims.slice(1), `${name}/rest`)], [dims.length], 'INT32',
    { axis: 0, fusedActivationFunction: 'NONE' });
}
