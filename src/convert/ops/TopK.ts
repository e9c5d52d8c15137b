// ONNX TopK → TFLite TOPK_V2 on a layout whose last axis is the ONNX axis (often the stored one); largest=0 runs
// on the negated input and negates the values back. A computed K gives outputs sized at run time.
import { toNumbers } from '../../ir/tensor';
import { attrInt, normAxis } from '../attrs';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';
import { computed, scalarOf } from './_dynamic';
import { Emitter, dtypeReason } from './_emit';

const TopK: OpConverter = {
  op: 'TopK', emits: ['TOPK_V2', 'NEG', 'RESHAPE'], opset: [1, MAX_OPSET], dtypes: ['float32', 'int32', 'int64'],
  layout: 'axis',
  check(node, ctx) {
    const bad = dtypeReason(node, ctx, this.dtypes);
    if (bad) return bad;
    return undefined;
  },
  convert(node, ctx) {
    const [xName, kName] = node.inputs;
    const [values, indices] = node.outputs;
    const rank = ctx.rank(xName);
    const axis = normAxis(attrInt(node, 'axis', -1), rank);
    const largest = attrInt(node, 'largest', 1) === 1;
    const e = new Emitter(ctx, node);
    let perm = ctx.permOf(xName);
    if (perm[rank - 1] !== axis) perm = [...identity(rank).filter((d) => d !== axis), axis];
    let x = ctx.input(xName, perm);
    if (!largest) x = e.un('NEG', x);
    let k: number;
    const dynamic = computed(ctx, kName);
    if (dynamic) {
      k = scalarOf(ctx, e, kName);
    } else if (kName) {
      k = e.scalar(toNumbers(ctx.constant(kName)!)[0], 'INT32');
    } else {
      k = e.scalar(attrInt(node, 'k', 1), 'INT32');
    }
    // A computed K sizes the outputs at run time.
    const dims = ctx.dims(xName).map((d, i) => (i === axis ? -1 : d));
    const outOf = (name: string) => (dynamic ? ctx.dynamicOutput(name, perm, dims) : ctx.output(name, perm));
    const vOut = values ? outOf(values) : undefined;
    const iOut = indices ? outOf(indices) : undefined;
    const shape = ctx.tensors[vOut ?? iOut!].shapeSignature ?? ctx.tensors[vOut ?? iOut!].shape;
    const v = largest && vOut !== undefined ? vOut : ctx.temp(shape, e.type(x), `${node.name}/values`);
    const i = iOut ?? ctx.temp(shape, 'INT32', `${node.name}/indices`);
    ctx.emit('TOPK_V2', [x, k], [v, i]);
    if (!largest && vOut !== undefined) e.un('NEG', v, vOut);
  },
};
export default TopK;
