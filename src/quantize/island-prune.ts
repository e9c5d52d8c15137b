// Float islands priced after the mixed-precision search (mixed-precision.ts): the ranked steps keep a chunk of
// rounding points when the chunk as a whole raises the search's measure, so a kept chunk can carry points that buy no
// accuracy but cost time (a float32 CONV_2D runs ~1.5-2x its int8 time on XNNPack). Each kept point whose ops would
// save the most estimated time (cost-model.ts) is put back to int8 in turn, costliest first, and stays int8 when the
// search's measure does not fall (the guard's verdict unchanged): the same accuracy by the search's own measure, less
// time. At most PRUNE_TRIES points are tried, each one more scored candidate. Off unless ONNX2LITE_PRUNE=on: measured
// on PP-OCRv4 rec (bench material, 24 calibration lines; eval tool side by side, load 17-24) it put 1 of the 32 kept
// points back to int8 (the only one saving >= 1% by the estimate), after which the weights stage kept no float16-weight
// conv: 2.94 vs 3.17 MB, 0.77x vs 0.87x float32 in one paired run, lines 79.2% / 87.5% vs 79.2% / 88.2% (one line of
// 144 fewer): faster, but not at the same lines, so the default search is unchanged.
import type { ConvertResult } from '../convert/convert';
import type { OutputScore, RoundingPoint } from './sensitivity';

/** What is pruned: a rounding point, or an op kept float32 for its weights (precise-weights.ts); `ops` first is named. */
export interface Island { ops: number[] }

/** Kept points tried for pruning (the costliest ones), and the least estimated saving worth a try (fraction of the
 *  float32 model's estimate). */
export const PRUNE_TRIES = 8;
const MIN_SAVING = 0.01;

export interface PruneCandidate { result: ConvertResult; floatOps: Set<number>; int16Ops: Set<number>; costMs: number }

export interface Pruned<T extends Island = RoundingPoint> { kept: T[]; candidate: PruneCandidate; score: OutputScore; removed: number }

/** `kept` with its costliest points put back to int8 while the measure holds; undefined when none could go. */
export async function pruneIslands<T extends Island>(kept: T[], best: { objective: number; met: boolean; costMs: number }, floatCostMs: number,
  candidateOf: (points: T[]) => PruneCandidate, score: (r: ConvertResult) => Promise<OutputScore>,
  met: (s: OutputScore) => boolean, trace?: (line: string) => void, label = 'point'): Promise<Pruned<T> | undefined> {
  if (!kept.length) return undefined;
  const savings = kept.map((p) => ({ p, saving: best.costMs - candidateOf(kept.filter((q) => q !== p)).costMs }))
    .filter((x) => x.saving >= MIN_SAVING * floatCostMs).sort((a, b) => b.saving - a.saving).slice(0, PRUNE_TRIES);
  let out: Pruned<T> | undefined;
  let points = kept;
  let objective = best.objective;
  for (const { p, saving } of savings) {
    const without = points.filter((q) => q !== p);
    const candidate = candidateOf(without);
    const s = await score(candidate.result);
    const holds = s.objective >= objective && (met(s) || !best.met);
    trace?.(`mixed: prune ${label} ${p.ops[0]} (${p.ops.length} ops, saves ${saving.toFixed(1)} ms est.) measure ${s.objective.toFixed(4)} vs ${objective.toFixed(4)}: ${holds ? 'int8' : 'kept'}`);
    if (!holds) continue;
    points = without;
    objective = s.objective;
    out = { kept: points, candidate, score: s, removed: (out?.removed ?? 0) + 1 };
  }
  return out;
}
