// com.microsoft FusedConv (onnxruntime's optimizer: a Conv with the activation after it folded in, `activation`
// and `activation_params`) → the Conv converter's ops, then the activation (RELU / RELU6 / TANH / LOGISTIC /
// LEAKY_RELU, or MINIMUM / MAXIMUM for other Clip bounds), which the TFLite clean-up fuses into the conv when it can.
import type { Node } from '../../ir/types';
import { attrFloats, attrString } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import Conv from './Conv';

const ACTIVATIONS = ['Relu', 'Tanh', 'Sigmoid', 'LeakyRelu', 'Clip'];

/** The same node as a plain ONNX Conv writing `output`. */
function asConv(node: Node, output: string): Node {
  const attrs = new Map([...node.attrs].filter(([k]) => k !== 'activation' && k !== 'activation_params'));
  return { ...node, opType: 'Conv', domain: '', attrs, outputs: [output] };
}

const FusedConv: OpConverter = {
  op: 'FusedConv', domain: 'com.microsoft', emits: ['CONV_2D', 'DEPTHWISE_CONV_2D', 'PAD', 'RESHAPE', 'SPLIT', 'CONCATENATION',
    'RELU', 'RELU6', 'TANH', 'LOGISTIC', 'LEAKY_RELU', 'MINIMUM', 'MAXIMUM'],
  opset: [1, MAX_OPSET], inputs: [2, 4], dtypes: ['float32'], layout: 'spatial', incidental: ['MINIMUM', 'MAXIMUM'],
  check(node, ctx) {
    const act = attrString(node, 'activation', '');
    if (!ACTIVATIONS.includes(act)) return refuse('attribute', `FusedConv activation "${act}" is not supported (${ACTIVATIONS.join(', ')})`);
    if (node.inputs[3]) return refuse('unsupported', 'FusedConv with a residual input (Z) is not supported');
    if (ctx.rank(node.inputs[0]) === 5) return refuse('rank', 'FusedConv on a rank-5 input (3-D convolution) is not supported');
    return Conv.check?.(asConv(node, node.outputs[0]), ctx);
  },
  convert(node, ctx) {
    const y = node.outputs[0];
    const tmp = `${y}__conv`;
    ctx.declare(tmp, 'float32', ctx.dims(y));
    Conv.convert(asConv(node, tmp), ctx);
    const x = ctx.inputAny(tmp);
    const out = ctx.output(y, x.perm);
    const params = attrFloats(node, 'activation_params') ?? [];
    const act = attrString(node, 'activation', '');
    if (act === 'Relu') ctx.emit('RELU', [x.index], [out]);
    else if (act === 'Tanh') ctx.emit('TANH', [x.index], [out]);
    else if (act === 'Sigmoid') ctx.emit('LOGISTIC', [x.index], [out]);
    else if (act === 'LeakyRelu') ctx.emit('LEAKY_RELU', [x.index], [out], { alpha: params[0] ?? 0.01 });
    else {
      const [lo, hi] = [params[0] ?? -3.4028234663852886e38, params[1] ?? 3.4028234663852886e38];
      if (lo === 0 && hi === 6) { ctx.emit('RELU6', [x.index], [out]); return; }
      const shape = ctx.tensors[x.index].shapeSignature ?? ctx.tensors[x.index].shape;
      const min = ctx.temp(shape, 'FLOAT32', `${y}__min`);
      ctx.emit('MINIMUM', [x.index, ctx.constFloat32([hi], [], `${node.name}/max`)], [min]);
      ctx.emit('MAXIMUM', [min, ctx.constFloat32([lo], [], `${node.name}/min`)], [out]);
    }
  },
};
export default FusedConv;
