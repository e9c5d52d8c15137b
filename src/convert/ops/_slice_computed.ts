// ONNX Slice whose starts, ends, axes or steps are computed (graph inputs, values from Shape arithmetic...): full
// begin/end/strides vectors are built in the graph (SCATTER_ND of the given axes' values over the defaults: 0, the
// input's dims from SHAPE, 1) and fed to STRIDED_SLICE, in ONNX order; the output is sized at run time on the dims
// shape inference could not fix (a flip of the channels of a signal whose length is known only at run time keeps its
// channel count: a SPLIT of the channels after it needs it).
// STRIDED_SLICE counts negative indices from the end and clamps out-of-range ones as ONNX does.
import type { Node } from '../../ir/types';
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
  const inferred = ctx.graph.values.get(node.outputs[0])?.shape;
  const dims = inferred?.length === rank ? inferred.map((d) => (typeof d === 'number' ? d : -1)) : new Array<number>(rank).fill(-1);
  const out = ctx.dynamicOutput(node.outputs[0], identity(rank), dims);
  ctx.emit('STRIDED_SLICE', [x, begin, end, strides], [out],
    { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false });
}
