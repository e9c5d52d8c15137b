// `onnx2lite convert --quantize fp16|dynamic|int8`: read, convert to float32, quantize, write atomically. Nothing is
// written when any step fails (bad calibration files included).
import * as path from 'node:path';
import { decodeModel, readModelBytes } from '../onnx/reader';
import { convertModel, ConvertResult } from '../convert/convert';
import type { ConvertOptions } from '../convert/types';
import type { Model } from '../ir/types';
import { serializeTflite } from '../tflite/writer';
import { checkOutputPath, writeFileAtomic } from '../core/atomic';
import type { ConvertFileResult } from '../core/convert-file';
import { REFUSE_COSINE, verifyOnLiteRt, type Verification } from '../core/verify';
import type { CalibrationOptions } from '../calibration/data';
import type { RangeMethod } from '../calibration/ranges';
import { quantizeDynamic, quantizeFp16 } from './weights';
import { hasQdq, stripQdq } from './qdq';
import type { WeightRounding } from './weight-rounding';
import type { QuantMode } from './modes';
import type { Int16Mode } from './mixed-precision';
import type { GuardResult } from './guard';
import { fullInt8Stage } from './int8-stage';
import { weightOnlyGuard } from './weight-only-guard';
import { calibrationCheckSample } from './verify-calibration';
import { int8BarJudge } from './verify-int8-bar';
import type { Int8Progress, PhaseMs } from './int8-phases';

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
  /** int8: empirical bias correction (default: kept when it does not lower the guard's cosine). */
  biasCorrection?: boolean;
  /** int8: sequential bias correction with int8 upstream (bias-choice.ts), off by default. */
  sequentialBias?: boolean;
  /** Cross-layer equalization of depthwise → conv pairs (equalize.ts); off by default (--equalize: on PaddleOCR det it lowered the worst mask IoU). */
  equalize?: boolean;
  /** int8 (not a CLI option): exact equalization of conv -> depthwise pairs (equalize-conv-depthwise.ts); on unless
   *  false; 'relu' also through a ReLU between them. */
  equalizeConvDepthwise?: boolean | 'relu';
  /** int8 (not a CLI option): per-channel scaling through hard-swish chains (equalize-hardswish.ts); off unless true;
   *  a number: only that many chains from the input. */
  equalizeHardSwish?: boolean | number;
  /** int8: 16x8 for the first layers when plain int8 misses the accuracy guard (auto, the default), never, always. */
  int16?: Int16Mode;
  /** int8: the worst output cosine on the calibration samples the model must reach (default MIN_COSINE); fp16 /
   *  dynamic: on the self-check's inputs (default 0.99, weight-only-guard.ts); below it nothing is written unless
   *  allowDegraded. */
  minCosine?: number;
  allowDegraded?: boolean;
  /** int8 (not a CLI option): the auto search's latency bound as a fraction of float32's estimated time (default
   *  LATENCY_BOUND, mixed-precision.ts; the search may also take LATENCY_SLACK × plain int8's). */
  latencyBound?: number;
  /** int8: the accuracy search's time limit in seconds (--search-time; default SEARCH_SECONDS, mixed-precision.ts). */
  searchSeconds?: number;
  /** int8: progress lines while the long phases run (calibration, the search's steps; int8-phases.ts). */
  onProgress?: (p: Int8Progress) => void;
}


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
  /** int8: how the weights were rounded ("gptq", or "nearest": asked for, or plain int8 met the guard with room
   *  without GPTQ), and plain int8's worst output cosine with round-to-nearest weights when it was measured. */
  weightRounding?: 'gptq' | 'nearest';
  nearestCosine?: number;
  /** int8: the same with GPTQ's weights, when GPTQ ran by default and was compared (kept only when not below). */
  gptqCosine?: number;
  /** int8: the same model with float16 weights (float32 activations), scored when plain int8 missed the guard and a
   *  miss would be refused; under the guard too, no search ran and convert refused at once. */
  fp16Cosine?: number;
  /** int8: layers whose bias the empirical bias correction moved. */
  biasCorrected?: number;
  /** int8: the sequential bias correction with int8 upstream (when asked for): layers fitted,
   *  LiteRT passes, ms, whether it was kept, and the held-out calibration measure without / with it. */
  sequentialBias?: { layers: number; passes: number; ms: number; kept: boolean; before: number; after: number; lines?: { before: number; after: number; of: number } };
  /** Depthwise → conv pairs equalized before calibration (equalize.ts; absent when none). */
  equalizedPairs?: number;
  /** Conv -> depthwise pairs equalized before calibration (equalize-conv-depthwise.ts; absent when none). */
  equalizedConvDepthwise?: number;
  /** int8: hard-swish chains scaled per channel through a float island (equalize-hardswish.ts). */
  equalizedHardSwish?: number;
  /** int8: ops in the 16x8 region (0 = plain int8), and the worst output cosine on the guard's calibration samples
   *  in plain int8 and as written (absent when the guard did not run). */
  int16Ops?: number;
  /** int8: ops the mixed-precision search kept in float32 (absent for other modes). */
  floatOps?: number;
  /** int8: weight tensors of float32 ops kept float32 (not int8-stored) because their int8 rounding costs the most
   *  (precise-weights.ts). */
  floatWeightOps?: number;
  /** int8: of the float32 ops in the written model, those computing from int8-stored weights (hybrid islands). */
  hybridOps?: number;
  /** int8: the classifier head as written when it runs 16x8 (the last FULLY_CONNECTED of a score vector of at most
   *  4,096 values that only leaves the model: int8-classifier-head.ts, or the search / --int16 all): its output
   *  tensor, its score count and `16x8`; absent when the head is int8 (--int16 off, --int8-io, --per-tensor) or none. */
  classifierHead?: { tensor: string; scores: number; precision: '16x8' };
  int8Cosine?: number;
  cosine?: number;
  /** int8: the 16x8 guard's search time (part of quantizeMs). */
  mixedMs?: number;
  /** int8: the accuracy guard (--min-cosine): its threshold, the measured cosine, and the layers to blame when missed;
   *  fp16 / dynamic: the bar and the self-check's cosine (weight-only-guard.ts). */
  guard?: GuardResult;
  /** int8: the cost model's run-time estimates (ms, src/quantize/cost-model.ts) of the float32, plain int8 and written
   *  models, which the mixed-precision search's latency bound compares (absent when the search did not run). */
  estimatedMs?: { float32: number; int8: number; chosen: number };
  /** int8: the task measure (arg-max agreement of class outputs, mask IoU of probability maps) against the float32
   *  model on the search's calibration samples, as written and in plain int8 (src/quantize/task-signal.ts). */
  task?: import('./guard').TaskSummary;
  /** int8: the activation range method used (minmax or percentile; chosen on the guard samples unless asked for). */
  rangeMethod?: RangeMethod;
  /** int8: milliseconds per phase (src/quantize/int8-phases.ts: onnxRanges, tfliteRanges, rangeChoice, gptq,
   *  biasCorrection, search, quantize, taskGuard, blame; only those that ran) and per whole-file step (convert,
   *  serialize, verify, write). */
  phasesMs?: PhaseMs;
  /** int8: the process's CPU time per int8 phase (ms, all threads), beside phasesMs' wall time. */
  phasesCpuMs?: PhaseMs;
  /** int8: candidate models the accuracy search measured on LiteRT (absent when it did not run). */
  searchCandidates?: number;
  /** int8: true when the search stopped at its time limit (--search-time) with the best model measured by then. */
  searchStopped?: boolean;
  /** int8: the size budget the search's candidates kept to, in bytes, and its basis: `float32` (35% of the float32
   *  file) or `plain-int8` (plain int8 was over that already: its size plus 10% of the float32 size). */
  searchBudget?: { bytes: number; basis: 'float32' | 'plain-int8' };
  /** int8: set when the search's choice missed the held-out calibration samples and plain int8, meeting the guard and
   *  those samples, was written instead (search-held-out.ts): the search's ops and measures, plain int8's. */
  plainOnHeldOut?: import('./search-held-out').PlainOnHeldOutSummary;
}

