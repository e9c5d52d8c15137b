// Full-integer quantization end to end: fixed parameters (QDQ models), calibration ranges (onnxruntime-node for
// ONNX tensors, LiteRT for converter-made ones), then the int8 pass.
import { ModelError } from '../ir/types';
import type { ConvertResult } from '../convert/convert';
import type { Model, Tensor } from '../ir/types';
import { RANGE_METHODS, RangeCollector, RangeMethod, RangeOptions, clipSaturatedLogits, keepExtremes, onnxRanges, plan, tfliteRanges } from '../calibration/ranges';
import { deriveRanges } from '../calibration/derive';
import { tapRoots } from '../calibration/tap-roots';
import { convPerPart } from './int8-conv-parts';
import { withNormHeadroom } from '../calibration/norm-headroom';
import { Int8Options, activationParams, quantizeInt8, tensorsWithoutParams } from './int8';
import { floatLoneOpsOf } from './int8-lone-ops';
import { floatConstantsOf } from './int8-lone-islands';
import type { SizeBudget } from './search-size';
import { wideParams } from './int16';
import { runTimeSizedTensor } from './int8-kept-float';
import { runTimeOnly } from './int8-run-time-tail';
import type { QParams, Range } from './params';
import { serializeTflite } from '../tflite/writer';
import { type RoundedWeights, WeightRounding, gptqWeights } from './weight-rounding';
import { correctBiases } from './bias-correction';
import { sequentialBiasChoice } from './bias-choice';
import { withGains } from './bias-sequential';
import { equalizeDepthwisePairs, forgetOnnxNames } from './equalize';
import type { TaskMeasure } from './task-signal';
import { GUARD_COSINE, GUARD_SAMPLES, Int16Mode, chooseInt16Ops, cloneResult, score } from './mixed-precision';
import { packedDetectionOutputs, probabilityOutputs } from './output-cosine';
import { Int8Phases } from './int8-phases';
import { quantizeFp16, withinFloat16 } from './weights';
import { floatData } from './params';
import { isConst } from './graph';

/** Plain int8 (minmax, round-to-nearest) below this output cosine on the guard samples: percentile ranges are tried
 *  and GPTQ must beat round-to-nearest (trained models with long-tailed activations; PP-OCRv4 rec scores 0.94). */
const ADAPT_BELOW = 0.96;
/** Without --weight-rounding, GPTQ is skipped when plain int8 with round-to-nearest weights already leaves at most
 *  this share of the guard's margin (1 − the search's target cosine) as error: the guard is met without it and the
 *  search will not run, so its time (13-90 s on the sweeps' models, more than the rest of int8 together) buys nothing
 *  the guard can see. Closer to the guard, or below it, GPTQ runs as before. */
const GPTQ_SKIP_SHARE = 0.5;
/** Calibration samples the empirical bias correction runs (the first ones). */
const BIAS_SAMPLES = 8;

