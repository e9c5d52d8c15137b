// ONNX CenterCropPad (opset 18): each listed axis cropped around its centre when the target is smaller (start
// ⌊(dim - target) / 2⌋), padded with zeros around it when larger (⌊(target - dim) / 2⌋ before) → TFLite SLICE, then
// PAD, in the input's stored layout. The target shape must be constant.
import { toNumbers } from '../../ir/tensor';
import { attrInts, normAxis } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { NUMERIC } from './_elementwise';
import { Emitter } from './_emit';

const CenterCropPad: OpConverter = {
  op: 'CenterCropPad', emits: ['SLICE', 'PAD', 'RESHAPE'], opset: [18, MAX_OPSET], inputs: [2, 2], dtypes: NUMERIC, layout: 'axis',
  check(node, ctx) {
    if (!ctx.isConstant(node.inputs[1])) return refuse('computed-input', 'CenterCropPad needs a constant target shape');
    return undefined;
  },
  convert(node, ctx) {
    const x = ctx.inputAny(node.inputs[0]);
    const dims = ctx.shape(node.inputs[0]);
    const target = toNumbers(ctx.constant(node.inputs[1])!);
    const axes = (attrInts(node, 'axes') ?? target.map((_, i) => i)).map((a) => normAxis(a, dims.length));
    const begin = dims.map(() => 0);
    const size = [...dims];
    const pads = dims.map(() => [0, 0]);
    axes.forEach((a, i) => {
      const d = dims[a];
      const t = target[i];
      if (t < d) { begin[a] = Math.floor((d - t) / 2); size[a] = t; }
      if (t > d) { const before = Math.floor((t - d) / 2); pads[a] = [before, t - d - before]; }
    });
    const e = new Emitter(ctx, node);
    const stored = <T>(v: T[]) => x.perm.map((a) => v[a]);
    const out = ctx.output(node.outputs[0], x.perm);
    const type = e.type(x.index);
    const crops = axes.some((a) => begin[a] !== 0 || size[a] !== dims[a]);
    const padded = pads.some(([b, f]) => b > 0 || f > 0);
    let t = x.index;
    if (crops) {
      t = e.op('SLICE', [t, ctx.constInt32(stored(begin), `${node.name}/begin`), ctx.constInt32(stored(size), `${node.name}/size`)],
        stored(size), type, undefined, padded ? undefined : out);
    }
    if (padded) e.op('PAD', [t, ctx.constInt32(stored(pads).flat(), `${node.name}/pads`, [dims.length, 2])], e.shape(out), type, undefined, out);
    else if (!crops) e.reshape(t, e.shape(out), out);
  },
};
export default CenterCropPad;
