// ONNX Clip → TFLite RELU6 / RELU_N1_TO_1 / RELU for the usual bounds (fusable into the op before), else
// MINIMUM and MAXIMUM with the bounds (constants, or scalar tensors computed or fed at run time).
import { makeTensor, toNumbers } from '../../ir/tensor';
import { attrFloat } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { constantBytes } from '../constdata';

const INT_RANGE: Record<string, [number, number]> = {
  int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535],
};
import { emitUnary } from './_elementwise';

const Clip: OpConverter = {
  op: 'Clip', emits: ['RELU6', 'RELU_N1_TO_1', 'RELU', 'MINIMUM', 'MAXIMUM'],
  // RELU_N1_TO_1 only for Clip(-1, 1), which TFLM lacks: `onnx2lite micro` refuses that model itself.
  incidental: ['RELU_N1_TO_1'], opset: [1, MAX_OPSET], dtypes: ['float32', 'int32', 'int64', 'int8', 'uint8', 'int16'],
  layout: 'any',
  check(node, ctx) {
    for (const i of node.inputs.slice(1)) if (i && !ctx.isConstant(i) && ctx.rank(i) !== 0) return refuse('rank', 'Clip with non-scalar bounds is not supported');
    return undefined;
  },
  convert(node, ctx) {
    const bound = (i: number, attr: string, dflt: number) => {
      const n = node.inputs[i];
      if (n && !ctx.isConstant(n)) return NaN;
      if (n) return toNumbers(ctx.constant(n)!)[0];
      return attrFloat(node, attr, dflt);
    };
    // NaN: a bound known only at run time.
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
    const dtype = ctx.dtype(node.inputs[0]);
    const mk = (v: number, nm: string, i: number) => {
      if (Number.isNaN(v)) return ctx.input(node.inputs[i], []);
      if (type === 'FLOAT32') return ctx.constFloat32([v], [], nm);
      const [lo, hi] = INT_RANGE[dtype] ?? [-2147483648, 2147483647];
      const c = constantBytes(makeTensor(nm, dtype, [], [Math.min(hi, Math.max(lo, v))]), []);
      return ctx.constTensor({ name: nm, type: c.type, shape: [], data: c.bytes });
    };
    if (lo === -Infinity && hi === Infinity) {
      const out = ctx.output(y, x.perm);
      ctx.emit('RESHAPE', [x.index, ctx.constInt32(shape, `${y}__shape`)], [out], { newShape: shape });
      return;
    }
    let cur = x.index;
    if (hi !== Infinity) {
      const t = lo !== -Infinity ? ctx.temp(shape, type, `${y}__min`) : ctx.output(y, x.perm);
      ctx.emit('MINIMUM', [cur, mk(hi, `${node.name}/max`, 2)], [t]);
      cur = t;
    }
    if (lo !== -Infinity || hi === Infinity) {
      const t = ctx.output(y, x.perm);
      ctx.emit('MAXIMUM', [cur, mk(lo === -Infinity ? -3.4028234663852886e38 : lo, `${node.name}/min`, 1)], [t]);
    }
  },
};
export default Clip;
