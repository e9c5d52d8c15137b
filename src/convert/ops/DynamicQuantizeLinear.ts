// ONNX DynamicQuantizeLinear (uint8): scale = (max(0, max x) - min(0, min x)) / 255, zero point =
// saturate(round(-min / scale)), y = saturate(round(x / scale) + zero point) → TFLite REDUCE_MAX/MIN over all axes
// and float arithmetic (as QuantizeLinear, see _qdq.ts).
import type { OpConverter } from '../types';
import { Emitter } from './_emit';
import { MAX_OPSET } from '../types';

const DynamicQuantizeLinear: OpConverter = {
  op: 'DynamicQuantizeLinear', emits: ['REDUCE_MAX', 'REDUCE_MIN', 'MAXIMUM', 'MINIMUM', 'SUB', 'DIV', 'ROUND', 'ADD', 'NEG', 'CAST'],
  opset: [11, MAX_OPSET], dtypes: ['float32'], micro: false, layout: 'any',
  convert(node, ctx) {
    const [y, yScale, yZp] = node.outputs;
    const x = ctx.inputAny(node.inputs[0]);
    const e = new Emitter(ctx, node);
    const all = x.perm.map((_, i) => i);
    const hi = e.bin('MAXIMUM', e.reduce('REDUCE_MAX', x.index, all, false), e.scalar(0));
    const lo = e.bin('MINIMUM', e.reduce('REDUCE_MIN', x.index, all, false), e.scalar(0));
    const scale = e.bin('DIV', e.bin('SUB', hi, lo), e.scalar(255), yScale ? ctx.output(yScale, []) : undefined);
    const clamp = (t: number) => e.bin('MINIMUM', e.bin('MAXIMUM', t, e.scalar(0)), e.scalar(255));
    const zp = clamp(e.un('ROUND', e.bin('DIV', e.un('NEG', lo), scale)));
    if (yZp) e.cast(zp, 'UINT8', ctx.output(yZp, []));
    const q = e.bin('ADD', e.un('ROUND', e.bin('DIV', x.index, scale)), zp);
    e.cast(clamp(q), 'UINT8', ctx.output(y, x.perm));
  },
};
export default DynamicQuantizeLinear;
