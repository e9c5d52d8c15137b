// Shared conversion of ONNX reductions (ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceProd,
// GlobalAveragePool, GlobalMaxPool) to TFLite MEAN / SUM / REDUCE_MAX / REDUCE_MIN / REDUCE_PROD on the input's
// own layout: the axes are remapped, never the data.
import type { Node } from '../../ir/types';
import { toNumbers } from '../../ir/tensor';
import { attrInt, attrInts, normAxis } from '../attrs';
import type { ConvertContext } from '../context';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { identity } from '../layout';
import { vectorOf } from './_dynamic';
import { NUMERIC } from './_elementwise';
import { Emitter } from './_emit';

/** ONNX axes of a reduction: attribute (older opsets) or the second input (ReduceSum ≥ 13, all ≥ 18). */
export function reduceAxes(node: Node, ctx: ConvertContext, rank: number): number[] | undefined {
  let axes = attrInts(node, 'axes');
  if (!axes && node.inputs[1]) {
    const c = ctx.constant(node.inputs[1]);
    if (!c) return undefined;
    axes = toNumbers(c);
  }
  if (!axes || axes.length === 0) {
    if (attrInt(node, 'noop_with_empty_axes', 0) === 1) return [];
    return Array.from({ length: rank }, (_, i) => i);
  }
  return axes.map((a) => normAxis(a, rank));
}

/** The layout of a reduction's output when its input is stored in `perm` (ONNX `axes` removed unless kept). */
export function reducedPerm(perm: number[], axes: number[], keep: boolean): number[] {
  if (keep) return perm;
  return perm.filter((d) => !axes.includes(d)).map((d) => d - axes.filter((a) => a < d).length);
}

export function emitReduce(ctx: ConvertContext, node: Node, tfl: string, axes: number[], keep: boolean): void {
  const x = ctx.inputAny(node.inputs[0]);
  const y = node.outputs[0];
  if (axes.length === 0) {
    ctx.bind(y, x.index, x.perm);
    return;
  }
  const tAxes = axes.map((a) => x.perm.indexOf(a));
  const out = ctx.output(y, reducedPerm(x.perm, axes, keep));
  if (tfl === 'MEAN' && ctx.dtype(node.inputs[0]) === 'float32' && axes.some((a) => ctx.dims(node.inputs[0])[a] < 0)) {
    emitEmptySafeMean(ctx, node, x.index, tAxes, keep, out);
    return;
  }
  ctx.emit(tfl, [x.index, ctx.constInt32(tAxes, `${node.name}/axes`)], [out], { keepDims: keep });
}

/** A mean over axes sized at run time, which may be empty (an EmbeddingBag's empty bag, in onnxruntime and torch 0):
 *  TFLite's MEAN gives NaN there, so it is SUM / max(count, 1). */
function emitEmptySafeMean(ctx: ConvertContext, node: Node, x: number, tAxes: number[], keep: boolean, out: number): void {
  const e = new Emitter(ctx, node);
  const axes = ctx.constInt32(tAxes, `${node.name}/axes`);
  const sum = e.op('SUM', [x, axes], ctx.tensors[out].shape, 'FLOAT32', { keepDims: keep });
  const rank = e.shape(x).length;
  const dims = e.op('SHAPE', [x], [rank], 'INT32', { outType: 'INT32' });
  const sizes = e.op('GATHER', [dims, axes], [tAxes.length], 'INT32', { axis: 0, batchDims: 0 });
  const count = e.op('REDUCE_PROD', [sizes, ctx.constInt32([0], `${node.name}/count_axis`)], [], 'INT32', { keepDims: false });
  const n = e.op('MAXIMUM', [e.cast(count, 'FLOAT32'), ctx.constFloat32(new Float32Array([1]), [], `${node.name}/one`)], [], 'FLOAT32');
  e.op('DIV', [sum, n], ctx.tensors[out].shape, 'FLOAT32', { fusedActivationFunction: 'NONE' }, out);
}

/** Computed axes (a graph input...): the reduction in ONNX order with the axes tensor, sized at run time. (Empty
 *  axes at run time reduce everything, as ONNX without noop_with_empty_axes.) */
function emitComputedAxes(ctx: ConvertContext, node: Node, tfl: string): void {
  const rank = ctx.rank(node.inputs[0]);
  const keep = attrInt(node, 'keepdims', 1) === 1;
  const x = ctx.input(node.inputs[0], identity(rank));
  const axes = vectorOf(ctx, new Emitter(ctx, node), node.inputs[1]);
  const outRank = keep ? rank : rank - ctx.dims(node.inputs[1])[0];
  const out = ctx.dynamicOutput(node.outputs[0], identity(outRank), new Array<number>(outRank).fill(-1));
  ctx.emit(tfl, [x, axes], [out], { keepDims: keep });
}

export function reduce(op: string, tfl: string, int8: boolean): OpConverter {
  const sized = tfl === 'MEAN' ? ['SUM', 'SHAPE', 'GATHER', 'REDUCE_PROD', 'CAST', 'MAXIMUM', 'DIV'] : [];
  return {
    op, emits: [tfl, ...sized], incidental: sized /* a mean over an axis sized at run time */, opset: [1, MAX_OPSET], dtypes: NUMERIC, int8, micro: tfl !== 'REDUCE_PROD', layout: 'axis',
    check(node, ctx) {
      if (!reduceAxes(node, ctx, ctx.rank(node.inputs[0])) && ctx.dims(node.inputs[1]).some((d) => d < 0)) {
        return refuse('dynamic-shape', `${op} with computed axes of unknown count is not supported`);
      }
      return undefined;
    },
    convert(node, ctx) {
      const axes = reduceAxes(node, ctx, ctx.rank(node.inputs[0]));
      if (!axes) {
        emitComputedAxes(ctx, node, tfl);
        return;
      }
      emitReduce(ctx, node, tfl, axes, attrInt(node, 'keepdims', 1) === 1);
    },
  };
}

/** GlobalAveragePool / GlobalMaxPool: the reduction over the spatial axes, keeping dims, in the input's layout. */
export function globalPool(op: string, tfl: string): OpConverter {
  return {
    op, emits: [tfl], opset: [1, MAX_OPSET], dtypes: ['float32'], layout: 'axis',
    convert(node, ctx) {
      const rank = ctx.rank(node.inputs[0]);
      emitReduce(ctx, node, tfl, Array.from({ length: rank - 2 }, (_, i) => i + 2), true);
    },
  };
}
