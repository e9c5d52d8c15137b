// int8 marks the calibration decides. The compatibility view (compat.ts) has no calibration ranges, so a rule of the
// int8 pass that reads them cannot be applied when marking; the nodes such a rule may keep float32 are marked
// "int8, may stay float32" instead (NodeVerdict.int8Maybe), with why, rather than a plain int8 the int8 pass may
// contradict. The one rule of that kind today: a join near the outputs whose inputs' ranges are too far apart for one
// int8 scale stays float32 with what carries the joined tensor to the outputs (int8-mixed-joins.ts). A spiking keyword
// spotter's stack of 20 readout membranes (the first steps a few spikes' worth, the last ~1) and its time mean were
// marked int8 and written float32 (s27-seq25's audit: lif_kws); a YOLO head's boxes joined with its scores likewise.
import type { TflModel, TflOperator } from '../tflite/model';
import { floatIslands } from '../quantize/int8-float-islands';
import { mixedJoinOps } from '../quantize/int8-mixed-joins';

export const MIXED_JOIN_MAYBE = 'a join near the outputs (and what carries it there): it stays float32 when its inputs\' '
  + 'calibrated ranges are too far apart for one int8 scale (the narrowest under 16 of 255 levels), which only '
  + '--quantize int8\'s calibration decides';

/** The ops of the model's main subgraph that full int8 may keep float32 depending on calibration ranges, with why. */
export function int8MaybeFloat(model: TflModel): Map<TflOperator, string> {
  const out = new Map<TflOperator, string>();
  const sg = model.subgraphs[0];
  if (!sg) return out;
  const islands = floatIslands(sg);
  // Every join the rule would look at, as if each one's ranges were too far apart (the structural half of the rule).
  for (const k of mixedJoinOps(sg, (j) => islands.has(j), () => true)) out.set(sg.operators[k], MIXED_JOIN_MAYBE);
  return out;
}
