// The int8 search's stop bar (mixed-precision.ts). The search stops at the first candidate that meets its bar; for
// most models that is the cosine target (GUARD_COSINE, or --min-cosine above it). A model whose outputs the guard
// judges by their task instead (int8-stage.ts: without --min-cosine and int8 I/O, probability maps are judged by their
// thresholded IoU against onnxruntime, mask-guard.ts) is accepted by the guard well before that cosine: PaddleOCR v4
// det's 29-op float32 prefix met map IoU 0.958 on the search's pages at cosine 0.9737, at about plain int8's estimated
// cost, and the search went on towards 0.995 (46-84 ops float32, 0.75-0.81x float32 where plain int8 runs 0.64x).
// There the bar is the guard's own verdict on the guard samples: the worst cosine at the guard's --min-cosine, or the
// maps' mean IoU at MIN_MASK_IOU with the other outputs at that cosine (maskGuardMet). The guard itself still runs
// after the search on the written model, and the held-out guard after it: nothing the guard accepts changes.
// Off unless ONNX2LITE_MASK_STOP=on: measured on PP-OCRv4 det (bench int8-tasks, 12 evaluation pages calibration never
// saw; docs/model-sweep.md, s24-detstop), the search stopped at 28 ops float32 (guard map IoU 0.9572, held-out pages
// 9-12 0.9685: met) and the evaluation pages read mask IoU 0.9441 / worst 0.8496 (the cosine's stop, 46 ops: 0.9750 /
// 0.9573) for 0.73x float32 against 0.74x (paired, load 13-16): the guard's 4 pages do not hold the bar there.
import type { ConvertResult } from '../convert/convert';
import type { Tensor } from '../ir/types';
import { MIN_COSINE } from './guard';
import { maskGuard, maskGuardMet, maskOutputs } from './mask-guard';
import { probabilityOutputs } from './output-cosine';
import { sequenceOutputs } from './sequence-guard';

/** How the guard judges a model whose outputs include probability maps: the maps, the cosine bar, the scalar
 *  probability outputs the cosine reads pooled. */
export interface GuardJudge {
  masks: Set<string>;
  minCosine: number;
  probabilities: ReadonlySet<string>;
}

/** The guard's task judge when it judges `result` by its probability maps (no --min-cosine, float I/O, map outputs
 *  and no label-sequence outputs: those are judged by both guards) and ONNX2LITE_MASK_STOP=on; undefined when the
 *  cosine decides. */
export function maskJudge(result: ConvertResult, minCosine: number | undefined, int8Io: boolean | undefined): GuardJudge | undefined {
  if (process.env.ONNX2LITE_MASK_STOP !== 'on' || minCosine !== undefined || int8Io) return undefined;
  const sg = result.model.subgraphs[0];
  const masks = maskOutputs(sg, result.metadata);
  if (!masks.size || sequenceOutputs(sg, result.metadata).size) return undefined;
  return { masks, minCosine: MIN_COSINE, probabilities: probabilityOutputs(result) };
}

/** Whether the guard accepts a candidate: `refs` are onnxruntime's outputs on the guard samples, `outputs` the
 *  candidate's (by ONNX name, the first refs.length are judged), `cosine` their worst output cosine. */
export function guardAccepts(judge: GuardJudge, refs: Map<string, Tensor>[], outputs: Map<string, Tensor>[], cosine: number): boolean {
  if (cosine >= judge.minCosine) return true;
  return maskGuardMet(maskGuard(refs, outputs.slice(0, refs.length), judge.masks, judge.probabilities), judge.minCosine);
}
