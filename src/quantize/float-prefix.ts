// The int8 search's float32 prefix (mixed-precision.ts): a network's first layers round their activations one after
// the other, so points measured alone do not find them; the first ops in graph order stay float32 (FLOAT_PREFIX of
// the op count), kept only when that raises the search's measure; the tries stop at the first that meets the guard.
import { layoutBarText } from './search-layouts';
import type { ConvertResult } from '../convert/convert';
import { serializeTflite } from '../tflite/writer';
import { estimatedMs } from './cost-model';
import type { OutputScore } from './sensitivity';

/** The float32 prefix tried before the ranked steps (fractions of the op count, the first ops in graph order). */
const FLOAT_PREFIX = [0.05, 0.1, 0.15];
const MIN_FLOAT_PREFIX = 4;

/** The task measure on a trace line (ONNX2LITE_TRACE_MIXED). */
export const traceTask = (s: OutputScore) => (s.task ? ` ${s.task.kind} ${s.task.agreement.toFixed(4)} soft ${s.task.soft.toFixed(4)}` : '')
  + (s.layouts ? ` layouts ${layoutBarText(s.layouts)}${s.layouts.met ? ' met' : ''}` : '');

/** The float32 prefix (FLOAT_PREFIX) whose measure beats `plainObjective` most, within the size and cost bounds; the
 *  first one that meets the guard (`accepts`) ends the tries: a longer prefix costs more and the ranked steps alone
 *  (prefix-free.ts) are then measured against it (UNet++: 6 ops met 0.9950, and 9 ops, 0.9953, ran on; person re-id
 *  0288: 38 ops met 0.9964, and 56 ran on). */
export async function floatPrefix(n: number, build: (floatOps: Set<number>) => ConvertResult, score: (r: ConvertResult) => Promise<OutputScore>,
  plainObjective: number, maxBytes: number, maxCostMs: number, stop: () => boolean = () => false,
  say?: (message: string) => void, accepts: (s: OutputScore) => boolean = () => false): Promise<{ floatOps: Set<number>; score: OutputScore; costMs: number } | undefined> {
  let best: { floatOps: Set<number>; score: OutputScore; costMs: number } | undefined;
  let tried = 0;
  for (const f of FLOAT_PREFIX) {
    const floatOps = new Set(Array.from({ length: Math.round(f * n) }, (_, k) => k));
    // A small model has no stem to speak of: the ranked steps cover it.
    if (floatOps.size < MIN_FLOAT_PREFIX || floatOps.size === tried) continue;
    tried = floatOps.size;
    const model = build(floatOps);
    const costMs = estimatedMs(model.model);
    if (serializeTflite(model.model).byteLength > maxBytes || costMs > maxCostMs || stop()) break;
    say?.(`float32 prefix: the first ${floatOps.size} ops`);
    const s = await score(model);
    if (process.env.ONNX2LITE_TRACE_MIXED) console.error(`mixed: float prefix ${floatOps.size} ops cos ${s.cosine.toFixed(4)} snr ${s.snrDb.toFixed(1)}${traceTask(s)} estimated ${costMs.toFixed(1)} ms`);
    if (s.objective > (best?.score.objective ?? plainObjective) || accepts(s)) best = { floatOps, score: s, costMs };
    if (accepts(s)) break;
  }
  return best;
}
