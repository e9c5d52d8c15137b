// The float island of an equalized hard-swish (equalize-hardswish.ts): MUL by a per-channel constant → HARD_SWISH →
// MUL by a per-channel constant. The int8 tensors on both sides hold channels scaled to a common range; the first MUL
// undoes the scaling before the hard-swish and the second redoes it after, so the three ops must compute in float (in
// int8 the MULs' outputs would be one step for channels 64× apart again). int8 HARD_SWISH is DEQUANTIZE → float
// HARD_SWISH → QUANTIZE anyway (int8-hardswish.ts: XNNPack has no int8 kernel for it): the island adds the two MULs.
import type { TflSubgraph } from '../tflite/model';
import { consumersOf, isConst, producersOf } from './graph';

/** Op indices of every MUL(vector) → HARD_SWISH → MUL(vector) island, each op's output read by the next alone. */
export function scaledHardSwishOps(sg: TflSubgraph): number[] {
  const t = sg.tensors;
  const prod = producersOf(sg), cons = consumersOf(sg);
  const vector = (i: number) => i >= 0 && isConst(t[i]) && t[i].type === 'FLOAT32' && t[i].shape.length === 1 && t[i].shape[0] > 1;
  const vectorMul = (k: number | undefined) => {
    if (k === undefined) return false;
    const op = sg.operators[k];
    return op.opcode === 'MUL' && op.inputs.length === 2 && op.inputs.filter(vector).length === 1 && op.inputs.some((i) => i >= 0 && !isConst(t[i]));
  };
  const out: number[] = [];
  sg.operators.forEach((op, k) => {
    if (op.opcode !== 'HARD_SWISH') return;
    const before = prod.get(op.inputs[0]);
    const readers = cons.get(op.outputs[0]) ?? [];
    if (before === undefined || (cons.get(op.inputs[0]) ?? []).length !== 1 || readers.length !== 1) return;
    if (!vectorMul(before) || !vectorMul(readers[0])) return;
    if (sg.operators[before].outputs[0] !== op.inputs[0]) return;
    out.push(before, k, readers[0]);
  });
  return out;
}
