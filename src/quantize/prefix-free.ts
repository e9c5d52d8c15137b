// The int8 search's ranked steps tried once more without the float32 prefix (mixed-precision.ts chooseInt16Ops).
// The prefix is tried first and kept when it raises the search's measure at all; the ranked steps then start from it.
// On a detector its few-channel, full-resolution stem is the costliest part to keep float32, and the prefix may buy
// next to nothing: the YOLOX-style person detector (Light-Weight Person Detector, 192²) read cosine 0.8511 plain,
// 0.8864 with its first 37 ops float32, and met the guard only with 6 ranked points on top (65 ops float32): int8 ran
// at 0.74x float32 where the float stem was a third of its time (bench/op-latency.ts, s22-i8lat). When the prefix and
// steps meet the guard, the steps alone are tried in the same chunks, each candidate bounded by the chosen one's
// estimated cost (cost-model.ts): the first that meets the guard, cheaper, replaces it.
import type { ConvertResult } from '../convert/convert';
import type { OutputScore, RoundingPoint } from './sensitivity';

export interface StepCandidate { result: ConvertResult; floatOps: Set<number>; int16Ops: Set<number>; costMs: number; bytes: number }

/** The first candidate of the ranked steps (`points` grown in `steps` chunks; a chunk that does not raise the
 *  measure is left out, as the search's steps do) that meets the guard below `bound.costMs` (estimated) and within
 *  `bound.bytes`; undefined when none does before the bounds or `stop`. */
export async function cheaperSteps(ranked: RoundingPoint[], steps: number[], candidateOf: (points: RoundingPoint[]) => StepCandidate,
  score: (r: ConvertResult) => Promise<OutputScore>, met: (s: OutputScore) => boolean, bound: { costMs: number; bytes: number },
  stop: () => boolean = () => false, trace?: (line: string) => void): Promise<{ candidate: StepCandidate; score: OutputScore; points: RoundingPoint[] } | undefined> {
  let kept: RoundingPoint[] = [];
  let best = -Infinity;
  let prev = 0;
  for (const k of steps) {
    if (prev >= ranked.length) break;
    const points = [...kept, ...ranked.slice(prev, k)];
    prev = k;
    const candidate = candidateOf(points);
    trace?.(`mixed: without the prefix k=${k} float ${candidate.floatOps.size} 16x8 ${candidate.int16Ops.size} estimated ${candidate.costMs.toFixed(1)} ms (bound ${bound.costMs.toFixed(1)})`);
    if (candidate.costMs >= bound.costMs || candidate.bytes > bound.bytes || stop()) return undefined;
    const s = await score(candidate.result);
    trace?.(`mixed: without the prefix k=${k} cos ${s.cosine.toFixed(4)} snr ${s.snrDb.toFixed(1)}`);
    if (met(s)) return { candidate, score: s, points };
    if (s.objective > best) { best = s.objective; kept = points; }
  }
  return undefined;
}
