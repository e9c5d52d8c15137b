// The 16x8 prefix, `--int16 auto`'s fallback when the sensitivity-ranked search (mixed-precision.ts) misses the guard:
// networks whose error of the first layers grows through every layer after them (the shared random-weight CNNs:
// plain int8 0.976–0.994) need most of their first layers out of int8, which the latency bound refuses in float32.
// Their first layers run in 16x8 — int16 activations, and weights as an int8 tensor plus an int8 tensor of its
// rounding residual (int16.ts) — the region growing until the guard is met, within the size budget (residual weights
// cost size: past the budget only the first layers keep them).
import type { ConvertResult } from '../convert/convert';
import { serializeTflite } from '../tflite/writer';
import type { OutputScore } from './sensitivity';

/** Region sizes tried, as fractions of the op count (the first ops in graph order). */
export const PREFIX_STEPS = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5];
/** Share of plain int8's gap to the guard a region that misses it must close to stay. */
export const MIN_GAP_CLOSED = 0.5;

export interface PrefixChoice { int16Ops: Set<number>; splitOps: Set<number>; score: OutputScore; met: boolean }

/** The smallest 16x8 prefix that meets `target` (`accepts`: the search's bar, logit maps too), else the best one tried; undefined when none fits `maxBytes` (and
 *  `fast`, when given: the search's latency bound, which stops the regions growing). */
export async function prefixSearch(n: number, build: (int16Ops: Set<number>, splitOps: Set<number>) => ConvertResult,
  score: (r: ConvertResult) => Promise<OutputScore>, maxBytes: number, target: number, fast?: (r: ConvertResult) => boolean,
  stop: () => boolean = () => false, say?: (message: string) => void,
  accepts: (s: OutputScore) => boolean = (s) => s.cosine >= target): Promise<PrefixChoice | undefined> {
  const prefix = (f: number) => new Set(Array.from({ length: Math.round(f * n) }, (_, k) => k));
  let best: PrefixChoice | undefined;
  let splitLimit = 1;
  for (const f of PREFIX_STEPS) {
    const int16Ops = prefix(f);
    if (int16Ops.size === 0) continue;
    let model = build(int16Ops, prefix(Math.min(f, splitLimit)));
    while (serializeTflite(model.model).byteLength > maxBytes && splitLimit > 0) {
      splitLimit = PREFIX_STEPS.filter((s) => s < Math.min(f, splitLimit)).pop() ?? 0;
      model = build(int16Ops, prefix(Math.min(f, splitLimit)));
    }
    if (serializeTflite(model.model).byteLength > maxBytes || (fast && !fast(model)) || stop()) break;
    say?.(`16x8 prefix: the first ${int16Ops.size} ops`);
    const s = await score(model);
    if (process.env.ONNX2LITE_TRACE_MIXED) console.error(`mixed: prefix ${int16Ops.size} ops 16x8 cos ${s.cosine.toFixed(4)} snr ${s.snrDb.toFixed(1)} ${s.ms.toFixed(0)} ms`);
    if (!best || s.cosine > best.score.cosine) best = { int16Ops, splitOps: prefix(Math.min(f, splitLimit)), score: s, met: accepts(s) };
    if (best.met) break;
  }
  return best;
}
