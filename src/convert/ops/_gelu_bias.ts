// onnxruntime's GELU fusions (com.microsoft Gelu, BiasGelu, FastGelu): the optional bias (last axis) added first,
// then TFLite GELU (exact, or `approximate` for FastGelu's tanh form), in the input's layout.
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';

export function geluWithBias(op: string, approximate: boolean): OpConverter {
  return {
    op, domain: 'com.microsoft', emits: ['ADD', 'GELU'], opset: [1, MAX_OPSET], inputs: [1, 2], dtypes: ['float32'], micro: false, layout: 'any',
    convert(node, ctx) {
      const [xName, bias] = node.inputs;
      const x = ctx.inputAny(xName);
      const y = ctx.output(node.outputs[0], x.perm);
      let src = x.index;
      if (bias) {
        const t = ctx.tensors[x.index];
        src = ctx.temp(t.shapeSignature ?? t.shape, 'FLOAT32', `${node.outputs[0]}__biased`);
        ctx.emit('ADD', [x.index, ctx.inputBroadcast(bias, ctx.rank(xName), x.perm)], [src], { fusedActivationFunction: 'NONE' });
      }
      ctx.emit('GELU', [src], [y], { approximate });
    },
  };
}
