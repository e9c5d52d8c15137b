// Precise weights for the layers whose int8 weight rounding costs the task most. Even with every activation float,
// int8 weights alone change what a trained model does (PP-OCRv4 rec: dynamic-range int8 decodes 91.7% of lines as
// float32 does; every weight int8, small ones too, 87.5%), so part of the size budget left under INT8_SIZE_BUDGET goes
// to weights: each op with constant weights (the candidates, any size) is measured alone — the float32 model with only
// that op's weights rounded to int8 (per channel, round to nearest, as a float op's int8-stored weights are) — on the
// search's samples, by the search's measure (the task's for class / mask outputs, task-signal.ts, else the pooled SNR
// of the logits, sensitivity.ts). The ops whose rounding costs the most run in float32 with float16-stored weights
// (one byte per weight over int8; weights.ts storeFp16, pinned so LiteRT.js's XNNPack unpacks them once at load and
// runs them as fast as float32 ones, fp16-filters.ts), the number growing while the model fits the size budget and
// the search's latency bound (mixed-precision.ts). Weights-only on PP-OCRv4 rec (48 eval lines, activations float):
// all int8 87.5%; the stem's nine small-weight layers float 91.7%, with the two 480x480 convs ranked first (464K
// weights) too 95.8%. (Storing every small weight of mixed precision's float layers float16 too lowered what the
// search reached on bench int8-tasks: rec 79.2% of lines against 87.5%: its choice of float layers moved.)
import type { ConvertResult } from '../convert/convert';
import type { TflModel, TflSubgraph } from '../tflite/model';
import type { Scorer } from './sensitivity';
import { INT8_OPS } from './int8-ops';
import { isConst } from './graph';
import { groupedRuns, rankInGroups } from './grouped-ranking';
import { bytesOf, dequantized, elementCount, floatData, quantizeSymmetric, weightAxis } from './params';

export interface WeightPoint {
  /** The op (float model index) and its weight tensor. */
  op: number;
  weight: number;
  elements: number;
  /** The search's measure (OutputScore.objective: the task's smooth measure, else the output SNR in dB) with only
   *  this op's weights int8. */
  measure: number;
}

/** The candidate ops: those reading a float32 constant weight (of any size: small ones are the cheapest to keep). */
export function weightOps(sg: TflSubgraph): { op: number; weight: number; elements: number }[] {
  const out: { op: number; weight: number; elements: number }[] = [];
  sg.operators.forEach((op, k) => {
    if (!INT8_OPS[op.opcode]?.weights || weightAxis(op.opcode) === undefined) return;
    const w = sg.tensors[op.inputs[1]];
    if (!w || w.type !== 'FLOAT32' || !isConst(w)) return;
    out.push({ op: k, weight: op.inputs[1], elements: elementCount(w.shape) });
  });
  return out;
}

/** The float model with the given weight tensors rounded to int8 and back (per channel, round to nearest). */
export function roundedWeightsModel(result: ConvertResult, weights: { op: number; weight: number }[]): TflModel {
  const src = result.model.subgraphs[0];
  const tensors = [...src.tensors];
  for (const { op, weight } of weights) {
    const t = tensors[weight];
    const axis = weightAxis(src.operators[op].opcode);
    const values = floatData(t);
    tensors[weight] = { ...t, data: bytesOf(dequantized(quantizeSymmetric(values, t.shape, axis), t.shape, axis)) };
  }
  return { ...result.model, subgraphs: [{ ...src, tensors }, ...result.model.subgraphs.slice(1)] };
}

/** The weight ops ranked, the most sensitive first. Up to groupedRuns(n) ops each is measured alone (graph order:
 *  every model of up to 55 weight ops ranks as it did); beyond that coarse to fine as the activations are
 *  (grouped-ranking.ts): the ops rounded in groups of ~√n consecutive ones, then the worst groups' ops alone, within
 *  max(REFINE_RUNS, 2·√n) runs. DEKR's 167 weight ops took 167 runs (395 s of its 600-s search on a quiet machine,
 *  the limit reached before any step); now 13 groups and at most 48 ops alone. */
export async function rankWeightOps(result: ConvertResult, scorer: Scorer, stop: () => boolean = () => false,
  progress?: (done: number, total: number, stage: 'ops' | 'groups' | 'points') => void): Promise<WeightPoint[]> {
  const ops: WeightPoint[] = weightOps(result.model.subgraphs[0]).map((w) => ({ ...w, measure: Infinity }));
  const measure = async (ws: WeightPoint[]) => (await scorer.score(roundedWeightsModel(result, ws), result.metadata)).objective;
  let points: WeightPoint[];
  if (ops.length <= groupedRuns(ops.length)) {
    points = [];
    for (const w of ops) {
      // Past the search's time limit only the ops measured so far are ranked.
      if (stop()) break;
      points.push({ ...w, measure: await measure([w]) });
      progress?.(points.length, ops.length, 'ops');
    }
  } else {
    const grouped = await rankInGroups(ops, { measure, share: scorer.share, stop, progress });
    // Groups past the time limit are not ranked, as ops were not.
    points = grouped.filter((p) => p.measure !== Infinity);
  }
  // Ties (and equal SNRs) in graph order: the ranking depends only on the model and the samples.
  return points.sort((a, b) => a.measure - b.measure || a.op - b.op);
}