/** What a mode's pass gets: the float32 conversion to quantize in place, the summary to fill, and the source. */
export interface QuantStage {
  result: ConvertResult;
  summary: QuantizeSummary;
  /** The ONNX file's bytes, its folder (external data) and the model read from them. */
  bytes: Uint8Array;
  baseDir: string;
  model: Model;
  /** QDQ models: the fixed parameters taken from their QuantizeLinear/DequantizeLinear pairs. */
  qdq: ReturnType<typeof stripQdq> | undefined;
  floatTflite: Uint8Array;
  floatBytes: number;
  opts: ConvertOptions;
  q: QuantizeOptions;
}

/** Each quantization mode's pass, keyed by the ids of the modes table (src/quantize/modes.ts;
 *  test/quantize/modes.test.ts checks that every mode has one). */
export const QUANT_PASSES: Record<QuantMode, (s: QuantStage) => void | Promise<void>> = {
  fp16: ({ result }) => { quantizeFp16(result); },
  dynamic: ({ result, q }) => { quantizeDynamic(result, { perTensor: q.perTensor }); },
  int8: fullInt8Stage,
};

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
  await QUANT_PASSES[q.mode]({ result, summary, bytes, baseDir, model, qdq, floatTflite, floatBytes, opts, q });
  summary.quantizeMs = performance.now() - t1 - summary.calibrationMs;
  if (summary.phasesMs) summary.phasesMs.convert = convertMs;
  return { result, summary };
}

