// `onnx2lite convert --quantize fp16|dynamic|int8`: read, convert to float32, quantize, write atomically. Nothing is
// written when any step fails (bad calibration files included).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeModel } from '../onnx/reader';
import { convertModel, ConvertResult } from '../convert/convert';
import { simplifiedModel } from '../convert/simplify';
import type { ConvertOptions } from '../convert/types';
import { freezeInputs } from '../convert/input-values';
import { ModelError, isStaticShape, type Model } from '../ir/types';
import { serializeTflite } from '../tflite/writer';
import { writeFileAtomic } from '../core/atomic';
import type { ConvertFileResult } from '../core/convert-file';
import { verifyOnLiteRt } from '../core/verify';
import { CalibrationInput, CalibrationOptions, loadCalibrationSamples, randomSamples } from '../calibration/data';
import type { RangeMethod } from '../calibration/ranges';
import { quantizeDynamic, quantizeFp16 } from './weights';
import { quantizeFullInt8 } from './full-int8';
import { hasQdq, stripQdq } from './qdq';
import type { QParams } from './params';
import type { WeightRounding } from './weight-rounding';
import { GUARD_COSINE, GUARD_SAMPLES, type Int16Mode } from './mixed-precision';
import { GuardResult, MIN_COSINE, blameLayers, blameText } from './guard';
import type { QuantMode } from './modes';

export type { QuantMode } from './modes';

export interface QuantizeOptions extends CalibrationOptions {
  mode: QuantMode;
  /** Folder of calibration samples (int8); random data with a warning when omitted. */
  calibration?: string;
  method?: RangeMethod;
  perTensor?: boolean;
  int8Io?: boolean;
  /** int8: how weights round to int8 (GPTQ against the calibration inputs by default). */
  weightRounding?: WeightRounding;
  /** int8: 16x8 for the first layers when plain int8 misses the accuracy guard (auto, the default), never, always. */
  int16?: Int16Mode;
  /** int8: the worst output cosine on the calibration samples the model must reach (default MIN_COSINE); below it
   *  nothing is written unless allowDegraded. */
  minCosine?: number;
  allowDegraded?: boolean;
}

/** An int8 model stays within this fraction of the float32 size when the auto search adds 16x8 layers. */
export const INT8_SIZE_BUDGET = 0.3;

export interface QuantizeSummary {
  mode: QuantMode;
  /** Size of the same model as float32, for the ratio. */
  floatBytes: number;
  calibrationSamples: number;
  calibrationSource: 'folder' | 'random' | 'qdq' | 'none';
  calibrationMs: number;
  quantizeMs: number;
  convertMs: number;
  /** int8: layers whose weights GPTQ rounded, and its time (part of quantizeMs). */
  gptqLayers?: number;
  gptqMs?: number;
  /** int8: ops in the 16x8 region (0 = plain int8), and the worst output cosine on the guard's calibration samples
   *  in plain int8 and as written (absent when the guard did not run). */
  int16Ops?: number;
  int8Cosine?: number;
  cosine?: number;
  /** int8: the 16x8 guard's search time (part of quantizeMs). */
  mixedMs?: number;
  /** int8: the accuracy guard (--min-cosine): its threshold, the measured cosine, and the layers to blame when missed. */
  guard?: GuardResult;
  /** int8: the activation range method used (minmax or percentile; chosen on the guard samples unless asked for). */
  rangeMethod?: RangeMethod;
}

export const DEFAULT_RANDOM_SAMPLES = 16;

function calibrationInputs(model: Model, opts: ConvertOptions): CalibrationInput[] {
  return model.graph.inputs.map((i) => {
    const v = model.graph.values.get(i.name) ?? i;
    const dims = opts.inputShapes?.get(i.name) ?? v.shape;
    if (!dims || !isStaticShape(dims)) throw new ModelError(`input "${i.name}" has dynamic dims: fix them with --input-shape`);
    return { name: i.name, dtype: v.dtype ?? 'float32', dims: dims as number[] };
  });
}

