// com.microsoft FusedConv (onnxruntime's optimizer: a Conv with the activation after it folded in, `activation`
// and `activation_params`) → the Conv converter's ops, then the activation (RELU / RELU6 / TANH / LOGISTIC /
// LEAKY_RELU, or MINIMUM / MAXIMUM for other Clip bounds, ADD / MUL with a fused RELU6 for HardSigmoid:
// _fused_activation.ts). On a rank-5 input (r3d_18 saved at level extended) it is the Conv converter's CONV_3D.
import type { Node } from '../../ir/types';
import { attrFloats, attrString } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import Conv from './Conv';
import { FUSED_ACTIVATIONS, FUSED_ACTIVATION_OPS, emitFusedActivation } from './_fused_activation';

/** The same node as a plain ONNX Conv writing `output`. */
function asConv(node: Node, output: string): Node {
  const attrs = new Map([...node.attrs].filter(([k]) => k !== 'activation' && k !== 'activation_params'));
  return { ...node, opType: 'Conv', domain: '', attrs, outputs: [output] };
}

const FusedConv: OpConverter = {
  op: 'FusedConv', domain: 'com.microsoft', emits: ['CONV_2D', 'DEPTHWISE_CONV_2D', 'CONV_3D', 'STRIDED_SLICE', 'PAD', 'RESHAPE', 'SPLIT', 'CONCATENATION',
    ...FUSED_ACTIVATION_OPS, 'ADD', 'MUL'],
  opset: [1, MAX_OPSET], inputs: [2, 4], dtypes: ['float32'], layout: 'spatial', incidental: ['MINIMUM', 'MAXIMUM', 'ADD', 'MUL', 'CONV_3D', 'STRIDED_SLICE'],
  check(node, ctx) {
    const act = attrString(node, 'activation', '');
    if (!FUSED_ACTIVATIONS.includes(act)) return refuse('attribute', `FusedConv activation "${act}" is not supported (${FUSED_ACTIVATIONS.join(', ')})`);
    if (node.inputs[3]) return refuse('unsupported', 'FusedConv with a residual input (Z) is not supported');
    return Conv.check?.(asConv(node, node.outputs[0]), ctx);
  },
  convert(node, ctx) {
    const y = node.outputs[0];
    const tmp = `${y}__conv`;
    ctx.declare(tmp, 'float32', ctx.dims(y));
    Conv.convert(asConv(node, tmp), ctx);
    emitFusedActivation(ctx, attrString(node, 'activation', ''), attrFloats(node, 'activation_params') ?? [], tmp, y, node.name);
  },
};
export default FusedConv;
