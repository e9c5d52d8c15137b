// Join inputs that keep their own int8 scale. TFLite's int8 CONCATENATION / PACK take one scale for their inputs and
// output, and the same-scale rule gave that joint scale to every input's producer. Two cases went wrong:
// - A fixed-scale output (TFLite's int8 TANH writes at 1/128, ±1; LOGISTIC and SOFTMAX at 1/256, 0-1: INT8_OPS'
//   `fixed`) gave its scale to the whole join and clipped every other input to ±1 / 0-1: CREStereo's ConvGRU joins
//   its correlation means (about ±30) with its hidden state (a TANH), and int8 clipped the correlations to ±1 (guard
//   cosine 0.9776, the join 40 dB → 2 dB).
// - A narrow input lost its resolution for all its readers, not only the join: a U-Net's skip (TBEFN, tf2onnx: a
//   conv + RELU of a dark picture, 0-0.3, joined with a float32 TRANSPOSE_CONV's output, -4-6.5) wrote its encoder's
//   first layer at the joint step 0.041: 7 levels, 12.5 dB, and every deeper layer read those.
// Such an input stays out of the join's scale group (scaleGroups' `cut`): it keeps its own (or fixed) parameters for
// its other readers, the join takes its other inputs' range, and int8.ts requantizes the input into the join's
// parameters (an int8 → int8 QUANTIZE in front of the join). A join near the outputs whose inputs are too far apart
// for one scale is kept float32 by int8-mixed-joins.ts first (the joins `except` names).
import type { TflSubgraph } from '../tflite/model';
import { consumersOf } from './graph';
import type { ScaleGroups } from './int8-scale-groups';
import { joinedInputs, joinOps, paramsWidth, tailReachesWeights } from './int8-mixed-joins';
import { type QParams, type Range, sameParams } from './params';

/** A fixed input is cut once the other inputs' range reaches past its own by more than this part of its width. */
const CLIP_SLACK = 0.1;
/** In a join whose tail reaches a weighted layer, an input narrower than this fraction of the join's width (its own
 *  range, and also read by other ops) keeps its own scale: under the joint scale it would lose more than one bit. */
export const OWN_SCALE_BELOW = 0.5;

/** The real values an int8 tensor with parameters `p` covers. */
const coveredBy = (p: QParams): Range => ({ min: (-128 - p.zeroPoint) * p.scale, max: (127 - p.zeroPoint) * p.scale });

/** The inputs (by join op index) that keep their own scale and are requantized into the join's. `groups` are the
 *  same-scale groups with the joins apart, `own` the parameters each tensor has in them, `ranges` the calibrated ones.
 *  An input is cut when its parameters are fixed and would clip the other inputs' range (any join), or, in a join
 *  whose tail reaches a weighted layer, when they are fixed and narrower than the join's, or its own width is below
 *  OWN_SCALE_BELOW of the join's and other ops read it too. */
export function requantizedJoinInputs(sg: TflSubgraph, except: (k: number) => boolean, groups: ScaleGroups,
  own: ReadonlyMap<number, QParams>, ranges: ReadonlyMap<number, Range>): Map<number, Set<number>> {
  const readers = consumersOf(sg);
  const fixedOf = new Map<number, QParams>();
  for (const [i, p] of groups.fixed) if (!fixedOf.has(groups.find(i))) fixedOf.set(groups.find(i), p);
  const isFixed = (i: number) => fixedOf.has(groups.find(i));
  const rangeOf = new Map<number, Range>();
  for (const [i, r] of ranges) {
    const g = groups.find(i);
    const have = rangeOf.get(g);
    rangeOf.set(g, have ? { min: Math.min(have.min, r.min), max: Math.max(have.max, r.max) } : { ...r });
  }
  /** The fixed inputs whose parameters would clip the free inputs' calibrated range. */
  const clipping = (inputs: number[]): number[] => {
    const fixed = inputs.filter(isFixed);
    const free = inputs.filter((i) => !isFixed(i));
    if (fixed.length === 0 || free.length === 0 || !free.every((i) => rangeOf.has(groups.find(i)))) return [];
    const lo = Math.min(...free.map((i) => rangeOf.get(groups.find(i))!.min));
    const hi = Math.max(...free.map((i) => rangeOf.get(groups.find(i))!.max));
    return fixed.filter((i) => {
      const p = own.get(i);
      if (!p) return false;
      const c = coveredBy(p);
      const slack = CLIP_SLACK * (c.max - c.min);
      return lo < c.min - slack || hi > c.max + slack;
    });
  };
  /** Inside the network: the inputs much narrower than the join (and read elsewhere), or fixed and narrower. */
  const narrow = (k: number, inputs: number[]): number[] => {
    const joint = own.get(sg.operators[k].outputs[0]);
    if (!joint || !inputs.every((i) => own.has(i)) || !tailReachesWeights(sg, k, readers)) return [];
    const width = Math.max(paramsWidth(joint), ...inputs.map((i) => paramsWidth(own.get(i)!)));
    return inputs.filter((i) => {
      const w = paramsWidth(own.get(i)!);
      if (isFixed(i)) return w < width;
      return w < OWN_SCALE_BELOW * width && (readers.get(i) ?? []).some((r) => r !== k);
    });
  };
  const out = new Map<number, Set<number>>();
  for (const k of joinOps(sg, except)) {
    const inputs = joinedInputs(sg, k);
    // A join of fixed outputs alone passes their scale on (LPCNet's conditioning, a TANH output repeated per sample by
    // torch's repeat_interleave: Split, then a CONCATENATION of the pieces): its output is fixed for the joins after it.
    const params = inputs.map((i) => fixedOf.get(groups.find(i)));
    if (inputs.length && params.every((p) => sameParams(p, params[0]))) {
      for (const o of sg.operators[k].outputs) if (!fixedOf.has(groups.find(o))) fixedOf.set(groups.find(o), params[0]!);
      continue;
    }
    const cut = new Set([...clipping(inputs), ...narrow(k, inputs)]);
    if (cut.size) out.set(k, cut);
  }
  return out;
}
