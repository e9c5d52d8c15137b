// A view (Reshape, Unsqueeze, Squeeze, Flatten) of a value stored in another order keeps that order: its stored
// dims are the source's. Wanted in ONNX order, it moves by a TRANSPOSE of its own; when the source is already stored
// in ONNX order too, or another view of it may want the same (the Forgetting Transformer's cumulative forget gates
// [B, H, N], stored [B, N, H] by the model's own move, viewed [B, H, N, 1] and [B, H, 1, N] for their outer
// difference), the source is moved once (the copy is shared) and each view is a RESHAPE of that copy.
import type { ConvertContext } from './context';
import { Perm, identity, isIdentity, sameMemoryOrder } from './layout';
import { producerOf } from './elementwise-layout';

const VIEWS = new Set(['Reshape', 'Unsqueeze', 'Squeeze', 'Flatten']);

/** The view `name` in ONNX order, a RESHAPE of its source's ONNX-order copy, or undefined (the caller moves it). */
export function viaViewSource(ctx: ConvertContext, name: string, have: Perm, want: Perm): number | undefined {
  if (!isIdentity(want) || ctx.isDynamic(name)) return undefined;
  const dims = ctx.dims(name);
  if (sameMemoryOrder(dims, have, want)) return undefined;
  const made = producerOf(ctx, name);
  const src = made && VIEWS.has(made.opType) ? made.inputs[0] : undefined;
  if (!src || ctx.isConstant(src) || !ctx.has(src) || ctx.isDynamic(src)) return undefined;
  const sDims = ctx.dims(src);
  const sPerm = ctx.permOf(src);
  if (sameMemoryOrder(sDims, sPerm, identity(sDims.length))) return undefined;
  const copied = ctx.copiesOf(src).some((p) => isIdentity(p));
  const siblings = ctx.readersOf(src).filter((n) => n !== made && VIEWS.has(n.opType) && n.inputs[0] === src);
  if (!copied && siblings.length === 0) return undefined;
  const moved = ctx.inputOnnx(src);
  const out = ctx.temp(dims, ctx.tensors[moved].type, `${ctx.resolve(name)}__viewed_onnx`);
  ctx.emit('RESHAPE', [moved, ctx.constInt32(dims, `${ctx.resolve(name)}__viewed_onnx_shape`)], [out], { newShape: dims });
  return out;
}
