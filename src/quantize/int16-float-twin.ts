// The 16x8 prefix's float32 twin (mixed-precision.ts, after int16-prefix.ts chose a prefix): LiteRT runs 16x8 ops on
// its reference kernels (no XNNPack path), so a 16x8 prefix costs its ops 13x their float32 time (cost-model.ts
// KERNEL_FACTORS: 1.0 ns per MAC against 0.0758; Reversi's `--int16 all` ran 5.88x float32). The same first ops in
// float32 with float16-stored weights cost the same bytes as 16x8's split weights (an int8 tensor and its int8
// residual: 2 bytes a weight either way) and are at least as precise in their activations. The twin of the chosen
// prefix (and, while it misses, of the next larger prefixes) is measured, and taken when it meets the guard (or, the
// 16x8 prefix missing it too, measures at least as well) at a lower estimated cost. The one-class anomaly detector
// (s25-trained8; MobileNetV2 96²): the 16x8 prefix of its first 14 ops met the guard at 0.9954 and ran 15.9x float32.
import type { ConvertResult } from '../convert/convert';
import { serializeTflite } from '../tflite/writer';
import { estimatedMs } from './cost-model';
import { PREFIX_STEPS, type PrefixChoice } from './int16-prefix';
import { weightOps } from './precise-weights';
import type { OutputScore } from './sensitivity';

/** Prefix sizes the twin tries: the chosen 16x8 prefix's and the next larger ones (PREFIX_STEPS). */
const TWIN_TRIES = 3;

export interface FloatTwin { floatOps: Set<number>; floatWeights: Set<string>; score: OutputScore; costMs: number; met: boolean }

/** The first ops (the prefix sizes from the 16x8 choice's on) in float32, their weights float16-stored while the model
 *  fits `maxBytes` (first layers first; the rest int8-stored); the first twin that meets the guard (`accepts`), or,
 *  when the 16x8 prefix misses it too, measures at least as well, and is estimated faster than the 16x8 choice;
 *  undefined when none is. Twins past `maxBytes`, the 16x8 choice's estimate or the time limit are not run. */
export async function floatTwin(n: number, pre: PrefixChoice, preCostMs: number, result: ConvertResult,
  build: (floatOps: Set<number>, floatWeights: Set<string>) => ConvertResult, score: (r: ConvertResult) => Promise<OutputScore>,
  accepts: (s: OutputScore) => boolean, maxBytes: number, stop: () => boolean = () => false,
  say?: (message: string) => void): Promise<FloatTwin | undefined> {
  const sg = result.model.subgraphs[0];
  const weights = weightOps(sg);
  const sizes = [...new Set([pre.int16Ops.size, ...PREFIX_STEPS.map((f) => Math.round(f * n))])]
    .filter((k) => k >= pre.int16Ops.size && k > 0).sort((a, b) => a - b).slice(0, TWIN_TRIES);
  for (const k of sizes) {
    const floatOps = new Set(Array.from({ length: k }, (_, i) => i));
    const named = weights.filter((w) => floatOps.has(w.op)).map((w) => sg.tensors[w.weight].name);
    let floatWeights = new Set(named);
    let model = build(floatOps, floatWeights);
    while (floatWeights.size && serializeTflite(model.model).byteLength > maxBytes) model = build(floatOps, floatWeights = new Set(named.slice(0, floatWeights.size - 1)));
    const bytes = serializeTflite(model.model).byteLength;
    const costMs = estimatedMs(model.model);
    if (bytes > maxBytes || costMs >= preCostMs || stop()) {
      if (process.env.ONNX2LITE_TRACE_MIXED) console.error(`mixed: float twin ${k} ops ${bytes} bytes (max ${Math.round(maxBytes)}), estimated ${costMs.toFixed(1)} ms (16x8 ${preCostMs.toFixed(1)})`);
      break;
    }
    say?.(`float32 twin of the 16x8 prefix: the first ${k} ops, ${floatWeights.size} float16 weights`);
    const s = await score(model);
    if (process.env.ONNX2LITE_TRACE_MIXED) console.error(`mixed: float twin ${k} ops weights ${floatWeights.size} cos ${s.cosine.toFixed(4)} snr ${s.snrDb.toFixed(1)} estimated ${costMs.toFixed(1)} ms (16x8 ${preCostMs.toFixed(1)})`);
    const met = accepts(s);
    if (met || (!pre.met && s.objective >= pre.score.objective && s.cosine >= pre.score.cosine)) return { floatOps, floatWeights, score: s, costMs, met };
  }
  return undefined;
}
