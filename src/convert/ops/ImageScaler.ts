// ImageScaler (an experimental ONNX op of opsets 1-9 that onnxruntime still runs; the Model Zoo's CoreML exports by
// onnxmltools, e.g. Tiny YOLOv2, start with it): y = scale · x + bias[c] on an NCHW image → TFLite MUL and ADD with a
// per-channel constant, in whatever layout the input has.
import { attrFloat, attrFloats } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';

const ImageScaler: OpConverter = {
  op: 'ImageScaler', emits: ['MUL', 'ADD'], opset: [1, MAX_OPSET], inputs: [1, 1], dtypes: ['float32'], layout: 'any',
  check(node, ctx) {
    const rank = ctx.rank(node.inputs[0]);
    if (rank !== 4) return refuse('rank', `ImageScaler on a rank-${rank} input is not supported (it scales [N, C, H, W] images)`);
    const bias = attrFloats(node, 'bias');
    const c = ctx.dims(node.inputs[0])[1];
    if (bias && bias.length !== c) return refuse('attribute', `ImageScaler bias has ${bias.length} values for ${c} channels`);
    return undefined;
  },
  convert(node, ctx) {
    const x = node.inputs[0];
    const y = node.outputs[0];
    const c = ctx.shape(x)[1];
    const scale = attrFloat(node, 'scale', 1);
    const bias = attrFloats(node, 'bias') ?? new Array<number>(c).fill(0);
    const biasName = `${node.name}/bias`;
    ctx.constants.set(biasName, { name: biasName, dtype: 'float32', dims: [1, c, 1, 1], data: Float32Array.from(bias) });
    const xin = ctx.inputAny(x);
    const scaled = ctx.temp(ctx.tensors[xin.index].shape, 'FLOAT32', `${y}__scaled`);
    ctx.emit('MUL', [xin.index, ctx.constFloat32([scale], [], `${node.name}/scale`)], [scaled], { fusedActivationFunction: 'NONE' });
    ctx.emit('ADD', [scaled, ctx.input(biasName, xin.perm)], [ctx.output(y, xin.perm)], { fusedActivationFunction: 'NONE' });
  },
};
export default ImageScaler;
