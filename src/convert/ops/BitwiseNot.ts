// ONNX BitwiseNot (opset 18) → TFLite BITWISE_XOR with all ones (-1 as INT32; other integer types go through INT32
// and back, which keeps their low bits).
import type { DType } from '../../ir/types';
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';
import { Emitter } from './_emit';

export const BITWISE_TYPES: DType[] = ['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32'];

const BitwiseNot: OpConverter = {
  op: 'BitwiseNot', emits: ['BITWISE_XOR', 'CAST'], opset: [18, MAX_OPSET], inputs: [1, 1], dtypes: BITWISE_TYPES, int8: false, micro: false,
  layout: 'any', incidental: ['CAST'],
  convert(node, ctx) {
    const x = ctx.inputAny(node.inputs[0]);
    const e = new Emitter(ctx, node);
    const y = ctx.output(node.outputs[0], x.perm);
    const type = e.type(x.index);
    if (type === 'INT32') { ctx.emit('BITWISE_XOR', [x.index, e.scalar(-1, 'INT32')], [y]); return; }
    e.cast(e.op('BITWISE_XOR', [e.cast(x.index, 'INT32'), e.scalar(-1, 'INT32')], e.shape(x.index), 'INT32'), type, y);
  },
};
export default BitwiseNot;
