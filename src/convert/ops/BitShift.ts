// ONNX BitShift on unsigned integers, computed in INT32 (CASTs around 8/16-bit types; 32/64-bit ones are narrowed
// to INT32 by the converter): RIGHT → TFLite RIGHT_SHIFT; LEFT → MUL by POW(2, shift) (the CAST back wraps like ONNX).
import { attrString } from '../attrs';
import type { OpConverter } from '../types';
import { Emitter } from './_emit';
import { broadcastPair } from './_elementwise';
import { MAX_OPSET } from '../types';

const BitShift: OpConverter = {
  op: 'BitShift', emits: ['RIGHT_SHIFT', 'POW', 'MUL', 'CAST'], opset: [11, MAX_OPSET], dtypes: ['uint8', 'uint16', 'uint32', 'uint64'],
  layout: 'any',
  convert(node, ctx) {
    const [a, b] = node.inputs;
    const y = node.outputs[0];
    const e = new Emitter(ctx, node);
    const wide = (t: number) => (e.type(t) === 'INT32' ? t : e.cast(t, 'INT32'));
    const { ia, ib, y: out } = broadcastPair(ctx, a, b, y);
    const x = wide(ia);
    const s = wide(ib);
    const direct = e.type(out) === 'INT32';
    const r = attrString(node, 'direction', 'RIGHT') === 'RIGHT'
      ? e.bin('RIGHT_SHIFT', x, s, direct ? out : undefined)
      : e.bin('MUL', x, e.bin('POW', e.scalar(2, 'INT32'), s), direct ? out : undefined);
    if (!direct) e.cast(r, e.type(out), out);
  },
};
export default BitShift;
