// Whether an elementwise result read only by a reduction that drops axes (keepdims 0) leaves, in a given stored
// order, the reduced value's bytes in ONNX order. A product summed over a map's positions is no map any more: FOMM's
// heatmap [1, K, H, W, 1] times its coordinate grid [1, 1, H, W, 2], summed over H, W into keypoints [1, K, 2], which
// the dense motion reads in ONNX order. Channel-last ([1, H, W, 2, K]) would leave them [1, 2, K] and move them, and
// the maps made from them, again (3 TRANSPOSE in the dense motion): elementwise-layout.ts keeps the voted order then.
import type { ConvertContext } from './context';
import { attrInt } from './attrs';
import { Perm, identity, sameMemoryOrder } from './layout';
import { reduceAxes, reducedPerm } from './ops/_reduce';

const REDUCTIONS = new Set(['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin']);
const VIEWS = new Set(['Reshape', 'Unsqueeze', 'Squeeze', 'Flatten']);
const JOINS = new Set(['Add', 'Sub', 'Mul', 'Div', 'MatMul', 'Concat']);

/** `name` is joined, through views and ops by constants, with another activation (an elementwise op, a product or a
 *  concat of run-time values): FOMM's keypoints with the jacobians' products and the identity grid, which hold ONNX
 *  order. Read only with constants (gaussians of the keypoints around a constant grid) the keypoints follow the map
 *  they make, and channel-last serves as well. */
function meetsActivation(ctx: ConvertContext, name: string, depth = 0): boolean {
  if (depth > 6) return false;
  return ctx.readersOf(name).some((r) => {
    if (VIEWS.has(r.opType)) return r.inputs[0] === name && meetsActivation(ctx, r.outputs[0], depth + 1);
    if (!JOINS.has(r.opType)) return false;
    const others = r.inputs.filter((i) => i && i !== name);
    if (others.some((i) => !ctx.isConstant(i))) return true;
    return meetsActivation(ctx, r.outputs[0], depth + 1);
  });
}

/** The current op's one output is read only by one reduction dropping its axes, whose result meets another
 *  activation, and that result stored from `p` holds ONNX order; undefined when there is no such reader. */
export function reducedInOnnxOrder(ctx: ConvertContext, rank: number, p: Perm): boolean | undefined {
  const node = ctx.current;
  if (!node || node.outputs.length !== 1) return undefined;
  const readers = ctx.readersOf(node.outputs[0]);
  const r = readers[0];
  if (readers.length !== 1 || !REDUCTIONS.has(r.opType) || r.inputs[0] !== node.outputs[0] || attrInt(r, 'keepdims', 1) !== 0) return undefined;
  const axes = reduceAxes(r, ctx, rank);
  if (!axes || axes.length === 0 || axes.length === rank) return undefined;
  if (!meetsActivation(ctx, r.outputs[0])) return undefined;
  const dims = ctx.dims(node.outputs[0]).filter((_, i) => !axes.includes(i));
  return sameMemoryOrder(dims, reducedPerm(p, axes, false), identity(dims.length));
}
