// A join inside the network whose inputs' ranges differ a lot: TFLite's int8 CONCATENATION / PACK take one scale for
// their inputs and output, and the int8 pass gave that joint scale to every input's producer, so a narrow input lost
// its resolution for all its readers, not only the join. A U-Net's skip (TBEFN, tf2onnx: a conv + RELU of a dark
// picture, 0-0.3, joined with a float32 TRANSPOSE_CONV's output, -4-6.5) wrote its encoder's first layer at the
// joint step 0.041: 7 levels, 12.5 dB, and every deeper layer read those. Such an input keeps its own scale and is
// requantized into the join's (an int8 → int8 QUANTIZE in front of the join, written by the int8 pass): its other
// readers keep the fine scale. Also an input whose parameters are fixed (TANH's 1/128, LOGISTIC's 1/256): the fixed
// scale would otherwise be the whole join's and clip its other inputs.
// Joins near the outputs (their tail reaches no weighted layer) are int8-mixed-joins.ts' (kept float32 there).
import type { TflSubgraph } from '../tflite/model';
import { consumersOf } from './graph';
import { joinedInputs, joinOps, paramsWidth, tailReachesWeights } from './int8-mixed-joins';
import type { QParams } from './params';

/** An input narrower than this fraction of the join's width (its own range, and also read by other ops) keeps its
 *  own scale: under the joint scale it would lose more than one bit. */
export const OWN_SCALE_BELOW = 0.5;

/** The inputs (by join op index) that keep their own scale: `own` are the parameters each tensor has with the joins
 *  out of the scale groups, `fixed` the tensors whose parameters an op fixes. */
export function requantizedJoinInputs(sg: TflSubgraph, except: (k: number) => boolean, own: Map<number, QParams>,
  fixed: { has(i: number): boolean }): Map<number, Set<number>> {
  const readers = consumersOf(sg);
  const out = new Map<number, Set<number>>();
  for (const k of joinOps(sg, except)) {
    const y = sg.operators[k].outputs[0];
    const joint = own.get(y);
    if (!joint || !tailReachesWeights(sg, k, readers)) continue;
    const inputs = joinedInputs(sg, k);
    if (!inputs.every((i) => own.has(i))) continue;
    const width = Math.max(paramsWidth(joint), ...inputs.map((i) => paramsWidth(own.get(i)!)));
    const kept = inputs.filter((i) => {
      const w = paramsWidth(own.get(i)!);
      if (fixed.has(i)) return w < width;
      return w < OWN_SCALE_BELOW * width && (readers.get(i) ?? []).some((r) => r !== k);
    });
    if (kept.length) out.set(k, new Set(kept));
  }
  return out;
}
