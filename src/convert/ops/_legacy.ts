// Legacy broadcasting of opsets < 7: Add/Sub/Mul/Div/And/Or/Xor/Equal/Greater/Less with `broadcast = 1` (and an
// optional `axis`) broadcast B onto A's shape with B's dims placed at A's dims [axis, axis + rank(B)); PRelu-6 and
// earlier apply a 1-D slope of A's channel count per channel (axis 1). Both become numpy broadcasting by giving B
// trailing unit dims: a reshaped constant, or a RESHAPE of a computed value.
import type { Node } from '../../ir/types';
import { attrInt } from '../attrs';
import type { ConvertContext } from '../context';
import { identity } from '../layout';

/** Whether the node uses legacy (opset < 7) broadcasting attributes. */
export function isLegacyBroadcast(node: Node): boolean {
  return attrInt(node, 'broadcast', 0) === 1;
}

/** B's dims under numpy broadcasting for a legacy-broadcast node, or a reason why B does not fit A. */
export function legacyShape(node: Node, a: number[], b: number[]): number[] | string {
  const axis0 = attrInt(node, 'axis', a.length - b.length);
  const axis = axis0 < 0 ? axis0 + a.length : axis0;
  if (axis < 0 || axis + b.length > a.length) {
    return `legacy broadcast of B [${b.join(', ')}] onto A [${a.join(', ')}] at axis ${axis0} does not fit`;
  }
  const bad = b.findIndex((d, i) => d !== 1 && d !== a[axis + i]);
  if (bad >= 0) return `legacy broadcast of B [${b.join(', ')}] onto A [${a.join(', ')}] at axis ${axis0}: dim ${bad} differs`;
  return [...b, ...new Array<number>(a.length - axis - b.length).fill(1)];
}

/** PRelu's slope dims under numpy broadcasting: opsets < 7 apply a 1-D slope of X's channel count per channel. */
export function preluSlopeShape(opset: number, x: number[], slope: number[]): number[] {
  if (opset < 7 && slope.length === 1 && x.length > 2 && slope[0] === x[1] && slope[0] !== 1) {
    return [slope[0], ...new Array<number>(x.length - 2).fill(1)];
  }
  return slope;
}

/** ONNX value `name` as a value of dims `dims` (same element count): itself when they already agree. */
export function reshapedValue(ctx: ConvertContext, name: string, dims: number[]): string {
  const have = ctx.shape(name);
  if (have.length === dims.length && have.every((d, i) => d === dims[i])) return name;
  const key = `${ctx.resolve(name)}__numpy_${dims.join('x')}`;
  if (ctx.has(key)) return key;
  const c = ctx.constant(name);
  if (c) {
    ctx.constants.set(key, { ...c, name: key, dims: [...dims] });
    return key;
  }
  ctx.declare(key, ctx.dtype(name), dims);
  const src = ctx.inputOnnx(name);
  ctx.emit('RESHAPE', [src, ctx.constInt32(dims, `${key}__shape`)], [ctx.output(key, identity(dims.length))], { newShape: dims });
  return key;
}
