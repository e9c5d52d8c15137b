// ONNX ScatterElements (reduction none, add; max / min / mul at constant unique indices) → TFLite SCATTER_ND with every element's full coordinates (the axis
// coordinate from the indices), see _indices.ts and _scatter.ts; data and indices may be sized at run time.
import type { Node } from '../../ir/types';
import { toFloat32 } from '../../ir/tensor';
import { attrInt, attrString, normAxis } from '../attrs';
import type { ConvertContext } from '../context';
import type { OpConverter } from '../types';
import { Emitter } from './_emit';
import { elementCoords } from './_indices';
import { emitScatter, scatterCheck } from './_scatter';
import { MAX_OPSET } from '../types';
import { emitRowScatter, rowSource } from './_scatter_rows';
import { isIdentity, samePerm } from '../layout';
import type { Perm } from '../layout';

const ScatterElements: OpConverter = {
  op: 'ScatterElements',
  emits: ['SCATTER_ND', 'CONCATENATION', 'RESHAPE', 'FLOOR_MOD', 'GREATER', 'SELECT_V2', 'ADD', 'SHAPE', 'GATHER', 'EXPAND_DIMS', 'MUL',
    'RANGE', 'FILL', 'CAST', 'STRIDED_SLICE', 'MAXIMUM', 'BROADCAST_TO', 'MINIMUM', 'SUM', 'UNSORTED_SEGMENT_MAX', 'EQUAL'],
  incidental: ['SHAPE', 'GATHER', 'EXPAND_DIMS', 'MUL', 'RANGE', 'FILL', 'CAST', 'STRIDED_SLICE', 'MAXIMUM', 'BROADCAST_TO', 'SUM',
    'UNSORTED_SEGMENT_MAX', 'EQUAL'] /* sizes known only at run time; a big scatter's coordinates; last writers of computed indices */,
  opset: [11, MAX_OPSET], inputs: [3, 3],
  // Layout: ONNX order, except a row scatter (one index per row, _scatter_rows.ts), which keeps the updates' layout, and
  // a summing scatter whose indices, updates and data share one stored order (`storedOrder`).
  dtypes: ['float32', 'float64', 'int32', 'int64'], layout: 'onnx',
  check: scatterCheck,
  convert(node, ctx) {
    const indexAdd = attrString(node, 'reduction', 'none') === 'none' && !ctx.isConstant(node.inputs[1]) && isIndexAdd(ctx, node);
    if (indexAdd) {
      ctx.warn('ScatterElements without reduction writes computed indices into zeros (torch\'s index_add export): where '
        + 'indices repeat, LiteRT sums their updates as torch does, onnxruntime keeps one of them');
    }
    // No updates (a RoI level no box falls on: Sparse R-CNN's first stage, whose proposals are constants): the data
    // as it is, in its stored order, so a chain of level scatters keeps one layout.
    if (ctx.dims(node.inputs[2]).includes(0)) return ctx.alias(node.outputs[0], node.inputs[0]);
    const rows = rowSource(ctx, node);
    if (rows) return emitRowScatter(ctx, node, rows);
    const dims = ctx.dims(node.inputs[0]);
    const e = new Emitter(ctx, node);
    const axis = normAxis(attrInt(node, 'axis', 0), dims.length);
    const kept = indexAdd || attrString(node, 'reduction', 'none') !== 'none' || distinctIndices(ctx, node.inputs[1], axis) ? storedOrder(ctx, node) : undefined;
    if (kept) {
      const idx = node.inputs[1];
      emitScatter(e, elementCoords(e, idx, axis, dims, kept, { index: ctx.input(idx, kept), perm: kept }), indexAdd, kept);
      return;
    }
    emitScatter(e, elementCoords(e, node.inputs[1], axis, dims), indexAdd);
  },
};

/**
 * The one stored order of a summing scatter's computed indices, updates and data (each computed in it, or constant), when
 * that is not ONNX order: the scatter runs as stored and its output keeps that order. RangeNet++'s kNN vote
 * (`zeros(1, C + 1, P).scatter_add_(1, labels of the 5 nearest, ones)`): the 5 nearest come from TopK, which takes its
 * axis last ([1, P, 5] stored), and the counts' arg-max over the classes reads them last again; in ONNX order the
 * votes were moved for the scatter. Summing only: a plain scatter picks each element's last writer in ONNX order —
 * but for TopK's indices, which never repeat along the axis.
 */
function storedOrder(ctx: ConvertContext, node: Node): Perm | undefined {
  const [data, indices, updates] = node.inputs;
  if (ctx.isConstant(indices) || ctx.isDynamic(indices) || ctx.isDynamic(data) || ctx.isDynamic(updates)) return undefined;
  const p = ctx.permOf(indices);
  if (isIdentity(p)) return undefined;
  return [data, updates].every((t) => ctx.isConstant(t) || samePerm(ctx.permOf(t), p)) ? p : undefined;
}

/** Indices TopK made (its second output) along the scatter's axis: distinct along it, so no element has two writers
 *  and a plain scatter may run in any order — XMem's top-k affinities scattered back over the memory axis as TopK
 *  left them stored. */
function distinctIndices(ctx: ConvertContext, indices: string, axis: number): boolean {
  const producer: Node | undefined = ctx.graph.nodes.find((n) => n.outputs.includes(indices));
  const rank = ctx.rank(indices);
  return producer?.opType === 'TopK' && producer.outputs[1] === indices && normAxis(attrInt(producer, 'axis', -1), rank) === axis;
}

/** torch's index_add: the scatter into zeros added to zeros (torchvision's RoI pooling, index_put into zeros with rows
 *  that never repeat, has no such Add). */
function isIndexAdd(ctx: ConvertContext, node: Node): boolean {
  const y = node.outputs[0];
  return intoZeros(ctx, node.inputs[0])
    && ctx.readersOf(y).some((n) => n.opType === 'Add' && n.inputs.some((i) => i !== y && intoZeros(ctx, i)));
}

/** Data that is all zeros: a constant, or ConstantOfShape of 0. */
function intoZeros(ctx: ConvertContext, data: string): boolean {
  const c = ctx.constant(data);
  if (c) return toFloat32(c).every((v) => v === 0);
  const producer: Node | undefined = ctx.graph.nodes.find((n) => n.outputs.includes(data));
  if (producer?.opType !== 'ConstantOfShape') return false;
  const value = producer.attrs.get('value');
  return !value || (value.type === 'tensor' && toFloat32(value.value).every((v) => v === 0));
}
export default ScatterElements;
