// ONNX Clip → TFLite RELU6 / RELU_N1_TO_1 / RELU for the usual bounds (fusable into the op before), else
// MINIMUM and MAXIMUM with constants.
import { toNumbers } from '../../ir/tensor';
import { attrFloat } from '../attrs';
import type { OpConverter } from '../types';
import { emitUnary } from './_elementwise';

const Clip: OpConverter = {
  op: 'Clip', emits: ['RELU6', 'RELU_N1_TO_1', 'RELU', 'MINIMUM', 'MAXIMUM'], opset: [1, 23], dtypes: ['float32', 'int32', 'int64'],
  int8: true, micro: true, layout: 'any',
  check(node, ctx) {
    for (const i of node.inputs.slice(1)) if (i && !ctx.isConstant(i)) return 'Clip with non-constant bounds is not supported';
    return undefined;
  },
  convert(node, ctx) {
    const bound = (i: number, attr: string, dflt: number) => {
      const n = node.inputs[i];
      if (n) return toNumbers(ctx.constant(n)!)[0];
      return attrFloat(node, attr, dflt);
    };
    const lo = bound(1, 'min', -Infinity);
    const hi = bound(2, 'max', Infinity);
    const isFloat = ctx.dtype(node.inputs[0]) === 'float32';
    if (isFloat && lo === 0 && hi === 6) return emitUnary(ctx, node, 'RELU6');
    if (isFloat && lo === -1 && hi === 1) return emitUnary(ctx, node, 'RELU_N1_TO_1');
    if (isFloat && lo === 0 && hi === Infinity) return emitUnary(ctx, node, 'RELU');
    const x = ctx.inputAny(node.inputs[0]);
    const y = node.outputs[0];
    const shape = ctx.tensors[x.index].shape;
    const type = ctx.tensors[x.index].type;
    const mk = (v: number, nm: string) => (type === 'FLOAT32' ? ctx.constFloat32([v], [], nm) : ctx.constInt32([v], nm, []));
    let cur = x.index;
    if (hi !== Infinity) {
      const t = lo !== -Infinity ? ctx.temp(shape, type, `${y}__min`) : ctx.output(y, x.perm);
      ctx.emit('MINIMUM', [cur, mk(hi, `${node.name}/max`)], [t]);
      cur = t;
    }
    if (lo !== -Infinity || hi === Infinity) {
      const t = ctx.output(y, x.perm);
      ctx.emit('MAXIMUM', [cur, mk(lo === -Infinity ? -3.4028234663852886e38 : lo, `${node.name}/min`)], [t]);
    }
  },
};
export default Clip;
