// Reductions that TFLite has no single op for, lowered around SUM / REDUCE_MAX on the remapped axes of the input's
// own layout: ReduceL1 = SUM(|x|), ReduceL2 = SQRT(SUM(x²)), ReduceSumSquare = SUM(x²), ReduceLogSum = LOG(SUM(x)),
// ReduceLogSumExp = LOG(SUM(EXP(x - max))) + max. The reduction keeps its dims; keepdims=0 drops them at the end
// with a RESHAPE (same memory order).
import type { DType } from '../../ir/types';
import { attrInt } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter, dtypeReason } from './_emit';
import { reduceAxes, reducedPerm } from './_reduce';

type Build = (e: Emitter, x: number, axes: number[], out: number | undefined) => number;

export function compositeReduce(op: string, emits: string[], build: Build, dtypes: DType[] = ['float32', 'float64']): OpConverter {
  return {
    op, emits: [...emits, 'RESHAPE'], opset: [1, MAX_OPSET], dtypes, int8: false, micro: false, layout: 'axis',
    check(node, ctx) {
      const axes = reduceAxes(node, ctx, ctx.rank(node.inputs[0]));
      if (!axes) return refuse('computed-input', `${op} with non-constant axes is not supported`);
      if (axes.length === 0) return refuse('attribute', `${op} with empty axes and noop_with_empty_axes=1 is not supported`);
      return dtypeReason(node, ctx, this.dtypes);
    },
    convert(node, ctx) {
      const axes = reduceAxes(node, ctx, ctx.rank(node.inputs[0]))!;
      const keep = attrInt(node, 'keepdims', 1) === 1;
      const e = new Emitter(ctx, node);
      const x = ctx.inputAny(node.inputs[0]);
      const out = ctx.output(node.outputs[0], reducedPerm(x.perm, axes, keep));
      const r = build(e, x.index, axes.map((a) => x.perm.indexOf(a)), keep ? out : undefined);
      if (!keep) e.reshape(r, ctx.tensors[out].shape, out);
    },
  };
}
