// ONNX Cast → TFLite CAST (int64 targets become INT32, as everywhere in the converted model).
import { ONNX_DTYPES } from '../../ir/tensor';
import { attrInt } from '../attrs';
import { tflType } from '../constdata';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { ANY_DTYPE } from './_elementwise';

const Cast: OpConverter = {
  op: 'Cast', emits: ['CAST'], opset: [1, MAX_OPSET], inputs: [1, 1], dtypes: ANY_DTYPE, layout: 'any',
  check(node, ctx) {
    const to = ONNX_DTYPES[attrInt(node, 'to', 0)];
    if (!tflType(to) || to === 'string') return refuse('dtype', `Cast to ${to ?? 'an unknown type'} is not supported`);
    const from = ctx.dtype(node.inputs[0]);
    if (from === 'string') return refuse('dtype', 'Cast from string (parsing numbers) has no TFLite builtin; parse the strings before the model');
    if (!tflType(from)) return refuse('dtype', `Cast from ${ctx.dtype(node.inputs[0])} is not supported`);
    return undefined;
  },
  convert(node, ctx) {
    const x = ctx.inputAny(node.inputs[0]);
    const out = ctx.output(node.outputs[0], x.perm);
    if (ctx.tensors[x.index].type === ctx.tensors[out].type) {
      const shape = ctx.tensors[out].shape;
      ctx.emit('RESHAPE', [x.index, ctx.constInt32(shape, `${node.outputs[0]}__shape`)], [out], { newShape: shape });
      return;
    }
    ctx.emit('CAST', [x.index], [out]);
  },
};
export default Cast;
