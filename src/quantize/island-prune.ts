// Float islands priced after the mixed-precision search (mixed-precision.ts): the ranked steps keep a chunk of
// rounding points when the chunk as a whole raises the search's measure, so a kept chunk can carry points that buy no
// accuracy but cost time (a float32 CONV_2D runs ~1.5-2x its int8 time on XNNPack). Each kept point whose ops would
// save the most time is put back to int8 in turn, costliest first, and stays int8 when the search's measure does not
// fall (the guard's verdict unchanged): the same accuracy by the search's own measure, less time. The saving is priced
// by the measured per-op table (cost-model.ts `boundMs`: each op's kind, precision and work, its DEQUANTIZE /
// QUANTIZE pairs included, so a point whose ops share one pair with a float neighbour saves less than one alone),
// not by the work factors the search's bound uses, which price a float HARD_SWISH at 0.2 ns an element where it was
// measured at 0.60 (and its two conversions at 0.13 each). At most PRUNE_TRIES points are tried, each one more scored
// candidate. Off unless ONNX2LITE_PRUNE=on: measured on PP-OCRv4 rec (bench material, 24 calibration lines; eval tool
// side by side, load 17-24; priced by the work factors then) it put 1 of the 32 kept points back to int8 (the only one
// saving >= 1% by the estimate), after which the weights stage kept no float16-weight conv: 2.94 vs 3.17 MB, 0.77x vs
// 0.87x float32 in one paired run, lines 79.2% / 87.5% vs 79.2% / 88.2% (one line of 144 fewer): faster, but not at
// the same lines, so the default search is unchanged.
import type { ConvertResult } from '../convert/convert';
import type { OutputScore, RoundingPoint } from './sensitivity';
import { boundMs } from './cost-model';

/** What is pruned: a rounding point, or an op kept float32 for its weights (precise-weights.ts); `ops` first is named. */
export interface Island { ops: number[] }

/** Kept points tried for pruning (the costliest ones), and the least saving worth a try (fraction of the float32
 *  model's price). */
export const PRUNE_TRIES = 8;
const MIN_SAVING = 0.01;

/** A candidate: `costMs` is the search's own estimate (its bound's units, reported), the prune prices by `boundMs`. */
export interface PruneCandidate { result: ConvertResult; floatOps: Set<number>; int16Ops: Set<number>; costMs: number }

/** Each kept point with the time (ms, `boundMs`) putting it back to int8 saves, costliest first, those saving at least
 *  MIN_SAVING of `floatPriceMs` (the float32 model's `boundMs`). */
export function islandSavings<T extends Island>(kept: T[], candidateOf: (points: T[]) => PruneCandidate, floatPriceMs: number): { p: T; saving: number }[] {
  const price = boundMs(candidateOf(kept).result.model);
  return kept.map((p) => ({ p, saving: price - boundMs(candidateOf(kept.filter((q) => q !== p)).result.model) }))
    .filter((x) => x.saving >= MIN_SAVING * floatPriceMs).sort((a, b) => b.saving - a.saving);
}

export interface Pruned<T extends Island = RoundingPoint> { kept: T[]; candidate: PruneCandidate; score: OutputScore; removed: number }

/** `kept` with its costliest points put back to int8 while the measure holds; undefined when none could go. */
export async function pruneIslands<T extends Island>(kept: T[], best: { objective: number; met: boolean }, floatPriceMs: number,
  candidateOf: (points: T[]) => PruneCandidate, score: (r: ConvertResult) => Promise<OutputScore>,
  met: (s: OutputScore) => boolean, trace?: (line: string) => void, label = 'point'): Promise<Pruned<T> | undefined> {
  if (!kept.length) return undefined;
  const savings = islandSavings(kept, candidateOf, floatPriceMs).slice(0, PRUNE_TRIES);
  let out: Pruned<T> | undefined;
  let points = kept;
  let objective = best.objective;
  for (const { p, saving } of savings) {
    const without = points.filter((q) => q !== p);
    const candidate = candidateOf(without);
    const s = await score(candidate.result);
    const holds = s.objective >= objective && (met(s) || !best.met);
    trace?.(`mixed: prune ${label} ${p.ops[0]} (${p.ops.length} ops, saves ${saving.toFixed(2)} ms by the op table) measure ${s.objective.toFixed(4)} vs ${objective.toFixed(4)}: ${holds ? 'int8' : 'kept'}`);
    if (!holds) continue;
    points = without;
    objective = s.objective;
    out = { kept: points, candidate, score: s, removed: (out?.removed ?? 0) + 1 };
  }
  return out;
}
