// The accuracy guard for probability maps (a LOGISTIC map output, task-signal.ts's 'mask': text detection,
// segmentation). The default guard's cosine (--min-cosine 0.99) is stricter on such a map than its use: the map is read
// thresholded, and the error int8 leaves sits at the edges of the regions, where the probability crosses the
// threshold. PaddleOCR v4 det in int8 measured guard cosine 0.9876 on its calibration pages while its text masks kept
// IoU 0.977 (worst page 0.963) against float32 on evaluation pages: the guard refused a model that meets the task's
// bar (mask IoU >= 0.95). So when --min-cosine is not given, a model that misses the cosine only on its map outputs
// is judged there by the IoU of its maps against onnxruntime's, thresholded at MASK_THRESHOLDS, on the guard samples:
// met when their mean IoU reaches MIN_MASK_IOU. Maps whose reference region covers under MIN_MASK_FRACTION of the
// pixels are not judged (random calibration inputs often light nothing: an empty map's IoU says nothing), nor maps
// most of whose values lie between 0.1 and 0.9 (a picture, not a mask: MAX_MIDRANGE); with none left the cosine
// decides. A collapsed map (all 0, all 0.5, noise) has an IoU far under the bar and is refused.
import type { Tensor } from '../ir/types';
import type { TflSubgraph } from '../tflite/model';
import type { OnnxLiteMetadata } from '../convert/metadata';
import { MASK_THRESHOLDS, taskOutputNames } from './task-signal';
import { worstOutputCosine } from './output-cosine';

/** Mean thresholded-map IoU against onnxruntime a map output must keep (the detection bar). */
export const MIN_MASK_IOU = 0.95;
/** A reference map is judged at a threshold only when its region covers at least this fraction of the pixels. */
export const MIN_MASK_FRACTION = 1e-3;
/** A reference map is judged only when at most this share of its values lie in (MID_LOW, 1 − MID_LOW): a mask sits near
 *  0 or 1 but at its regions' edges. A picture made by a LOGISTIC is not read thresholded: the twentieth sweep's First
 *  Order Motion Model's prediction (every value of its random-input picture in (0.1, 0.9)) was judged as a map. */
export const MAX_MIDRANGE = 0.5;
const MID_LOW = 0.1;

/** The share of `values` in (MID_LOW, 1 − MID_LOW). */
export function midrangeShare(values: ArrayLike<number>): number {
  let mid = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > MID_LOW && values[i] < 1 - MID_LOW) mid++;
  return values.length ? mid / values.length : 0;
}

export interface MaskGuard {
  /** Mean IoU over the judged (sample, threshold) maps, and the worst one. */
  iou: number;
  worstIou: number;
  /** Maps judged (samples × thresholds whose reference region is large enough). */
  maps: number;
  /** Worst cosine of the other outputs (1 when every output is a map). */
  otherCosine: number;
}

/** ONNX names of the outputs that are probability maps. */
export const maskOutputs = (sg: TflSubgraph, metadata: Pick<OnnxLiteMetadata, 'outputs'>): Set<string> => taskOutputNames(sg, metadata, (kind) => kind === 'mask');

/** IoU of two probability maps thresholded at `th`, and the reference region's share of the pixels. */
function thresholdedIou(want: ArrayLike<number>, got: ArrayLike<number>, th: number): { iou: number; fraction: number } {
  let both = 0;
  let either = 0;
  let region = 0;
  for (let i = 0; i < want.length; i++) {
    const x = want[i] > th;
    const y = got[i] > th;
    if (x) region++;
    if (x && y) both++;
    if (x || y) either++;
  }
  return { iou: either ? both / either : 1, fraction: want.length ? region / want.length : 0 };
}

/** The map outputs' IoU against the references and the other outputs' worst cosine; `outputs[k]` by ONNX name. */
export function maskGuard(refs: Map<string, Tensor>[], outputs: Map<string, Tensor>[], masks: Set<string>, probabilities?: ReadonlySet<string>): MaskGuard {
  const ious: number[] = [];
  refs.forEach((ref, k) => {
    for (const name of masks) {
      const want = ref.get(name)?.data;
      const got = outputs[k]?.get(name)?.data;
      if (!(want instanceof Float32Array) || !(got instanceof Float32Array) || want.length !== got.length) continue;
      if (midrangeShare(want) > MAX_MIDRANGE) continue;
      for (const th of MASK_THRESHOLDS) {
        const m = thresholdedIou(want, got, th);
        if (m.fraction >= MIN_MASK_FRACTION) ious.push(m.iou);
      }
    }
  });
  const others = refs.map((ref) => new Map([...ref].filter(([name]) => !masks.has(name))));
  return {
    iou: ious.length ? ious.reduce((a, b) => a + b, 0) / ious.length : NaN,
    worstIou: ious.length ? Math.min(...ious) : NaN,
    maps: ious.length,
    otherCosine: worstOutputCosine(others, outputs, probabilities),
  };
}

/** Whether the map measure meets the guard: maps judged, their mean IoU at MIN_MASK_IOU, the rest at `minCosine`. */
export const maskGuardMet = (g: MaskGuard, minCosine: number): boolean => g.maps > 0 && g.iou >= MIN_MASK_IOU && g.otherCosine >= minCosine;
