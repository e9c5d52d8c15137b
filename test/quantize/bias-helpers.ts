// Shared by the bias-correction tests: a model calibrated with 99th-percentile ranges (which clip) and the mean |shift|.
import type { Model, Tensor } from '../../src/ir/types';
import { convertModel } from '../../src/convert/convert';
import { simplifiedModel } from '../../src/convert/simplify';
import { RangeCollector, onnxRanges, plan, tfliteRanges } from '../../src/calibration/ranges';
import { deriveRanges } from '../../src/calibration/derive';
import { activationParams, tensorsWithoutParams } from '../../src/quantize/int8';


/** `model` converted and its int8 parameters from 99th-percentile ranges on `samples`. */
export async function calibrated(samples: Tensor[][], model: Model) {
  const result = convertModel(model, {});
  const onnx = simplifiedModel(model);
  const collector = new RangeCollector({ method: 'percentile', percentile: 99 });
  const need = tensorsWithoutParams(result, activationParams(result, new Map()));
  await onnxRanges(collector, onnx, plan(result, onnx, need).onnx, samples);
  const derived = () => {
    const r = collector.ranges();
    deriveRanges(result, r, tensorsWithoutParams(result, activationParams(result, r)));
    return r;
  };
  await tfliteRanges(collector, result, tensorsWithoutParams(result, activationParams(result, derived())), samples);
  return { result, params: activationParams(result, derived()) };
}

/** Mean over layers and channels of |shift| (NaN channels aside). */
export function meanAbs(shifts: Float64Array[]): number {
  let s = 0;
  let n = 0;
  for (const layer of shifts) for (const v of layer) if (!Number.isNaN(v)) { s += Math.abs(v); n++; }
  return s / n;
}
