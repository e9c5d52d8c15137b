// The default int8 pass's sequential bias correction (bias-sequential.ts, issue #13): for a model that plain int8
// hurts badly (quantizeFullInt8's adaptive case), the biases are fitted against the int8 model's own upstream on the
// first calibration samples, and kept only when the int8 model with them does better on calibration samples the fit
// did not see: by the task measure where the model has class or mask outputs (task-signal.ts; for an arg-max output
// the share of positions whose arg-max agrees with float32 first, the smooth measure on a tie), else by the search's
// objective (output SNR, or the guard's measure for a detector's class rows). The guard's cosine does not decide it:
// on PP-OCRv4 rec the correction lowered it (0.9504 -> 0.9308) while the lines decoded as float32 rose (75 -> 91 / 125).
// A label-sequence output (sequence-guard.ts) is compared by its judged lines decoded as float32 first: most steps are
// blanks plain int8 keeps, so the per-step share can favour plain while whole lines do not (PP-OCRv4 rec on the s3
// grid, equalized graph: per step 0.9625 plain against 0.9547 fitted, lines 4 / 8 against 7 / 8; dropping the fit left
// 61 / 125 held-out lines, keeping it 119 / 125: docs/model-sweep.md s27-recgrid).
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
import { sequenceGuard, sequenceOutputs } from './sequence-guard';

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
  /** Label-sequence models: judged lines decoded as float32 without and with the correction (what decides first). */
  lines?: { before: number; after: number; of: number };
}

/** What a variant is judged by: lines decoded as float32 (label-sequence outputs; 0 without), then (agreement, smooth)
 *  for task outputs, else (objective, 0). */
export type ChoiceKey = [number, number, number];

function key(s: OutputScore, lines = 0): ChoiceKey {
  return s.task ? [lines, s.task.agreement, s.task.soft] : [lines, s.objective, 0];
}

/** Whether `after` beats `before`, compared in key order. */
export function fitBetter(before: ChoiceKey, after: ChoiceKey): boolean {
  for (let i = 0; i < before.length; i++) if (after[i] !== before[i]) return after[i] > before[i];
  return false;
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
  // Label-sequence outputs: the judged lines a variant decodes as the float32 model does, from the scorer's own run.
  const sequences = sequenceOutputs(result.model.subgraphs[0], result.metadata);
  const lines = sequences.size > 0;
  const plain = async (biasDelta?: Map<number, Float32Array>, gains?: Map<number, RoundedWeights>): Promise<ChoiceKey> => {
    const q = quantizeInt8(cloneResult(result), params, { ...opts, biasDelta, roundedWeights: withGains(opts.roundedWeights, gains), int8Io: false, int16Ops: new Set(), splitOps: new Set() });
    const { score, outputs } = await scorer.scoreWith(q.model, q.metadata);
    return key(score, lines ? sequenceGuard(scorer.floatOutputs, outputs, sequences).same : 0);
  };
  const b = await plain(opts.biasDelta);
  const a = bc.layers ? await plain(bc.delta, bc.weights) : b;
  const kept = bc.layers > 0 && fitBetter(b, a);
  return { ...(kept ? { delta: bc.delta, weights: bc.weights } : {}), layers: bc.layers, passes: bc.passes, ms: performance.now() - t0, kept, before: b[1], after: a[1],
    ...(lines ? { lines: { before: b[0], after: a[0], of: judged.length } } : {}) };
}
