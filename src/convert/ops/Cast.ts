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
    // The same TFLite type on both sides (int64 → int32; a float16 model's Cast to float32, computed in float32 here):
    // the output is another name for the input. A RESHAPE to the output's shape was written before, with 1 for each
    // dim sized at run time (Faster R-CNN float16's Casts before NonMaxSuppression: [1, 1, 4] for [1, N, 4]).
    const x = ctx.inputAny(node.inputs[0]);
    if (ctx.tensors[x.index].type === tflType(ctx.dtype(node.outputs[0]))) {
      ctx.alias(node.outputs[0], node.inputs[0]);
      return;
    }
    const out = ctx.output(node.outputs[0], x.perm);
    ctx.emit('CAST', [x.index], [out]);
  },
};
export default Cast;
