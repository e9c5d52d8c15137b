// Full-integer quantization end to end: fixed parameters (QDQ models), calibration ranges (onnxruntime-node for
// ONNX tensors, LiteRT for converter-made ones), then the int8 pass.
import type { ConvertResult } from '../convert/convert';
import type { Model, Tensor } from '../ir/types';
import { RangeCollector, RangeOptions, onnxRanges, plan, tfliteRanges } from '../calibration/ranges';
import { deriveRanges } from '../calibration/derive';
import { Int8Options, activationParams, quantizeInt8, tensorsWithoutParams } from './int8';
import type { QParams } from './params';
import { WeightRounding, gptqWeights } from './weight-rounding';
import { GUARD_COSINE, GUARD_SAMPLES, Int16Mode, chooseInt16Ops } from './mixed-precision';

export interface FullInt8Stats {
  /** Tensors whose range came from onnxruntime / LiteRT runs, and those with fixed (QDQ or op-rule) parameters. */
  fromOnnx: number;
  fromTflite: number;
  calibrationMs: number;
  quantizeMs: number;
  /** GPTQ weight rounding: layers rounded, time (included in quantizeMs). */
  gptqLayers: number;
  gptqMs: number;
  /** Ops run in 16x8 (int16 activations) and the guard's worst output cosine on calibration samples in plain int8
   *  and as written (NaN when the guard did not run), and the search's time (included in quantizeMs). */
  int16Ops: number;
  /** Of those, ops whose weights carry an int8 residual. */
  splitOps: number;
  int8Cosine: number;
  cosine: number;
  guardMet: boolean;
  mixedMs: number;
}

export interface FullInt8Options extends Int8Options, RangeOptions {
  weightRounding?: WeightRounding;
  /** 16x8 for the first layers: auto (when plain int8 misses the guard), off, all. Default auto. */
  int16?: Int16Mode;
  /** Size budget for the auto search (bytes of the quantized model). */
  maxBytes?: number;
  /** The accuracy guard's cosine (--min-cosine): the auto search aims at least this high. */
  minCosine?: number;
}

/** `samples` may be empty when `fixed` covers every tensor (QDQ models). */
export async function quantizeFullInt8(result: ConvertResult, onnx: Model, samples: Tensor[][],
  opts: FullInt8Options = {}, fixed: Map<number, QParams> = new Map()): Promise<{ result: ConvertResult; stats: FullInt8Stats }> {
  const t0 = performance.now();
  const collector = new RangeCollector(opts);
  let params = activationParams(result, new Map(), fixed);
  const need = tensorsWithoutParams(result, params);
  const p = plan(result, onnx, need);
  let fromTflite = 0;
  let refs: Map<string, Tensor>[] | undefined;
  if (need.length && samples.length) {
    refs = await onnxRanges(collector, onnx, p.onnx, samples, GUARD_SAMPLES);
    params = activationParams(result, collector.ranges(), fixed);
    const ranges = collector.ranges();
    const missing = deriveRanges(result, ranges, tensorsWithoutParams(result, params));
    fromTflite = missing.length;
    if (missing.length) {
      await tfliteRanges(collector, result, missing, samples);
      for (const [k, r] of collector.ranges()) ranges.set(k, r);
    }
    params = activationParams(result, ranges, fixed);
  }
  const t1 = performance.now();
  let gptq = { layers: 0, ms: 0 };
  let roundedWeights: Int8Options['roundedWeights'];
  // QDQ models bring their own integer weights: GPTQ would move them off the grid they were trained on.
  if ((opts.weightRounding ?? 'gptq') === 'gptq' && samples.length && fixed.size === 0) {
    const g = await gptqWeights(result, onnx, samples, { perTensor: opts.perTensor, inputScale: (i) => params.get(i)?.scale });
    roundedWeights = g.weights;
    gptq = g.stats;
  }
  // QDQ models bring their own scales for every tensor: they stay as they were trained.
  const mode = fixed.size ? 'off' : (opts.int16 ?? 'auto');
  const choice = samples.length
    ? await chooseInt16Ops(result, onnx, samples, params, { ...opts, roundedWeights }, mode, opts.maxBytes ?? Infinity, refs,
      Math.max(GUARD_COSINE, opts.minCosine ?? 0))
    : { int16Ops: new Set<number>(), splitOps: new Set<number>(), int8Cosine: NaN, cosine: NaN, met: true, ms: 0 };
  quantizeInt8(result, params, { ...opts, roundedWeights, int16Ops: choice.int16Ops, splitOps: choice.splitOps });
  return { result, stats: { fromOnnx: p.onnx.size, fromTflite, calibrationMs: t1 - t0, quantizeMs: performance.now() - t1,
    gptqLayers: gptq.layers, gptqMs: gptq.ms, int16Ops: choice.int16Ops.size, splitOps: choice.splitOps.size, int8Cosine: choice.int8Cosine, cosine: choice.cosine,
    guardMet: choice.met, mixedMs: choice.ms } };
}
