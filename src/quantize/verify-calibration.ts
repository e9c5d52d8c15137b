// The int8 model's self-check on a calibration sample. Convert's self-check feeds seeded inputs (floats uniform in
// [0, 1): core/verify.ts), which an int8 model calibrated on real data never saw: MOMENT's int8 read cosine 0.82 on
// them and 0.9986 on its calibration series, the Set Transformer 0.98 / 0.9998 (s25-vol3: the data inputs, not the
// masks). With --calibration, the int8 model is checked on one of the folder's samples instead: the first held-out
// one (past the search's, which no choice of the int8 pass was measured on: held-out-guard.ts) when the folder has
// one, else the first (the guard's). `--json` verification.calibration says which.
import type { DType, Tensor } from '../ir/types';
import { parseTflite } from '../tflite/reader';
import { modelIo, type IoTensor } from '../deploy/tensors';
import { loadCalibrationSamples, type CalibrationInput, type CalibrationOptions } from '../calibration/data';
import type { CalibrationCheck } from '../core/verify';
import { heldOutSamples } from './held-out-guard';
import { onnxDims } from '../core/verify-seeds';

/** An input of the converted model as the calibration loader reads it: ONNX name, type and dims. */
function calibrationInput(io: IoTensor): CalibrationInput {
  const dims = onnxDims(io);
  const dtype = (io.mapping?.onnxDtype as DType | undefined) ?? (io.quant ? 'float32' : io.dtype);
  return { name: io.mapping?.onnx ?? io.name, dtype, dims };
}

/** The calibration sample to check the int8 model `tflite` on, of the `loaded` samples the int8 pass read from `dir`
 *  (ONNX-named inputs for verifyOnLiteRt's `sample`), or undefined when none was loaded. */
export function calibrationCheckSample(dir: string, opts: CalibrationOptions, tflite: Uint8Array, loaded: number)
  : { inputs: Tensor[]; from: CalibrationCheck } | undefined {
  if (loaded < 1) return undefined;
  const held = heldOutSamples(new Array<number>(loaded).fill(0));
  const index = held.samples.length ? held.from : 0;
  const inputs = modelIo(parseTflite(tflite)).inputs.map(calibrationInput);
  const sample = loadCalibrationSamples(dir, inputs, { ...opts, count: index + 1 })[index];
  return sample ? { inputs: sample, from: { sample: index + 1, of: loaded, heldOut: held.samples.length > 0 } } : undefined;
}