export interface FullInt8Stats {
  /** Tensors whose range came from onnxruntime / LiteRT runs, and those with fixed (QDQ or op-rule) parameters. */
  fromOnnx: number;
  fromTflite: number;
  calibrationMs: number;
  quantizeMs: number;
  /** GPTQ weight rounding: layers rounded, time (included in quantizeMs). */
  gptqLayers: number;
  gptqMs: number;
  /** How the weights were rounded: nearest when asked for, or when plain int8 met the guard with room (GPTQ_SKIP_SHARE). */
  weightRounding: WeightRounding;
  /** Plain int8's worst output cosine on the guard samples with round-to-nearest weights and the chosen ranges
   *  (NaN when it was not measured: a range method or a weight rounding given, QDQ models). */
  nearestCosine: number;
  /** The same with GPTQ's weights, measured when GPTQ ran without --weight-rounding and plain int8 was scored
   *  (NaN otherwise): GPTQ is kept only when this is not below `nearestCosine`. */
  gptqCosine: number;
  /** The float16-weight model's worst output cosine on the guard samples, measured when plain int8 missed
   *  `refuseBelow` (NaN otherwise); below `refuseBelow` too, no search ran (`hopeless`). */
  fp16Cosine: number;
  hopeless: boolean;
  /** Ops run in 16x8 (int16 activations) and the guard's worst output cosine on calibration samples in plain int8
   *  and as written (NaN when the guard did not run), and the search's time (included in quantizeMs). */
  int16Ops: number;
  /** Of those, ops whose weights carry an int8 residual. */
  splitOps: number;
  /** Ops kept in float32 by the mixed-precision search (sensitive activations). */
  floatOps: number;
  /** Of those, ops whose weights are stored float16 (precise-weights.ts). */
  floatWeightOps: number;
  int8Cosine: number;
  cosine: number;
  guardMet: boolean;
  mixedMs: number;
  /** The activation range method used (chosen by the guard when none was asked for). */
  rangeMethod: RangeMethod;
  /** Layers whose bias the empirical bias correction moved (0 when it was off or not kept). */
  biasCorrected: number;
  /** The sequential bias correction (bias-choice.ts), when it ran: layers fitted, LiteRT passes, time, whether it was
   *  kept and the measure it was judged by on held-out calibration samples without / with it. */
  sequentialBias?: { layers: number; passes: number; ms: number; kept: boolean; before: number; after: number; lines?: { before: number; after: number; of: number } };
  /** The cost model's estimates (ms; cost-model.ts) the search's latency bound compared (absent when it did not run). */
  estimatedMs?: { float32: number; int8: number; chosen: number };
  /** Depthwise → conv pairs equalized (equalize.ts). */
  equalizedPairs: number;
  /** Candidate models the mixed-precision search measured on LiteRT, and whether its time limit stopped it. */
  searchCandidates: number;
  searchStopped: boolean;
  /** Set when the search's wall-clock ceiling, not its work budget, stopped it (search-budget.ts). */
  searchWallCapped?: boolean;
  /** The size budget the search kept to (search-size.ts; absent when it did not run). */
  sizeBudget?: SizeBudget;
  /** The task measure (task-signal.ts) against float32 on the search's samples, plain int8 and as written (absent
   *  when no output is a class or mask output). */
  int8Task?: TaskMeasure;
  task?: TaskMeasure;
  /** ONNX names of the outputs the guard judged as detection sets (an end-to-end detector's packed rows:
   *  output-cosine.ts); empty when none. */
  detectionSets: string[];
}

export interface FullInt8Options extends Int8Options, RangeOptions {
  weightRounding?: WeightRounding;
  /** 16x8 for the first layers: auto (when plain int8 misses the guard), off, all. Default auto. */
  int16?: Int16Mode;
  /** Size budget for the auto search (bytes of the quantized model). */
  maxBytes?: number;
  /** The accuracy guard's cosine (--min-cosine): the auto search aims at least this high. */
  minCosine?: number;
  /** Empirical bias correction (bias-correction.ts), off by default (--bias-correction). */
  biasCorrection?: boolean;
  /** Sequential bias correction with int8 upstream (bias-choice.ts), kept only when held-out calibration samples do
   *  better; off by default (--sequential-bias). */
  sequentialBias?: boolean;
  /** Cross-layer equalization of depthwise → conv pairs (equalize.ts) on the calibration samples; off by default (--equalize). */
  equalize?: boolean;
  /** The auto search's latency bound, a fraction of float32's estimated time (default LATENCY_BOUND). */
  latencyBound?: number;
  /** Times each phase and reports progress (int8-phases.ts). */
  phases?: Int8Phases;
  /** The auto search's budget in seconds of estimated work (default SEARCH_SECONDS, mixed-precision.ts; search-budget.ts). */
  searchSeconds?: number;
  /** The guard's cosine when a model below it will be refused (no --allow-degraded, no task judge): when plain int8
   *  misses it and so does the same model with float16 weights and float32 activations (the finest rounding the
   *  search can reach), the range alternatives, GPTQ and the search are skipped, for the refusal. */
  refuseBelow?: number;
}

