// The int8 guard's verdict on the outputs output-roles.ts reads as tasks — mixed detector rows and top-k selected rows
// (detections), classes by steps (decoded lines), multi-label sigmoids (decisions at 0.5) — on more calibration samples than the guard's four. The guard's measure
// (output-cosine.ts guardMeasures, task-layouts.ts) reads them on its 4 samples as the range choice and the search
// do, where one plate line of 4 is 25%: LPRNet's plain int8 with mse ranges read its 4 lines identical (steps 0.9934)
// while 11 of its 16 held-out lines differed and 170 of 300 evaluation plates. So, with or without --min-cosine, the
// written model is judged again on up to LAYOUT_SAMPLES calibration samples: detections at MIN_DETECTION_SHARE, lines
// identical at MIN_SAME_SEQUENCES with the sequence guard's binomial slack (sequence-guard.ts sameLinesNeeded: 32
// lines refuse at 6 or more differing), and refused when it misses.
import type { Model, Tensor } from '../ir/types';
import type { ConvertResult } from '../convert/convert';
import { guardRuns } from './held-out-guard';
import { outputRoles } from './output-roles';
import { sequenceLinesMet } from './sequence-guard';
import { type LayoutMeasures, MIN_DETECTION_SHARE, layoutMeasures, layoutText } from './task-layouts';

/** Calibration samples the layout judge runs at most (the first ones). */
export const LAYOUT_SAMPLES = 32;

/** `--json` guard.layoutGuard: what was judged, on how many samples, and the verdict. */
export type LayoutGuard = LayoutMeasures & { samples: number; met: boolean };

/** Whether the layout measures meet their bars (detections' share, lines identical with the binomial slack). */
export function layoutsMet(d: LayoutMeasures): boolean {
  return (!d.detections || d.detections.share >= MIN_DETECTION_SHARE)
    && (!d.sequences || sequenceLinesMet(d.sequences))
    && (!d.selectedSets || (d.selectedSets.share >= d.selectedSets.min && d.selectedSets.iou >= d.selectedSets.minIou))
    && (!d.pitch || d.pitch.cosine >= 0.99)
    && (!d.labels || d.labels.cosine >= 0.99);
}

/** The layout judge of the written model on up to LAYOUT_SAMPLES calibration samples; undefined when no output has a
 *  detector-row or classes-by-steps layout. */
export async function layoutGuard(onnx: Model, result: ConvertResult, samples: Tensor[][]): Promise<LayoutGuard | undefined> {
  const roles = outputRoles(result.model.subgraphs[0], result.metadata);
  if (!roles.detectorRows.size && !roles.stepClasses.size && !roles.selectedRows?.length && !roles.pitch?.size && !roles.labels?.size) return undefined;
  const judged = samples.slice(0, LAYOUT_SAMPLES);
  const { refs, outputs } = await guardRuns(onnx, result, judged);
  const d = layoutMeasures(refs, outputs, { ...roles, angles: new Set() }).details;
  if (!d) return undefined;
  return { ...d, samples: judged.length, met: layoutsMet(d) };
}

/** The refusal's words: "on 32 calibration sample(s): 126 read as classes by steps: ...". */
export const layoutGuardText = (g: LayoutGuard): string => `on ${g.samples} calibration sample(s): ${layoutText(g)}`;
