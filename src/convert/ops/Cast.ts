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
    // A float16 model's Casts to float32 (float32 on both sides here, simplify-fp16.ts): the output is another name
    // for the input. Other casts between ONNX types of one TFLite type (int64 → int32) keep an op, so that what reads
    // the output sees its ONNX type: a RESHAPE to the output's shape, or a CAST when a dim is sized at run time (the
    // RESHAPE would write 1 for it: [1, 1, 4] for Faster R-CNN float16's [1, N, 4] boxes before NonMaxSuppression).
    if (ctx.dtype(node.inputs[0]) === ctx.dtype(node.outputs[0])) {
      ctx.alias(node.outputs[0], node.inputs[0]);
      return;
    }
    const x = ctx.inputAny(node.inputs[0]);
    const out = ctx.output(node.outputs[0], x.perm);
    const t = ctx.tensors[out];
    if (ctx.tensors[x.index].type === t.type && !t.shapeSignature) {
      ctx.emit('RESHAPE', [x.index, ctx.constInt32(t.shape, `${node.outputs[0]}__shape`)], [out], { newShape: t.shape });
      return;
    }
    ctx.emit('CAST', [x.index], [out]);
  },
};
export default Cast;
