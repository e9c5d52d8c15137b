// Activation grids jittered (issue #13): every int8 activation scale times a seeded factor close to 1. PP-OCRv4 rec's
// lines-identical count is chaotic in its grids (a 0.2% change of every scale: 108 -> 33-71 of 125 lines with GPTQ
// weights), so a choice between quantization candidates (range method, weight rounding) judged on the calibrated
// grids alone picks whichever is lucky with those exact grids. meanOverGrids scores a candidate on the calibrated
// grids and on a few jittered copies and averages: what the candidate holds, not what one draw gives. Not yet used by
// quantizeFullInt8 (docs/model-sweep.md "PP-OCRv4 rec: what holds over jittered grids": det unconfirmed).
import type { ConvertResult } from '../convert/convert';
import type { QParams } from './params';
import { scaleGroups } from './int8-scale-groups';

/** The jitter meanOverGrids applies (fraction of each scale) and the jittered copies it adds. */
export const GRID_JITTER = 0.002;
export const GRID_SEEDS = 2;

/** `params` with every activation scale times a seeded factor in [1 - j, 1 + j] (one per same-scale group; fixed-output
 *  parameters such as LOGISTIC's 1/256 kept), zero points kept. */
export function jittered(result: ConvertResult, params: Map<number, QParams>, j: number, seed: number): Map<number, QParams> {
  const groups = scaleGroups(result.model.subgraphs[0]);
  let s = seed * 7919 + 1;
  const rnd = () => { s = (s * 1103515245 + 12345) & 0x7fffffff; return s / 0x7fffffff; };
  const factor = new Map<number, number>();
  const out = new Map<number, QParams>();
  for (const [i, q] of params) {
    if (groups.fixed.has(i)) { out.set(i, q); continue; }
    const g = groups.find(i);
    if (!factor.has(g)) factor.set(g, 1 + (rnd() * 2 - 1) * j);
    out.set(i, { scale: q.scale * factor.get(g)!, zeroPoint: q.zeroPoint });
  }
  return out;
}

/** The mean of `score` over the calibrated grids and `seeds` jittered copies (seeds 1..n, jitter `j`). */
export async function meanOverGrids(result: ConvertResult, params: Map<number, QParams>, score: (p: Map<number, QParams>) => Promise<number>,
  seeds = GRID_SEEDS, j = GRID_JITTER): Promise<number> {
  let sum = await score(params);
  for (let s = 1; s <= seeds; s++) sum += await score(jittered(result, params, j, s));
  return sum / (seeds + 1);
}
