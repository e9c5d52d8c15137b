// A fixed-scale output joined with wider tensors. TFLite's int8 TANH writes its output at scale 1/128 (±1), LOGISTIC
// and SOFTMAX at 1/256 (0-1): INT8_OPS' `fixed`. A CONCATENATION / PACK takes one scale for its inputs and output, so
// a fixed output among its inputs gave its scale to the whole join and clipped every other input to its ±1 / 0-1:
// CREStereo's ConvGRU reads its correlation means (about ±30) concatenated with its hidden state (a TANH), and int8
// clipped the correlations to ±1 (guard cosine 0.9776, the join 40 dB → 2 dB). Such a fixed input stays out of the
// join's group instead: the join takes the scale of its other inputs' ranges, and int8.ts requantizes the fixed output
// into it (an int8 → int8 QUANTIZE in front of the join). A join near the outputs whose inputs are that far apart is
// kept float32 by int8-mixed-joins.ts first (the joins `except` names).
import type { TflSubgraph } from '../tflite/model';
import { scaleGroups } from './int8-scale-groups';
import { joinedInputs, joinOps } from './int8-mixed-joins';
import type { QParams, Range } from './params';

/** A fixed input is requantized once the other inputs' range reaches past its own by more than this part of its width. */
const CLIP_SLACK = 0.1;

/** The real values an int8 tensor with parameters `p` covers. */
const coveredBy = (p: QParams): Range => ({ min: (-128 - p.zeroPoint) * p.scale, max: (127 - p.zeroPoint) * p.scale });

/** The inputs (by join op index) with a fixed output scale that would clip the join's other inputs' calibrated range:
 *  they keep their fixed parameters and are requantized into the join's (scaleGroups' `cut`). */
export function fixedJoinCuts(sg: TflSubgraph, ranges: ReadonlyMap<number, Range>, except: (k: number) => boolean): Map<number, Set<number>> {
  const cuts = new Map<number, Set<number>>();
  const joins = joinOps(sg, except);
  if (joins.length === 0) return cuts;
  const groups = scaleGroups(sg, new Set(joins));
  const fixedOf = new Map<number, QParams>();
  for (const [i, p] of groups.fixed) if (!fixedOf.has(groups.find(i))) fixedOf.set(groups.find(i), p);
  if (fixedOf.size === 0) return cuts;
  const rangeOf = new Map<number, Range>();
  for (const [i, r] of ranges) {
    const g = groups.find(i);
    const have = rangeOf.get(g);
    rangeOf.set(g, have ? { min: Math.min(have.min, r.min), max: Math.max(have.max, r.max) } : { ...r });
  }
  for (const k of joins) {
    const inputs = joinedInputs(sg, k);
    const fixed = inputs.filter((i) => fixedOf.has(groups.find(i)));
    const free = inputs.filter((i) => !fixedOf.has(groups.find(i)));
    // A join of fixed outputs alone passes their scale on (LPCNet's conditioning, a TANH output repeated per sample by
    // torch's repeat_interleave: Split, then a CONCATENATION of the pieces): its output is fixed for the joins after it.
    const params = fixed.map((i) => fixedOf.get(groups.find(i))!);
    if (free.length === 0 && params.every((p) => p.scale === params[0].scale && p.zeroPoint === params[0].zeroPoint)) {
      for (const o of sg.operators[k].outputs) if (!fixedOf.has(groups.find(o))) fixedOf.set(groups.find(o), params[0]);
      continue;
    }
    if (fixed.length === 0 || free.length === 0 || !free.every((i) => rangeOf.has(groups.find(i)))) continue;
    const lo = Math.min(...free.map((i) => rangeOf.get(groups.find(i))!.min));
    const hi = Math.max(...free.map((i) => rangeOf.get(groups.find(i))!.max));
    const clipped = fixed.filter((i) => {
      const c = coveredBy(fixedOf.get(groups.find(i))!);
      const slack = CLIP_SLACK * (c.max - c.min);
      return lo < c.min - slack || hi > c.max + slack;
    });
    if (clipped.length) cuts.set(k, new Set(clipped));
  }
  return cuts;
}
