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

/** The dims of a 1-D signal [N, C, L] whose length L (or batch N, not both) is known only at run time: a VITS
 *  decoder after its length regulator runs on sum(ceil(durations)) frames. Anything else refuses as batchDims does. */
export function signalDims(ctx: ConvertContext, name: string): number[] {
  const d = ctx.dims(name);
  if (d.length === 3 && d[1] >= 0 && (d[0] >= 0 || d[2] >= 0)) return d;
  return batchDims(ctx, name);
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

/**
 * A batch known only at run time may be 0 (a picture with no detections): XNNPack then fails to reshape a partition
 * holding a convolution after the first one ("XNNPack delegate failed to reshape runtime"). `x` gets one zero row
 * appended (CONCATENATION), so the conv always sees a batch of at least 1; unpadBatch drops that row from its output.
 */
export function padBatch(ctx: ConvertContext, e: Emitter, x: number, name: string): number {
  const shape = e.shape(x);
  const row = ctx.constFloat32(new Float32Array(shape.slice(1).reduce((a, b) => a * b, 1)), [1, ...shape.slice(1)], `${name}/zero_row`);
  return e.op('CONCATENATION', [x, row], shape, e.type(x), { axis: 0, fusedActivationFunction: 'NONE' });
}

/** `y` without its last row along axis 0 (STRIDED_SLICE to end -1), written to `out`. */
export function unpadBatch(ctx: ConvertContext, e: Emitter, y: number, out: number, name: string): void {
  const rank = e.shape(y).length;
  const zeros = new Array<number>(rank).fill(0);
  e.op('STRIDED_SLICE', [y, ctx.constInt32(zeros, `${name}/unpad_begin`), ctx.constInt32([-1, ...zeros.slice(1)], `${name}/unpad_end`),
    ctx.constInt32(new Array<number>(rank).fill(1), `${name}/unpad_strides`)], e.shape(out), e.type(y),
  { beginMask: 0, endMask: ((1 << rank) - 1) & ~1, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false }, out);
}
