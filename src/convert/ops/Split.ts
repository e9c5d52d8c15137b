// ONNX Split → TFLite SPLIT (equal parts) or SPLIT_V (given sizes) along the remapped axis; computed
// sizes give outputs sized at run time. TFLite's SPLIT has no bool kernel: a bool Split (torch's repeat_interleave of a
// mask) is one SLICE per output.
import { toNumbers } from '../../ir/tensor';
import { attrInt, attrInts, normAxis } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';
import { identity } from '../layout';
import { vectorOf } from './_dynamic';
import { NUMERIC } from './_elementwise';
import { Emitter } from './_emit';

const Split: OpConverter = {
  op: 'Split', emits: ['SPLIT', 'SPLIT_V', 'SLICE'], opset: [1, MAX_OPSET], dtypes: [...NUMERIC, 'bool'], layout: 'axis',
  convert(node, ctx) {
    const bool = ctx.dtype(node.inputs[0]) === 'bool';
    if (node.inputs[1] && !ctx.isConstant(node.inputs[1])) {
      if (bool) ctx.fail('Split of a bool tensor by sizes computed at run time is not supported');
      // Computed sizes: SPLIT_V in ONNX order, the split axis sized at run time.
      const rank = ctx.rank(node.inputs[0]);
      const axis = normAxis(attrInt(node, 'axis', 0), rank);
      const x = ctx.input(node.inputs[0], identity(rank));
      const sizes = vectorOf(ctx, new Emitter(ctx, node), node.inputs[1]);
      const dims = ctx.dims(node.inputs[0]).map((d, i) => (i === axis ? -1 : d));
      const outs = node.outputs.map((o) => ctx.dynamicOutput(o, identity(rank), dims));
      ctx.emit('SPLIT_V', [x, sizes, ctx.constInt32([axis], `${node.name}/axis`, [])], outs, { numSplits: node.outputs.length });
      return;
    }
    const x = ctx.inputAny(node.inputs[0]);
    // (A tensor sized at run time has dims -1; the split axis itself must be static here.)
    const xs = ctx.dims(node.inputs[0]);
    const axis = normAxis(attrInt(node, 'axis', 0), xs.length);
    const tAxis = x.perm.indexOf(axis);
    const sizes = node.inputs[1] ? toNumbers(ctx.constant(node.inputs[1])!) : attrInts(node, 'split');
    if (xs[axis] < 0) ctx.fail('Split along an axis sized at run time is not supported');
    const outs = node.outputs.map((o) => ctx.output(o, x.perm));
    if (bool) {
      const sz = sizes ?? node.outputs.map((o) => ctx.dims(o)[axis]);
      let at = 0;
      outs.forEach((out, i) => {
        const begin = x.perm.map((_, j) => (j === tAxis ? at : 0));
        const size = x.perm.map((_, j) => (j === tAxis ? sz[i] : -1));
        ctx.emit('SLICE', [x.index, ctx.constInt32(begin, `${node.name}/begin${i}`), ctx.constInt32(size, `${node.name}/size${i}`)], [out]);
        at += sz[i];
      });
      return;
    }
    const axisT = ctx.constInt32([tAxis], `${node.name}/axis`, []);
    const equal = !sizes || sizes.every((s) => s === sizes[0]);
    if (equal && xs[axis] % node.outputs.length === 0) {
      ctx.emit('SPLIT', [axisT, x.index], outs, { numSplits: node.outputs.length });
    } else {
      const sz = sizes ?? node.outputs.map((o) => ctx.dims(o)[axis]);
      ctx.emit('SPLIT_V', [x.index, ctx.constInt32(sz, `${node.name}/sizes`), axisT], outs, { numSplits: node.outputs.length });
    }
  },
};
export default Split;
