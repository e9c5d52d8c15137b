// ONNX Trilu → TFLite SELECT_V2 with a mask from comparing a constant (column - row) grid with k (constant or
// computed): upper keeps column - row ≥ k, lower keeps column - row ≤ k. Works in the input's own layout.
import { toNumbers } from '../../ir/tensor';
import { attrInt } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter, dtypeReason } from './_emit';

const Trilu: OpConverter = {
  op: 'Trilu', emits: ['GREATER_EQUAL', 'LESS_EQUAL', 'SELECT_V2', 'RESHAPE'], opset: [14, MAX_OPSET], inputs: [1, 2], dtypes: ['float32', 'int32', 'int64'],
  int8: false, micro: false, layout: 'any',
  check(node, ctx) {
    return dtypeReason(node, ctx, this.dtypes);
  },
  convert(node, ctx) {
    const [xName, kName] = node.inputs;
    const dims = ctx.shape(xName);
    const r = dims.length;
    const [n, m] = dims.slice(-2);
    const upper = attrInt(node, 'upper', 1) === 1;
    const e = new Emitter(ctx, node);
    const x = ctx.inputAny(xName);
    const gridName = `${node.name}/col_minus_row`;
    const diff = new Int32Array(n * m);
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) diff[i * m + j] = j - i;
    ctx.constants.set(gridName, { name: gridName, dtype: 'int32', dims: [...new Array<number>(r - 2).fill(1), n, m], data: diff });
    const grid = ctx.input(gridName, x.perm);
    const kc = kName ? ctx.constant(kName) : undefined;
    const k = kName && !kc ? e.reshape(ctx.inputOnnx(kName), []) : e.scalar(kc ? toNumbers(kc)[0] : 0, 'INT32');
    const keep = e.bin(upper ? 'GREATER_EQUAL' : 'LESS_EQUAL', grid, k);
    const zero = e.scalar(0, e.type(x.index));
    e.select(keep, x.index, zero, ctx.output(node.outputs[0], x.perm));
  },
};
export default Trilu;
