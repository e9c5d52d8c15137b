// com.microsoft FusedGemm (onnxruntime's optimizer: a Gemm with the activation after it folded in; `activation`,
// LeakyRelu's slope as `activation_alpha`) → the Gemm converter's ops, then the activation (_fused_activation.ts).
import type { Node } from '../../ir/types';
import { attrFloat, attrString } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import Gemm from './Gemm';
import { FUSED_ACTIVATION_OPS, emitFusedActivation } from './_fused_activation';

const ACTIVATIONS = ['Relu', 'Tanh', 'Sigmoid', 'LeakyRelu'];

/** The same node as a plain ONNX Gemm writing `output`. */
function asGemm(node: Node, output: string): Node {
  const attrs = new Map([...node.attrs].filter(([k]) => !k.startsWith('activation')));
  return { ...node, opType: 'Gemm', domain: '', attrs, outputs: [output] };
}

const FusedGemm: OpConverter = {
  op: 'FusedGemm', domain: 'com.microsoft', emits: ['FULLY_CONNECTED', 'BATCH_MATMUL', 'ADD', 'MUL', ...FUSED_ACTIVATION_OPS],
  opset: [1, MAX_OPSET], inputs: [2, 3], dtypes: ['float32'], layout: 'onnx', incidental: ['RELU6', 'MINIMUM', 'MAXIMUM'],
  check(node, ctx) {
    const act = attrString(node, 'activation', '');
    if (!ACTIVATIONS.includes(act)) return refuse('attribute', `FusedGemm activation "${act}" is not supported (${ACTIVATIONS.join(', ')})`);
    return Gemm.check?.(asGemm(node, node.outputs[0]), ctx);
  },
  convert(node, ctx) {
    const y = node.outputs[0];
    const tmp = `${y}__gemm`;
    ctx.declare(tmp, 'float32', ctx.dims(y));
    Gemm.convert(asGemm(node, tmp), ctx);
    emitFusedActivation(ctx, attrString(node, 'activation', ''), [attrFloat(node, 'activation_alpha', 0.01)], tmp, y, node.name);
  },
};
export default FusedGemm;
