// Helpers for converters whose output size comes from a computed input (TopK's K, Slice's bounds, Range's
// limits...): the input as a 0-D or 1-D INT32 tensor for the TFLite op that takes it, and the output declared
// sized at run time (shape_signature -1, see ConvertContext.dynamicOutput).
import type { TflType } from '../../tflite/model';
import type { ConvertContext } from '../context';
import { identity } from '../layout';
import type { Emitter } from './_emit';

/** The value (a scalar or a one-element vector) as a 0-D tensor of `type` (int64 values are INT32 already). */
export function scalarOf(ctx: ConvertContext, e: Emitter, name: string, type: TflType = 'INT32'): number {
  let t = ctx.input(name, identity(ctx.rank(name)));
  if (e.type(t) !== type) t = e.cast(t, type);
  return ctx.rank(name) === 0 ? t : e.reshape(t, []);
}

/** The value (a 0-D or 1-D integer tensor) as a 1-D INT32 tensor of its length. */
export function vectorOf(ctx: ConvertContext, e: Emitter, name: string): number {
  const dims = ctx.dims(name);
  let t = ctx.input(name, identity(dims.length));
  if (e.type(t) !== 'INT32') t = e.cast(t, 'INT32');
  return dims.length === 1 ? t : e.reshape(t, [dims.length === 0 ? 1 : -1]);
}

/** A computed (not constant) input at position `i`, when given. */
export function computed(ctx: ConvertContext, name: string | undefined): boolean {
  return !!name && !ctx.isConstant(name);
}
