// Activation grids jittered (issue #13): every int8 activation scale times a seeded factor, to measure how much of a
// row's lines is the luck of its grids (rec-int8-front.ts' `"jitter"` variants, rec-int8-chaos.ts).
import type { ConvertResult } from '../src/convert/convert';
import type { QParams } from '../src/quantize/params';
import { scaleGroups } from '../src/quantize/int8-scale-groups';

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

