// ONNX Gelu (opset 20; also what simplify-gelu.ts makes of GELU written out with Erf or Tanh) → TFLite GELU
// (elementwise, any layout), `approximate` set for the tanh form.
import { attrString } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { emitUnary, FLOAT } from './_elementwise';

const Gelu: OpConverter = {
  op: 'Gelu', emits: ['GELU'], opset: [1, MAX_OPSET], dtypes: FLOAT, micro: false, layout: 'any',
  check(node) {
    const a = attrString(node, 'approximate', 'none');
    return a === 'none' || a === 'tanh' ? undefined : refuse('attribute', `Gelu approximate="${a}" is not one of "none", "tanh"`);
  },
  convert(node, ctx) {
    emitUnary(ctx, node, 'GELU', { approximate: attrString(node, 'approximate', 'none') === 'tanh' });
  },
};
export default Gelu;
