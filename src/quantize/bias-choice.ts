// The default int8 pass's sequential bias correction (bias-sequential.ts, issue #13): for a model that plain int8
// hurts badly (quantizeFullInt8's adaptive case), the biases are fitted against the int8 model's own upstream on the
// first calibration samples, and kept only when the int8 model with them does better on calibration samples the fit
// did not see: by the task measure where the model has class or mask outputs (task-signal.ts; for an arg-max output
// the share of positions whose arg-max agrees with float32 first, the smooth measure on a tie), else by the search's
// objective (output SNR, or the guard's measure for a detector's class rows). The guard's cosine does not decide it:
// on PP-OCRv4 rec the correction lowered it (0.9504 -> 0.9308) while the lines decoded as float32 rose (75 -> 91 / 125).
// Where the layer's weights have one scale per output channel, the fit also scales each channel by the least-squares
// gain of float's output on int8's (bias-sequential.ts `gain`), in the weight scales: the int8 weights stay as rounded.
import type { ConvertResult } from '../convert/convert';
import type { Tensor } from '../ir/types';
import { sequentialBiases, withGains } from './bias-sequential';
import type { RoundedWeights } from './weight-rounding';
import { Int8Options, quantizeInt8 } from './int8';
import { cloneResult } from './mixed-precision';
import type { QParams } from './params';
import { type OutputScore, makeScorer } from './sensitivity';

/** The fit reads the first calibration samples, all but SEQ_BIAS_JUDGE of them, at least SEQ_BIAS_FIT and at most
 *  SEQ_BIAS_MAX_FIT; it is judged on up to SEQ_BIAS_JUDGE after them. (PP-OCRv4 rec, calibrated grids: fitted on 4
 *  lines 104 / 125 lines decoded as float32, on 8 91, on 16 115; plain int8 75.) */
export const SEQ_BIAS_FIT = 4;
export const SEQ_BIAS_MAX_FIT = 16;
export const SEQ_BIAS_JUDGE = 8;
/** The fit's per-channel gains (folded into the weight scales) are clamped to 1 ± SEQ_BIAS_GAIN. (PP-OCRv4 rec,
 *  16 fit lines, lines decoded as float32 over the calibrated and four 0.2%-jittered grids: the bias alone 113.6 / 125
 *  on average (min 109), bias and gain within 1 ± 0.1 119.0 (min 114), within 1 ± 0.2 119.8 (min 118; 1.5-2.1% of
 *  the channels at the clamp, against 10.8% at ± 0.1 on 48 lines). Fitted on 48 lines instead of 16 (± 0.1), the
 *  grid that read 114 fell to 106: more lines are not what the worst grid lacks. docs/model-sweep.md, session 24.) */
export const SEQ_BIAS_GAIN = 0.2;

export interface SequentialBiasChoice {
  /** The bias deltas when kept (undefined when not). */
  delta?: Map<number, Float32Array>;
  /** The layers' int8 weights with their gain-scaled scales when kept (withGains puts them over the pass's own). */
  weights?: Map<number, RoundedWeights>;
  /** Layers the fit moved, LiteRT passes it ran, its time. */
  layers: number;
  passes: number;
  ms: number;
  kept: boolean;
  /** The measure it was judged by without and with the correction (task agreement, or the search's objective). */
  before: number;
  after: number;
}

/** (agreement, smooth) for task outputs, else (objective, 0): compared in that order. */
function key(s: OutputScore): [number, number] {
  return s.task ? [s.task.agreement, s.task.soft] : [s.objective, 0];
}

/** Fits the sequential bias correction on `samples`' first ones and judges it on the next SEQ_BIAS_JUDGE (on the
 *  fit's own samples when fewer than 2 are left). `opts` is the int8 pass's (weights, float ops). */
export async function sequentialBiasChoice(result: ConvertResult, params: Map<number, QParams>, opts: Int8Options,
  samples: Tensor[][]): Promise<SequentialBiasChoice> {
  const t0 = performance.now();
  const n = Math.min(SEQ_BIAS_MAX_FIT, Math.max(SEQ_BIAS_FIT, samples.length - SEQ_BIAS_JUDGE));
  const fit = samples.slice(0, n);
  const rest = samples.slice(n, n + SEQ_BIAS_JUDGE);
  const judged = rest.length >= 2 ? rest : fit;
  const bc = await sequentialBiases(result, params, opts, fit, { gain: { maxChange: SEQ_BIAS_GAIN } });
  const scorer = await makeScorer(result, judged, []);
  const plain = (biasDelta?: Map<number, Float32Array>, gains?: Map<number, RoundedWeights>) => {
    const q = quantizeInt8(cloneResult(result), params, { ...opts, biasDelta, roundedWeights: withGains(opts.roundedWeights, gains), int8Io: false, int16Ops: new Set(), splitOps: new Set() });
    return scorer.score(q.model, q.metadata);
  };
  const [b0, b1] = key(await plain(opts.biasDelta));
  const [a0, a1] = bc.layers ? key(await plain(bc.delta, bc.weights)) : [b0, b1];
  const kept = bc.layers > 0 && (a0 > b0 || (a0 === b0 && a1 > b1));
  return { ...(kept ? { delta: bc.delta, weights: bc.weights } : {}), layers: bc.layers, passes: bc.passes, ms: performance.now() - t0, kept, before: b0, after: a0 };
}
