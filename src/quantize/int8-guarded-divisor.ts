// A divisor guarded by an epsilon, `x / (d + ε)`, whose calibrated range spans 0: int8 has no DIV kernel, so the DIV
// runs in float32, but the ADD making its divisor would run in int8, where ε (1e-7, 1e-6) is far under one step and
// rounds away: wherever d's int8 value is 0 the float DIV divides by exactly 0 and writes inf or NaN (0 / 0), which
// the guard then sees as a collapsed output. MonoFlex's orientation `atan(sin / (cos + 1e-7))` (twenty-first sweep):
// cosine 0.0000, blamed on its Div. Kept float32, the ADD reads d's int8 value back as float and adds ε as the float
// model does, so the divisor is never 0 and the DIV stays finite. A divisor whose range is all on one side of 0 (a
// variance + ε, a count + ε) keeps its int8 ADD: its values stay steps away from 0.
import type { TflSubgraph } from '../tflite/model';
import { isConst, isFloatActivation, producersOf } from './graph';
import { floatData, type QParams } from './params';

/** Ops that only move or pick values, walked back through from the divisor. */
const MOVES = new Set(['RESHAPE', 'TRANSPOSE', 'GATHER', 'STRIDED_SLICE', 'SLICE', 'SPLIT', 'SPLIT_V', 'SQUEEZE', 'EXPAND_DIMS']);

/** int8's lowest and highest quantized values. */
const [Q_MIN, Q_MAX] = [-128, 127];

/** The ADD / SUB ops (by index) that make a DIV's divisor as an activation plus or minus a nonzero float32 constant
 *  smaller than half the divisor's int8 step, when the divisor's int8 range spans 0 (its zero point strictly
 *  inside int8's range). Pushes one warning on `warnings` when any is found. */
export function guardedDivisorOps(sg: TflSubgraph, params: Map<number, QParams>, warnings?: string[]): Set<number> {
  const prod = producersOf(sg);
  const t = sg.tensors;
  const out = new Set<number>();
  for (const op of sg.operators) {
    if (op.opcode !== 'DIV') continue;
    const divisor = op.inputs[1];
    const k = prod.get(divisor);
    const p = params.get(divisor);
    if (k === undefined || !p || !(p.zeroPoint > Q_MIN && p.zeroPoint < Q_MAX)) continue;
    const add = sg.operators[k];
    if (add.opcode !== 'ADD' && add.opcode !== 'SUB') continue;
    const [a, b] = add.inputs.map((i) => t[i]);
    if (!a || !b || !isFloatActivation(a) || !isConst(b) || b.type !== 'FLOAT32' || !b.data) continue;
    const eps = floatData(b);
    if (!eps.length || !eps.every((e) => e !== 0 && Math.abs(e) < p.scale / 2)) continue;
    out.add(k);
    // Back through data movement to the layer that computes d, whose float value keeps d's sign near 0.
    for (let i = add.inputs[0], j = prod.get(i); j !== undefined; j = prod.get(i)) {
      const mv = sg.operators[j];
      out.add(j);
      if (!MOVES.has(mv.opcode)) break;
      i = mv.inputs[mv.opcode === 'SPLIT' ? 1 : 0];
    }
  }
  if (out.size && warnings) {
    warnings.push(`int8: ${out.size} op(s) adding a small epsilon to a divisor whose range spans 0 stay float32 (in int8 the epsilon rounds away and the DIV divides by 0)`);
  }
  return out;
}