/** Reads, converts, quantizes and writes `output` atomically; with `verify`, the bytes are first checked on LiteRT
 *  beside onnxruntime (see src/core/verify.ts: refused when LiteRT cannot load or run them; accuracy reported). */
export async function quantizeFile(input: string, output: string, opts: ConvertOptions, q: QuantizeOptions, verify = false):
  Promise<ConvertFileResult & { quantization: QuantizeSummary; result: ConvertResult; tflite: Uint8Array }> {
  const t0 = performance.now();
  const bytes = readModelBytes(input);
  const out = checkOutputPath(output, [input]);
  const { result, summary } = await quantizeModelBytes(bytes, input, opts, q);
  let t = performance.now();
  const step = (name: 'serialize' | 'verify' | 'write') => {
    const now = performance.now();
    if (summary.phasesMs) summary.phasesMs[name] = now - t;
    t = now;
  };
  const tflite = serializeTflite(result.model);
  step('serialize');
  if (verify) q.onProgress?.({ phase: 'quantize', message: `checking the ${q.mode} model on LiteRT beside onnxruntime` });
  // int8 with --calibration: checked on one of its samples, not on seeded inputs it never saw (verify-calibration.ts).
  const sample = verify && q.mode === 'int8' && q.calibration && summary.calibrationSource === 'folder'
    ? calibrationCheckSample(q.calibration, q, tflite, summary.calibrationSamples) : undefined;
  // int8: held to the bar of the guard that accepted it (verify-int8-bar.ts), not the float one.
  const bar = verify && q.mode === 'int8' && summary.guard ? int8BarJudge(summary.guard, !!sample && !sample.from.heldOut) : undefined;
  const verification = verify ? await verifyOnLiteRt(input, tflite, result.warnings, { ...(sample ? { sample } : {}), ...(bar ? { bar } : {}) }) : undefined;
  step('verify');
  // fp16 / dynamic below --min-cosine on the self-check: nothing written unless --allow-degraded (weight-only-guard.ts).
  const held = weightOnlyGuard(q.mode, verification, q.minCosine, !!q.allowDegraded);
  if (held) summary.guard = held.guard;
  const moved = verification && weightOnlyMoved(q.mode, verification);
  if (held?.warning) result.warnings.push(held.warning);
  else if (moved) result.warnings.push(moved);
  writeFileAtomic(out, tflite);
  step('write');
  const rounded = (m: PhaseMs) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.round(v)]));
  if (summary.phasesMs) summary.phasesMs = rounded(summary.phasesMs);
  if (summary.phasesCpuMs) summary.phasesCpuMs = rounded(summary.phasesCpuMs);
  return {
    source: path.resolve(input), output: path.resolve(output), bytes: tflite.byteLength, opHistogram: result.opHistogram,
    transposeCount: result.transposeCount, warnings: result.warnings, ms: Math.round(performance.now() - t0),
    quantization: summary, result, tflite, ...(verification ? { verification } : {}),
  };
}

/** fp16 and dynamic: a self-check under REFUSE_COSINE is named (RF-DETR's top-60 queries reorder under fp16: cosine
 *  0.987; dynamic 0.80); under --min-cosine too, weight-only-guard.ts refuses it unless --allow-degraded. */
export function weightOnlyMoved(mode: QuantMode, v: Verification): string | undefined {
  // a detector's rows judged as a set (verify-topk-sets.ts) when they are one: reordered near-ties are not a move
  const cosine = v.topk?.setCosine ?? v.cosine;
  if ((mode !== 'fp16' && mode !== 'dynamic') || Number.isNaN(v.maxRel) || cosine >= REFUSE_COSINE) return undefined;
  return `--quantize ${mode} moved the outputs away from the float model's (cosine ${cosine.toFixed(4)} < ${REFUSE_COSINE}, `
    + `max rel error ${v.maxRel.toExponential(1)} on the self-check's inputs): check it on real inputs (onnx2lite compare)`;
}
