// When the int8 search's choice gives way to plain int8 (mixed-precision.ts).
// 1. Its candidates are noise. The search aims above the guard
// (GUARD_COSINE 0.995 against the guard's 0.99), so a model whose plain int8 meets the guard still runs it, and every
// candidate it measures moves some ops to float32: each one changes the rounding of every int8 layer after it, and
// their cosines scatter around plain int8's. FastestDet (s26-det4): plain int8 0.9925; float32 prefixes 0.9924 /
// 0.9920 / 0.9914, ranked steps 0.9920 / 0.9944 / 0.9912, weights steps 0.9916-0.9947, until the 15th, 31 ops
// float32, read 0.9955 and was kept: 185 / 194 detections against plain's 187, 0.78x float32 against 0.73x. When
// plain int8 meets the guard and the chosen candidate's cosine beats it by no more than the spread (max - min) of
// the other candidates', while a quarter of them or more read no better than plain int8 (the float32 ops did not lift
// the output on the whole: a search that climbs, 0.85 -> 0.95, has its candidates above plain), the gain is one of
// those draws: plain int8 is kept.
// 2. A choice that misses the guard and keeps fewer arg-max positions than plain int8 (keepsArgmax, below).
import type { TaskMeasure } from './task-signal';

/** The other candidates needed before their spread is read as the noise (fewer: the search's choice stands). */
export const MIN_SCATTER_CANDIDATES = 4;
/** The share of the other candidates that must read no better than plain int8 for their spread to be noise. */
export const MIN_NOT_ABOVE = 0.25;

export interface Scatter {
  /** max - min of the other candidates' cosines. */
  spread: number;
  /** How many other candidates it was read on. */
  candidates: number;
  /** The chosen candidate's cosine over plain int8's. */
  gain: number;
  /** The share of the other candidates whose cosine is not above plain int8's. */
  notAbove: number;
  /** Whether the gain is within the spread and the candidates scatter around plain (plain int8 is then kept). */
  noise: boolean;
}

/** `plain`, `chosen`: the worst output cosines of plain int8 and of the search's choice; `measured`: the cosines of
 *  every candidate the search measured (plain's and the chosen one's among them, each taken out once). */
export function candidateScatter(plain: number, chosen: number, measured: number[]): Scatter {
  const others = [...measured];
  for (const c of [plain, chosen]) {
    const k = others.indexOf(c);
    if (k >= 0) others.splice(k, 1);
  }
  const spread = others.length ? Math.max(...others) - Math.min(...others) : 0;
  const gain = chosen - plain;
  const notAbove = others.length ? others.filter((c) => c <= plain).length / others.length : 0;
  return { spread, candidates: others.length, gain, notAbove,
    noise: others.length >= MIN_SCATTER_CANDIDATES && gain <= spread && notAbove >= MIN_NOT_ABOVE };
}

/** Whether a mixed choice that misses the guard keeps at least as many arg-max positions (class outputs: classifiers,
 *  CTC recognition's time steps) as plain int8 on the search's samples. The search ranks and steps by the smooth
 *  measure (task-signal.ts: each position's margin kept, relative to float's), which counts a confident step's margin
 *  shrinking as much as a near-tie flipping. Measured on PP-OCRv4 rec as PaddleOCR feeds it (640-px bucket, bench
 *  int8-tasks / rec-int8-front.ts, 125 evaluation lines): the default search's float32 stem, ranked steps and
 *  float16 weights raised the smooth measure 0.5954 -> 0.8294 on its 8 samples while arg-max agreement fell
 *  0.9797 -> 0.9625, and decoded 101 lines the same where plain int8 decodes 108 (its first 23 ops float32 alone: 62,
 *  soft measure up, agreement down). Other outputs (masks, values) keep the search's choice. */
export function keepsArgmax(chosen: { task?: TaskMeasure }, plain: { task?: TaskMeasure }): boolean {
  return chosen.task?.kind !== 'argmax' || plain.task?.kind !== 'argmax' || chosen.task.agreement >= plain.task.agreement;
}
