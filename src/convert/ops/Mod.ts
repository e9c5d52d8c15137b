// ONNX Mod → TFLite FLOOR_MOD (fmod=0: the result takes the divisor's sign, as Python's %); fmod=1 (C's fmod: the
// dividend's sign) moves a non-zero result whose sign differs from the dividend's by one divisor (SUB, SELECT_V2).
// 8/16-bit integers and float16 are computed in INT32 / FLOAT32 with CASTs; an int64 hash reduced by a modulus that
// is not a power of two or is known only at run time, in INT64 (_int64-mod.ts).
import type { TflType } from '../../tflite/model';
import { attrInt } from '../attrs';
import type { OpConverter } from '../types';
import { Emitter, dtypeReason } from './_emit';
import { broadcastPair } from './_elementwise';
import { MAX_OPSET } from '../types';
import { emitInt64Mod, needsInt64Mod } from './_int64-mod';

const WIDE: Partial<Record<TflType, TflType>> = { INT8: 'INT32', UINT8: 'INT32', INT16: 'INT32', UINT16: 'INT32', FLOAT16: 'FLOAT32' };

const Mod: OpConverter = {
  op: 'Mod', emits: ['FLOOR_MOD', 'NOT_EQUAL', 'LESS', 'LOGICAL_AND', 'SUB', 'SELECT_V2', 'CAST', 'MUL', 'ADD', 'NEG', 'SUM'], opset: [10, MAX_OPSET], inputs: [2, 2],
  dtypes: ['float32', 'float64', 'float16', 'int32', 'int64', 'int8', 'uint8', 'int16', 'uint16', 'uint32', 'uint64'], micro: false,
  layout: 'any',
  check(node, ctx) {
    return dtypeReason(node, ctx, this.dtypes);
  },
  convert(node, ctx) {
    if (needsInt64Mod(ctx, node)) return emitInt64Mod(ctx, node, attrInt(node, 'fmod', 0) === 1);
    const [a, b] = node.inputs;
    const y = node.outputs[0];
    const e = new Emitter(ctx, node);
    const pair = broadcastPair(ctx, a, b, y);
    const out = pair.y;
    let { ia, ib } = pair;
    const wide = WIDE[e.type(out)];
    if (wide) { ia = e.cast(ia, wide); ib = e.cast(ib, wide); }
    const fmod = attrInt(node, 'fmod', 0) === 1;
    if (!fmod) {
      const r = e.bin('FLOOR_MOD', ia, ib, wide ? undefined : out);
      if (wide) e.cast(r, e.type(out), out);
      return;
    }
    const r = e.bin('FLOOR_MOD', ia, ib);
    const zero = e.scalar(0, e.type(r));
    const differ = e.bin('NOT_EQUAL', e.bin('LESS', r, zero), e.bin('LESS', ia, zero));
    const fix = e.bin('LOGICAL_AND', e.bin('NOT_EQUAL', r, zero), differ);
    const res = e.select(fix, e.bin('SUB', r, ib), r, wide ? undefined : out);
    if (wide) e.cast(res, e.type(out), out);
  },
};
export default Mod;