/** Converts and quantizes in memory (no file written). `bytes` is the ONNX file's content. */
export async function quantizeModelBytes(bytes: Uint8Array, source: string, opts: ConvertOptions, q: QuantizeOptions):
  Promise<{ result: ConvertResult; summary: QuantizeSummary }> {
  const t0 = performance.now();
  const baseDir = path.dirname(path.resolve(source));
  const model = decodeModel(bytes, { baseDir });
  model.path = path.resolve(source);
  const qdq = q.mode === 'int8' && hasQdq(model) ? stripQdq(model) : undefined;
  const result = convertModel(model, { ...opts, source: path.basename(source) });
  const convertMs = performance.now() - t0;
  const floatTflite = serializeTflite(result.model);
  const floatBytes = floatTflite.byteLength;
  const summary: QuantizeSummary = { mode: q.mode, floatBytes, calibrationSamples: 0, calibrationSource: 'none', calibrationMs: 0, quantizeMs: 0, convertMs };
  const t1 = performance.now();
  if (q.mode === 'fp16') quantizeFp16(result);
  else if (q.mode === 'dynamic') quantizeDynamic(result, { perTensor: q.perTensor });
  else {
    // Inputs frozen with --input-value are constants for calibration too (onnxruntime gets the same model).
    const frozen = (m: Model): Model => (opts.inputValues?.size ? freezeInputs(m, opts.inputValues, opts.inputShapes) : m);
    const read = decodeModel(bytes, { baseDir });
    if (qdq) stripQdq(read);
    // Calibration and GPTQ run the graph the converter saw (fused and folded ops, constants as initializers).
    const onnx = simplifiedModel(frozen(read), opts.inputShapes);
    const fixed = new Map<number, QParams>();
    const md = result.metadata;
    for (const m of [...md.tensors, ...md.inputs, ...md.outputs]) {
      const p = qdq?.get(m.onnx);
      if (p) fixed.set(m.tflite, p);
    }
    const inputs = calibrationInputs(frozen(model), opts);
    let samples = q.calibration ? loadCalibrationSamples(q.calibration, inputs, q) : [];
    summary.calibrationSource = q.calibration ? 'folder' : fixed.size ? 'qdq' : 'random';
    if (!q.calibration && !fixed.size) {
      samples = randomSamples(inputs, q.count ?? DEFAULT_RANDOM_SAMPLES);
      result.warnings.push(`int8: no --calibration folder: the activation ranges come from ${samples.length} random uniform [0, 1) samples and are NOT representative of real inputs; pass --calibration DIR with real samples`);
    }
    if (!q.calibration && fixed.size) samples = randomSamples(inputs, 4);
    summary.calibrationSamples = samples.length;
    const { stats } = await quantizeFullInt8(result, onnx, samples, { method: q.method, perTensor: q.perTensor, int8Io: q.int8Io,
      weightRounding: q.weightRounding, int16: q.int16, maxBytes: INT8_SIZE_BUDGET * floatBytes, minCosine: q.minCosine }, fixed);
    summary.int16Ops = stats.int16Ops;
    if (samples.length) summary.rangeMethod = stats.rangeMethod;
    summary.mixedMs = stats.mixedMs;
    if (Number.isFinite(stats.int8Cosine)) summary.int8Cosine = stats.int8Cosine;
    if (Number.isFinite(stats.cosine)) summary.cosine = stats.cosine;
    const ops = result.model.subgraphs[0].operators.length;
    const cos = (c: number) => c.toFixed(4);
    if (stats.int16Ops && Number.isFinite(stats.int8Cosine)) {
      const residual = stats.splitOps >= stats.int16Ops ? 'weights as int8 + int8 residual' : `the first ${stats.splitOps} with weights as int8 + int8 residual`;
      result.warnings.push(`int8: the first ${stats.int16Ops} ops run in 16x8 (int16 activations; ${residual}) because plain int8 `
        + `reached only cosine ${cos(stats.int8Cosine)} on the calibration samples (now ${cos(stats.cosine)}); --int16 off keeps every activation int8`);
    } else if (stats.int16Ops) {
      result.warnings.push(`int8: --int16 all: every op with a 16x8 kernel runs with int16 activations (${ops} ops in the model)`);
    }
    const minCosine = q.minCosine ?? MIN_COSINE;
    const guard: GuardResult = { minCosine, cosine: stats.cosine, met: !(stats.cosine < minCosine) && !Number.isNaN(stats.cosine) };
    summary.guard = guard;
    if (!guard.met) {
      // The accuracy guard: compare's per-layer split names the layers; nothing is written unless --allow-degraded.
      guard.blame = await blameLayers(bytes, model.path, floatTflite, serializeTflite(result.model), samples[0]);
      const n = Math.min(samples.length, GUARD_SAMPLES);
      const msg = `int8: output cosine ${Number.isNaN(stats.cosine) ? 'NaN' : cos(stats.cosine)} against onnxruntime on ${n} ${summary.calibrationSource === 'folder' ? '' : `${summary.calibrationSource} `}`
        + `calibration sample(s) is below --min-cosine ${minCosine}${stats.int16Ops ? ` (with ${stats.int16Ops} ops in 16x8)` : ''}; `
        + `layers to blame (largest SNR drop, float32 → int8): ${blameText(guard.blame)}`;
      if (!q.allowDegraded) {
        throw new ModelError(`${msg}; nothing written (better --calibration samples, --int16 auto, or --allow-degraded to write it anyway)`);
      }
      result.warnings.push(`${msg}; written anyway because of --allow-degraded`);
    } else if (!stats.guardMet) {
      result.warnings.push(`int8: output cosine on the calibration samples is ${cos(stats.cosine)} (< ${GUARD_COSINE}) even with 16x8 layers within `
        + `${INT8_SIZE_BUDGET * 100}% of the float32 size; compare the model layer by layer (onnx2lite compare)`);
    }
    if (fixed.size && !q.calibration && stats.fromOnnx + stats.fromTflite > 0) {
      result.warnings.push(`int8: the QDQ model leaves ${stats.fromOnnx + stats.fromTflite} tensor(s) without scales; their ranges come from random data (pass --calibration DIR)`);
    }
    summary.calibrationMs = stats.calibrationMs;
    summary.gptqLayers = stats.gptqLayers;
    summary.gptqMs = stats.gptqMs;
  }
  summary.quantizeMs = performance.now() - t1 - summary.calibrationMs;
  return { result, summary };
}

/** Reads, converts, quantizes and writes `output` atomically; with `verify`, the bytes are first checked on LiteRT
 *  beside onnxruntime (see src/core/verify.ts: refused when LiteRT cannot load or run them; accuracy reported). */
export async function quantizeFile(input: string, output: string, opts: ConvertOptions, q: QuantizeOptions, verify = false):
  Promise<ConvertFileResult & { quantization: QuantizeSummary; result: ConvertResult; tflite: Uint8Array }> {
  const t0 = performance.now();
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(input);
  } catch {
    throw new ModelError(`cannot read ${input}: no such file`);
  }
  const { result, summary } = await quantizeModelBytes(bytes, input, opts, q);
  const tflite = serializeTflite(result.model);
  const verification = verify ? await verifyOnLiteRt(input, tflite, result.warnings) : undefined;
  writeFileAtomic(output, tflite);
  return {
    source: path.resolve(input), output: path.resolve(output), bytes: tflite.byteLength, opHistogram: result.opHistogram,
    transposeCount: result.transposeCount, warnings: result.warnings, ms: Math.round(performance.now() - t0),
    quantization: summary, result, tflite, ...(verification ? { verification } : {}),
  };
}
