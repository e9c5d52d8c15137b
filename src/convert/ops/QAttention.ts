// com.microsoft QAttention (onnxruntime's `quantize_dynamic` of an optimized BERT / GPT-2: DynamicQuantizeLinear →
// QAttention): the Attention op on an 8-bit input and 8-bit packed q/k/v weights, with input_scale / weight_scale
// (per tensor, or per column for the weights) and zero points; bias, mask_index and past stay float / int32. The
// input and weights are dequantized (the weights folded to a constant) and the Attention converter runs on them
// (see Attention.ts, _qoperator.ts): onnxruntime's integer product is exact in float32 at these sizes.
import type { Node } from '../../ir/types';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import Attention from './Attention';
import { Emitter } from './_emit';
import { QOP_EMITS, checkOperands } from './_qoperator';
import { dequantValue } from './_qlinear';

/** The float Attention node over (input, weights) given; QAttention's bias, mask_index and past in Attention's places. */
function asAttention(node: Node, x: string, w: string): Node {
  const [, , bias, , , mask, , , past] = node.inputs;
  const inputs = [x, w, bias ?? '', mask ?? '', past ?? ''];
  while (inputs.length > 2 && inputs[inputs.length - 1] === '') inputs.pop();
  return { ...node, opType: 'Attention', inputs };
}

const QAttention: OpConverter = {
  op: 'QAttention', domain: 'com.microsoft', emits: [...new Set([...Attention.emits, ...QOP_EMITS])], incidental: Attention.incidental,
  opset: [1, MAX_OPSET], inputs: [5, 9], dtypes: ['uint8', 'int8'], micro: false, layout: Attention.layout,
  check(node, ctx) {
    const [x, w, , xs, ws, , xz, wz] = node.inputs;
    if (!ctx.isConstant(w) || !ctx.isConstant(ws) || (wz && !ctx.isConstant(wz))) {
      return refuse('computed-input', 'QAttention with computed weights or weight scale is not supported');
    }
    return checkOperands(node, ctx, [[x, xs, xz ?? ''], [w, ws, wz ?? '']], [w]) ?? Attention.check?.(asAttention(node, x, w), ctx);
  },
  convert(node, ctx) {
    const [x, w, , xs, ws, , xz, wz] = node.inputs;
    const e = new Emitter(ctx, node);
    const xf = dequantValue(e, x, xs, xz || undefined, 2);
    const wf = dequantValue(e, w, ws, wz || undefined, 1);
    Attention.convert(asAttention(node, xf, wf), ctx);
  },
};
export default QAttention;
