// ONNX Slice whose starts, ends, axes or steps are computed (graph inputs, values from Shape arithmetic...): full
// begin/end/strides vectors are built in the graph (SCATTER_ND of the given axes' values over the defaults: 0, the
// input's dims from SHAPE, 1) and fed to STRIDED_SLICE, in ONNX order; the output is sized at run time, except on the
// axes it keeps whole and those sliced by constant bounds of a static dim (a flip of the channels of a signal whose
// length is known only at run time keeps its channel count: a SPLIT of the channels after it needs it).
// STRIDED_SLICE counts negative indices from the end and clamps out-of-range ones as ONNX does.
import type { Node } from '../../ir/types';
import { toNumbers } from '../../ir/tensor';
import type { ConvertContext } from '../context';
import { identity } from '../layout';
import { vectorOf } from './_dynamic';
import { Emitter } from './_emit';
import { refuse, type Refusal } from '../types';

/** Why the computed-bounds path cannot take this Slice, or undefined. */
export function computedSliceReason(node: Node, ctx: ConvertContext): Refusal | undefined {
  const k = ctx.dims(node.inputs[1]);
  if (k.length !== 1 || k[0] < 0) return refuse('computed-input', 'Slice with computed starts of unknown length is not supported');
  return undefined;
}

/** The output's dims known when converting (-1 for the others): with constant axes, the axes not sliced keep the
 *  input's dims, and a sliced static dim with constant starts, ends and steps its ONNX-clamped length. */
function keptDims(node: Node, ctx: ConvertContext): number[] {
  const [xName, sName, eName, aName, stName] = node.inputs;
  const xs = ctx.dims(xName);
  const num = (n: string | undefined) => (n && ctx.isConstant(n) ? toNumbers(ctx.constant(n)!) : undefined);
  const k = ctx.dims(sName)[0];
  const axes = aName ? num(aName)?.map((a) => (a < 0 ? a + xs.length : a)) : Array.from({ length: k }, (_, i) => i);
  if (!axes) return xs.map(() => -1);
  const [starts, ends] = [num(sName), num(eName)];
  const steps = stName ? num(stName) : axes.map(() => 1);
  return xs.map((d, a) => {
    const i = axes.indexOf(a);
    if (i < 0) return d;
    if (d < 0 || !starts || !ends || !steps) return -1;
    const st = steps[i];
    const clamp = (v: number) => { const w = v < 0 ? v + d : v; return st > 0 ? Math.min(Math.max(w, 0), d) : Math.min(Math.max(w, -1), d - 1); };
    return Math.max(0, Math.ceil((clamp(ends[i]) - clamp(starts[i])) / st));
  });
}

export function emitComputedSlice(node: Node, ctx: ConvertContext): void {
  const [xName, sName, eName, aName, stName] = node.inputs;
  const rank = ctx.rank(xName);
  const k = ctx.dims(sName)[0];
  const e = new Emitter(ctx, node);
  const x = ctx.input(xName, identity(rank));
  const int = (v: number[], what: string, shape?: number[]) => ctx.constInt32(v, `${node.name}/${what}`, shape);
  const starts = vectorOf(ctx, e, sName);
  const ends = vectorOf(ctx, e, eName);
  const axes = aName ? e.op('FLOOR_MOD', [vectorOf(ctx, e, aName), int([rank], 'rank', [])], [k], 'INT32')
    : int(Array.from({ length: k }, (_, i) => i), 'axes');
  const idx = e.reshape(axes, [k, 1]);
  const full = int([rank], 'full');
  const scatter = (updates: number) => e.op('SCATTER_ND', [idx, updates, full], [rank], 'INT32');
  const shape = e.op('SHAPE', [x], [rank], 'INT32', { outType: 'INT32' });
  const begin = scatter(starts);
  // end: the given ends on the sliced axes, the dims elsewhere (scatter of ends - dims, plus dims).
  const end = e.bin('ADD', scatter(e.bin('SUB', ends, e.op('GATHER', [shape, axes], [k], 'INT32', { axis: 0, batchDims: 0 }))), shape);
  const strides = stName ? e.bin('ADD', scatter(e.bin('SUB', vectorOf(ctx, e, stName), int([1], 'one', []))), int([1], 'one1', []))
    : int(new Array<number>(rank).fill(1), 'strides');
  const out = ctx.dynamicOutput(node.outputs[0], identity(rank), keptDims(node, ctx));
  ctx.emit('STRIDED_SLICE', [x, begin, end, strides], [out],
    { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false });
}
