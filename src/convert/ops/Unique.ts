// ONNX Unique without axis → TFLite UNIQUE (the flattened input's distinct values in first-occurrence order and each
// element's index among them), with ONNX's other outputs built around it: first occurrences by
// UNSORTED_SEGMENT_MIN of the positions, counts by UNSORTED_SEGMENT_SUM of ones; sorted=1 (the default) orders the
// values by TOPK_V2 of their negation and remaps the inverse indices. Every output is sized at run time. Unique
// along an axis compares every pair of slices (_unique-axis.ts): TFLite's UNIQUE is 1-D.
import { attrInt } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';
import { emitUniqueAxis, uniqueAxisReason } from './_unique-axis';

const Unique: OpConverter = {
  op: 'Unique', emits: ['UNIQUE', 'RESHAPE', 'SHAPE', 'GATHER', 'RANGE', 'UNSORTED_SEGMENT_MIN', 'UNSORTED_SEGMENT_SUM', 'TOPK_V2', 'NEG', 'SCATTER_ND',
    'NOT_EQUAL', 'EQUAL', 'LESS', 'GREATER', 'LOGICAL_AND', 'CAST', 'SUM', 'REDUCE_MIN', 'SELECT_V2', 'MUL', 'SLICE'],
  opset: [11, MAX_OPSET], dtypes: ['float32', 'int32', 'int64', 'uint8', 'int8'], layout: 'onnx',
  check(node, ctx) {
    if (node.attrs.has('axis')) { const why = uniqueAxisReason(node, ctx); return why ? refuse('unsupported', why) : undefined; }
    if (ctx.isDynamic(node.inputs[0])) return refuse('dynamic-shape', 'Unique of a tensor sized at run time is not supported');
    return undefined;
  },
  convert(node, ctx) {
    if (node.attrs.has('axis')) return emitUniqueAxis(node, ctx);
    const [yName, firstName, inverseName, countsName] = node.outputs;
    const dims = ctx.dims(node.inputs[0]);
    const n = dims.reduce((a, b) => a * b, 1);
    const e = new Emitter(ctx, node);
    const i32 = (v: number[], what: string, shape: number[] = []) => ctx.constInt32(v, `${node.name}/${what}`, shape);
    const x = e.reshape(ctx.inputOnnx(node.inputs[0]), [n]);
    const type = e.type(x);
    const values = ctx.temp([-1], type, `${node.name}/values`);
    const idx = ctx.temp([n], 'INT32', `${node.name}/idx`);
    ctx.emit('UNIQUE', [x], [values, idx], { idxOutType: 'INT32' });
    const u = e.op('GATHER', [e.op('SHAPE', [values], [1], 'INT32', { outType: 'INT32' }), i32([0], 'zero')], [], 'INT32', { axis: 0, batchDims: 0 });
    const segments = (opcode: string, data: number) => e.op(opcode, [data, idx, u], [-1], 'INT32');
    const first = segments('UNSORTED_SEGMENT_MIN', i32(Array.from({ length: n }, (_, i) => i), 'positions', [n]));
    const counts = segments('UNSORTED_SEGMENT_SUM', i32(new Array<number>(n).fill(1), 'ones', [n]));
    const out = (name: string | undefined) => (name ? ctx.dynamicOutput(name, [0], [-1]) : undefined);
    const outputs = [out(yName), out(firstName), out(inverseName), out(countsName)];
    const copy = (src: number, o: number | undefined) => { if (o !== undefined) e.reshape(src, [-1], o); };
    if (attrInt(node, 'sorted', 1) !== 1) {
      copy(values, outputs[0]);
      copy(first, outputs[1]);
      copy(idx, outputs[2]);
      copy(counts, outputs[3]);
      return;
    }
    // Ascending order: the top u of the negated values (distinct, so no ties).
    const sortedNeg = ctx.temp([-1], type, `${node.name}/sorted_neg`);
    const order = ctx.temp([-1], 'INT32', `${node.name}/order`);
    ctx.emit('TOPK_V2', [e.un('NEG', values), u], [sortedNeg, order]);
    const pick = (t: number, o: number | undefined) => {
      if (o !== undefined) e.op('GATHER', [t, order], [-1], e.type(t), { axis: 0, batchDims: 0 }, o);
    };
    if (outputs[0] !== undefined) e.un('NEG', sortedNeg, outputs[0]);
    pick(first, outputs[1]);
    pick(counts, outputs[3]);
    if (outputs[2] !== undefined) {
      // rank[order[j]] = j, then each element's rank.
      const rank = e.op('SCATTER_ND', [e.reshape(order, [-1, 1]), e.op('RANGE', [i32([0], 'r0'), u, i32([1], 'r1')], [-1], 'INT32'),
        e.reshape(u, [1])], [-1], 'INT32');
      e.op('GATHER', [rank, idx], [n], 'INT32', { axis: 0, batchDims: 0 }, outputs[2]);
    }
  },
};
export default Unique;
