// The int8 search's size budget and which of its rankings can pay off (mixed-precision.ts).
// 1. The budget: INT8_SIZE_BUDGET (35%) of the float32 file. A graph of many small layers is over it in plain int8
//    already (OpenVINO's person re-id 0248 / 0288: 741 kB of float weights → 201 kB, but 695 tensors' tables and 4,044
//    quantization parameters stay: 38.5-40% of float32), so no step could ever fit and the search changed nothing in
//    214-220 candidates. Such a model's budget is plain int8's size plus PLAIN_MARGIN of the float32 size: what the
//    35% leaves a model made of weights alone over int8's quarter of them. `--json`'s `quantization.searchBudget`
//    and the warning say which budget the search used.
// 2. A ranking is worth only the steps that use it: when the cheapest step it could lead to is over the size budget
//    or the latency bound already, the ranking is not run (DEKR at load 17-34: its first activation step and first
//    weights step were refused by those bounds after rankings that took its search's time).
import type { ConvertResult } from '../convert/convert';
import type { TflSubgraph } from '../tflite/model';
import { serializeTflite } from '../tflite/writer';
import { estimatedMs } from './cost-model';
import { floatWeightCost } from './hybrid-islands';
import type { RoundingPoint } from './sensitivity';
import { weightOps } from './precise-weights';
import { int16Capable } from './int16';

/** The room over plain int8's size a model already over the budget gets (a fraction of the float32 size). */
export const PLAIN_MARGIN = 0.1;

export interface SizeBudget {
  /** The most bytes a candidate of the search may take. */
  bytes: number;
  /** 'float32': the fraction of the float32 file asked for; 'plain-int8': plain int8 was over it already, so its own
   *  size plus PLAIN_MARGIN of the float32 size. */
  basis: 'float32' | 'plain-int8';
}

/** The search's size budget: `maxBytes`, or plain int8's size plus PLAIN_MARGIN × the float32 size when plain int8 is
 *  over `maxBytes` already. */
export function searchBudget(maxBytes: number, plainBytes: number, result: ConvertResult): SizeBudget {
  if (plainBytes <= maxBytes) return { bytes: maxBytes, basis: 'float32' };
  const floatBytes = serializeTflite(result.model).byteLength;
  return { bytes: plainBytes + PLAIN_MARGIN * floatBytes, basis: 'plain-int8' };
}

/** Whether a candidate fits the size budget and the latency bound (the cost model's estimate). */
export interface Fits {
  (candidate: ConvertResult): { fits: boolean; bytes: number; costMs: number };
}

export function fitsBounds(maxBytes: number, maxCostMs: number): Fits {
  return (candidate) => {
    const bytes = serializeTflite(candidate.model).byteLength;
    const costMs = estimatedMs(candidate.model);
    return { fits: bytes <= maxBytes && costMs <= maxCostMs, bytes, costMs };
  };
}

/** The activation point whose step costs the least: the fewest float32 weight bytes, then the fewest output
 *  elements over its ops (the cost model's time grows with both). */
export function cheapestPoint(sg: TflSubgraph, points: RoundingPoint[]): RoundingPoint | undefined {
  const cost = (p: RoundingPoint) => p.ops.reduce((s, k) => s + floatWeightCost(sg.operators[k], sg.tensors), 0);
  const elements = (p: RoundingPoint) => p.ops.reduce((s, k) => s + sg.operators[k].outputs
    .reduce((e, o) => e + (sg.tensors[o]?.shape ?? []).reduce((a, b) => a * Math.max(1, b), 1), 0), 0);
  let best: { p: RoundingPoint; c: number; e: number } | undefined;
  for (const p of points) {
    const c = cost(p);
    const e = elements(p);
    if (!best || c < best.c || (c === best.c && e < best.e)) best = { p, c, e };
  }
  return best?.p;
}

/** The weight op whose weights step costs the least: the fewest weights (float16-stored, one byte each over int8). */
export function cheapestWeightOp(sg: TflSubgraph): { op: number; weight: number } | undefined {
  let best: { op: number; weight: number; elements: number } | undefined;
  for (const w of weightOps(sg)) if (!best || w.elements < best.elements) best = w;
  return best;
}

/** Where the ops of the first `k` points go: float32 while float weights fit `bytesLeft`, else 16x8 if it has a
 *  kernel, else float32 (the size check then refuses the candidate). */
export function assign(result: ConvertResult, points: RoundingPoint[], bytesLeft: number): { floatOps: Set<number>; int16Ops: Set<number> } {
  const sg = result.model.subgraphs[0];
  const floatOps = new Set<number>();
  const int16Ops = new Set<number>();
  let left = bytesLeft;
  for (const p of points) {
    for (const k of p.ops) {
      if (floatOps.has(k) || int16Ops.has(k)) continue;
      const op = sg.operators[k];
      // float32 weights cost 3 bytes more per weight than int8 ones; large ones stay int8 (hybrid-islands.ts). A
      // sensitive op with a constant operand stays float32 (an int16 constant shift of 1e6 steps by 30).
      const cost = floatWeightCost(op, sg.tensors);
      if (cost <= left) { floatOps.add(k); left -= cost; } else if (int16Capable(op, sg.tensors, false)) int16Ops.add(k); else floatOps.add(k);
    }
  }
  return { floatOps, int16Ops };
}