/** Whether every constant float16 storage would round fits float16's range (the fp16 model is then a bound). */
function fp16Finite(result: ConvertResult): boolean {
  for (const sg of result.model.subgraphs) {
    for (const t of sg.tensors) {
      if (t.type !== 'FLOAT32' || !isConst(t)) continue;
      if (!withinFloat16(floatData(t))) return false;
    }
  }
  return true;
}

/** `samples` may be empty when `fixed` covers every tensor (QDQ models). */
export async function quantizeFullInt8(result: ConvertResult, onnx: Model, samples: Tensor[][],
  opts: FullInt8Options = {}, fixed: Map<number, QParams> = new Map()): Promise<{ result: ConvertResult; stats: FullInt8Stats; plain?: () => ConvertResult }> {
  const t0 = performance.now();
  const ph = opts.phases ?? new Int8Phases();
  // A QDQ model's weights keep their channel scales.
  if (fixed.size) opts = { ...opts, perChannel: true };
  // Tensors sized at run time (NonZero, NonMaxSuppression, a computed TopK k): that tail runs float32 and only the
  // fixed-size part before it is calibrated (int8-run-time-tail.ts); nothing fixed-size before it is refused.
  const sized = runTimeSizedTensor(result.model);
  if (sized && runTimeOnly(result.model.subgraphs[0])) {
    throw new ModelError(`full-integer int8 of a model with tensors sized at run time ("${sized.name}") from its first layer on is not supported; use --quantize fp16 or dynamic`);
  }
  // A layer whose output a SPLIT cuts into parts: one layer per part, each part its own scale (int8-conv-parts.ts).
  if (fixed.size === 0) convPerPart(result);
  // Without a method asked for, both minmax and percentile ranges are collected (one pass); when plain int8 with
  // minmax misses ADAPT_BELOW, the one whose plain int8 model scores better on the guard samples is used: trained
  // networks have long-tailed activations that minmax spends the int8 levels on, random-weight ones often do not.
  // Equalized first: every range, GPTQ and the search below see the equalized weights (the same float model).
  const equalized = samples.length && fixed.size === 0 && opts.equalize === true
    ? await ph.time('equalize', 'int8: equalizing depthwise -> conv pairs', () => equalizeDepthwisePairs(result, onnx, samples)) : new Set<number>();
  const both = opts.method === undefined && samples.length > 0;
  const collector = new RangeCollector(opts, both ? RANGE_METHODS : undefined);
  let params = activationParams(result, new Map(), fixed);
  const need = tensorsWithoutParams(result, params);
  const p = plan(result, onnx, need);
  let fromTflite = 0;
  let refs: Map<string, Tensor>[] | undefined;
  let rangeMethod: RangeMethod = opts.method ?? 'minmax';
  let nearestCosine = NaN;
  let fp16Cosine = NaN;
  let gptqCosine = NaN;
  let hopeless = false;
  let adaptive = false;
  let int16Params: Map<number, QParams> | undefined;
  if (need.length && samples.length) {
    refs = await ph.time('onnxRanges', `int8: calibrating ${p.onnx.size} tensors on onnxruntime (${samples.length} samples)`,
      () => onnxRanges(collector, onnx, p.onnx, samples, GUARD_SAMPLES));
    const withDerived = (base: Map<number, Range>) => {
      deriveRanges(result, base, tensorsWithoutParams(result, activationParams(result, base, fixed), base));
      return base;
    };
    const covered = withDerived(collector.ranges());
    const missing = tensorsWithoutParams(result, activationParams(result, covered, fixed), covered);
    fromTflite = missing.length;
    if (missing.length) {
      // A view / zero PAD is read as its input (tap-roots.ts): the line counts the taps LiteRT reads (RODNet-CDC asked 68, read 27).
      const read = new Set([...tapRoots(result.model.subgraphs[0], missing).values()].map((r) => r.root)).size;
      await ph.time('tfliteRanges', `int8: calibrating ${missing.length} converter-made tensors on LiteRT (${read} taps read)`, () => tfliteRanges(collector, result, missing, samples));
    }
    const headroom = (r: Map<number, Range>) => clipSaturatedLogits(result, withNormHeadroom(result, r, collector.extremes));
    const rangesOf = (m: RangeMethod) => headroom(keepExtremes(result, collector.rangesFor(m), collector.minmaxRanges()));
    const minmaxOf = () => headroom(collector.minmaxRanges());
    params = activationParams(result, withDerived(rangesOf(rangeMethod)), fixed);
    // 16x8 layers take the full range: int16's steps are fine enough that clipping outliers only loses them.
    int16Params = wideParams(activationParams(result, withDerived(minmaxOf()), fixed));
    if (both && refs.length) {
      params = activationParams(result, withDerived(minmaxOf()), fixed);
      nearestCosine = await ph.time('rangeChoice', 'int8: scoring plain int8 (minmax ranges)', () => plainCosine(result, params, opts, samples, refs!));
      // A model whose outputs do not survive float16 weights (ranked selections: ALIKED's top-200 keypoints read
      // cosine 0.77 in fp16) will not meet the guard in any int8 form: the search (600 s there) is not run.
      if (opts.refuseBelow !== undefined && nearestCosine < opts.refuseBelow && fp16Finite(result)) {
        fp16Cosine = await ph.time('rangeChoice', 'int8: scoring float16 weights (the finest rounding the search reaches)', () =>
          score(serializeTflite(quantizeFp16(cloneResult(result)).model), samples.slice(0, refs!.length), refs!, probabilityOutputs(result)));
        hopeless = fp16Cosine < opts.refuseBelow;
        if (hopeless) ph.say('rangeChoice', `int8: float16 weights reach only cosine ${fp16Cosine.toFixed(4)} < ${opts.refuseBelow}: no int8 search`);
      }
      // Only a model that int8 hurts badly tries the alternatives (the random-weight CNNs keep minmax + GPTQ).
      adaptive = nearestCosine < ADAPT_BELOW && !hopeless;
      for (const method of adaptive ? RANGE_METHODS.filter((m) => m !== 'minmax') : []) {
        const other = activationParams(result, withDerived(rangesOf(method)), fixed);
        const cos = await ph.time('rangeChoice', `int8: scoring plain int8 (${method} ranges)`, () => plainCosine(result, other, opts, samples, refs!));
        if (cos > nearestCosine) { nearestCosine = cos; params = other; rangeMethod = method; }
      }
    }
  }
  const t1 = performance.now();
  let gptq = { layers: 0, ms: 0 };
  let roundedWeights: Int8Options['roundedWeights'];
  const target = Math.max(GUARD_COSINE, opts.minCosine ?? 0);
  const nearestEnough = opts.weightRounding === undefined && (nearestCosine >= 1 - GPTQ_SKIP_SHARE * (1 - target) || hopeless);
  if (nearestEnough && !hopeless) ph.say('gptq', `int8: plain int8 cosine ${nearestCosine.toFixed(4)} with round-to-nearest weights: GPTQ not needed`);
  // QDQ models bring their own integer weights: GPTQ would move them off the grid they were trained on.
  if ((opts.weightRounding ?? 'gptq') === 'gptq' && samples.length && fixed.size === 0 && !nearestEnough) {
    const g = await ph.time('gptq', 'int8: GPTQ weight rounding', () => gptqWeights(result, onnx, samples, { perTensor: opts.perTensor, inputScale: (i) => params.get(i)?.scale }));
    roundedWeights = g.weights;
    gptq = g.stats;
    // Not asked for: GPTQ stays only when it does not score below round-to-nearest on the guard samples.
    // (Measured, PP-OCRv4 rec, bench int8-tasks: this drops GPTQ at 0.9486 vs 0.9489; judged by the logits' pooled
    // SNR over all 24 calibration lines it would stay, 16.7 vs 16.5 dB, and plain int8 decodes 91.7% of eval lines
    // against 85.4% — but the auto search from there missed the guard, cosine 0.9760, at 89.6%: not adopted.)
    // Also between ADAPT_BELOW and the skip (GPTQ_SKIP_SHARE), where GPTQ runs by default: OCRNet's plain int8 read
    // 0.9899 with round-to-nearest weights and 0.9849 with GPTQ's (s20), so there too the guard picks.
    if (opts.weightRounding === undefined && Number.isFinite(nearestCosine) && refs?.length && g.stats.layers > 0) {
      const cos = await ph.time('rangeChoice', 'int8: scoring GPTQ against round-to-nearest', () => plainCosine(result, params, { ...opts, roundedWeights }, samples, refs!));
      gptqCosine = cos;
      if (cos < nearestCosine) {
        roundedWeights = undefined;
        gptq = { layers: 0, ms: gptq.ms };
      }
    }
  }
  let biasDelta: Map<number, Float32Array> | undefined;
  let corrected = 0;
  // Only when asked for (--bias-correction): on PaddleOCR det it kept the guard's cosine (0.9504 -> 0.9508) and
  // lowered the task's mask IoU (0.946 -> 0.937), so the guard cannot tell when it helps.
  if (opts.biasCorrection && samples.length && fixed.size === 0) {
    const bc = await ph.time('biasCorrection', 'int8: bias correction', () => correctBiases(result, params, samples.slice(0, BIAS_SAMPLES)));
    biasDelta = bc.delta;
    corrected = bc.layers;
  }
  // Asked for (--sequential-bias), the biases are fitted against the int8 model's own upstream and kept when
  // calibration samples the fit did not see do better (PP-OCRv4 rec: docs/model-sweep.md, session 22). Not the default
  // yet: PaddleOCR det / cls were not measured with it (det needs the uncut fallback, bias-sequential.ts).
  let sequentialBias: FullInt8Stats['sequentialBias'];
  let gains: Map<number, RoundedWeights> | undefined;
  if (opts.sequentialBias === true && !opts.biasCorrection && samples.length >= 2 && fixed.size === 0) {
    const sb = await ph.time('biasCorrection', 'int8: fitting biases against the int8 model\'s own upstream', () =>
      sequentialBiasChoice(result, params, { ...opts, roundedWeights }, samples));
    ph.say('biasCorrection', `int8: sequential bias correction ${sb.kept ? 'kept' : 'not kept'} (${sb.layers} layers, ${sb.passes} passes, `
      + `${(sb.ms / 1000).toFixed(0)} s; held-out ${sb.lines ? `lines ${sb.lines.before} -> ${sb.lines.after} of ${sb.lines.of}, ` : ''}measure ${sb.before.toFixed(4)} -> ${sb.after.toFixed(4)})`);
    if (sb.kept) { biasDelta = sb.delta; corrected = sb.layers; gains = sb.weights; }
    const { delta: _, weights: __, ...rest } = sb;
    sequentialBias = rest;
  }
  // QDQ models bring their own scales for every tensor: they stay as they were trained.
  const mode = fixed.size || hopeless ? 'off' : (opts.int16 ?? 'auto');
  const choice = samples.length
    ? await ph.time('search', 'int8: measuring plain int8 on LiteRT', () => chooseInt16Ops(result, onnx, samples, params, { ...opts, roundedWeights: withGains(roundedWeights, gains), biasDelta, int16Params },
      mode, opts.maxBytes ?? Infinity, refs, target, opts.latencyBound, ph, opts.searchSeconds))
    : { int16Ops: new Set<number>(), splitOps: new Set<number>(), floatOps: new Set<number>(), floatWeights: new Set<string>(), int8Cosine: NaN, cosine: NaN, met: true, ms: 0 };
  // The float constants before they are stored int8: an island run float32 after the search takes them back.
  const floats = floatConstantsOf(result.model.subgraphs[0]);
  // Ops moved out of int8: plain int8 can still be written in its place, when the guard's held-out samples refuse the
  // search's choice and pass plain int8 (int8-stage.ts, search-held-out.ts).
  const pristine = choice.floatOps.size + choice.int16Ops.size > 0 && !opts.int8Io ? cloneResult(result) : undefined;
  const plain = pristine && (() => {
    const r = quantizeInt8(pristine, params, { ...opts, roundedWeights: withGains(roundedWeights, gains), biasDelta, int16Params, int16Ops: new Set(), splitOps: new Set(), floatOps: new Set(), floatWeights: new Set() });
    floatLoneOpsOf(r, floats);
    forgetOnnxNames(r, equalized);
    return r;
  });
  await ph.time('quantize', 'int8: writing the int8 model', () => quantizeInt8(result, params, { ...opts, roundedWeights: withGains(roundedWeights, gains, result, [...choice.int16Ops, ...choice.floatOps, ...choice.splitOps]), biasDelta, int16Params, int16Ops: choice.int16Ops,
    splitOps: choice.splitOps, floatOps: choice.floatOps, floatWeights: choice.floatWeights }));
  floatLoneOpsOf(result, floats); // after the search: an int8 data move / depthwise conv alone between float32 ops runs float32
  forgetOnnxNames(result, equalized);
  return { result, ...(plain ? { plain } : {}), stats: { equalizedPairs: equalized.size, fromOnnx: p.onnx.size, fromTflite, calibrationMs: t1 - t0, quantizeMs: performance.now() - t1,
    gptqLayers: gptq.layers, gptqMs: gptq.ms, weightRounding: roundedWeights ? 'gptq' : 'nearest', nearestCosine, gptqCosine, fp16Cosine, hopeless, int16Ops: choice.int16Ops.size, splitOps: choice.splitOps.size, floatOps: choice.floatOps.size, floatWeightOps: choice.floatWeights.size, int8Cosine: choice.int8Cosine, cosine: choice.cosine,
    guardMet: choice.met, mixedMs: choice.ms, rangeMethod, biasCorrected: corrected, ...(sequentialBias ? { sequentialBias } : {}), detectionSets: [...packedDetectionOutputs(refs ?? [])],
    searchCandidates: ('candidates' in choice ? choice.candidates : 0) ?? 0, searchStopped: 'stopped' in choice && !!choice.stopped,
    ...('wallCapped' in choice && choice.wallCapped ? { searchWallCapped: true } : {}),
    ...('sizeBudget' in choice && choice.sizeBudget ? { sizeBudget: choice.sizeBudget } : {}),
    ...('floatCostMs' in choice && Number.isFinite(choice.floatCostMs) ? { estimatedMs: { float32: choice.floatCostMs, int8: choice.int8CostMs, chosen: choice.chosenCostMs } } : {}),
    ...('task' in choice && choice.task ? { task: choice.task } : {}), ...('int8Task' in choice && choice.int8Task ? { int8Task: choice.int8Task } : {}) } };
}

/** Worst output cosine of the plain int8 model (round-to-nearest weights, float I/O) on the guard samples. */
async function plainCosine(result: ConvertResult, params: Map<number, QParams>, opts: Int8Options, samples: Tensor[][],
  refs: Map<string, Tensor>[]): Promise<number> {
  const q = quantizeInt8(cloneResult(result), params, { ...opts, int8Io: false, int16Ops: new Set(), splitOps: new Set() });
  return score(serializeTflite(q.model), samples.slice(0, refs.length), refs, probabilityOutputs(result));
}
