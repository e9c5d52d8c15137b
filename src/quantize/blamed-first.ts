// The int8 search's first step (mixed-precision.ts): the layers compare blames. Before any ranking, compare's
// per-layer split of plain int8 (its quantization stage, float32 TFLite → int8, on the first calibration sample: each
// layer's SNR drop, input SNR − output SNR, the measure the guard names the layers to blame by, guard.ts worstDrops)
// names the layers whose own quantization loses the most. They leave int8 first, worst first, 1 then 2 of them:
// the rounding point of each one's output (its producer and readers float32, sensitivity.ts) and the producer's
// weights float16-stored (precise-weights.ts), worst first as many as the size budget holds (the rest int8-stored),
// within the latency bound. The steps stop at the guard; the best one that raises the search's measure is kept, and what the
// search does after it (float32 prefix, ranked steps, weights steps) starts from it.
// Why: the rankings round consecutive points or weight ops in groups (grouped-ranking.ts) and one badly quantized
// layer inside a group of harmless ones is not singled out. DEKR (s23-budget): the guard blamed its adaptive convs'
// offsets (/adapt.12/.../Conv 30 → 10 dB) after 95 candidates and 806 s in which no ranked step had reached them.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ConvertResult } from '../convert/convert';
import type { Model, Tensor } from '../ir/types';
import { encodeNpy } from '../core/npy';
import { encodeModel } from '../onnx/writer';
import { compareModels } from '../compare/compare';
import { serializeTflite } from '../tflite/writer';
import { estimatedMs } from './cost-model';
import { type BlamedLayer, worstDrops } from './guard';
import { producersOf } from './graph';
import { weightOps } from './precise-weights';
import type { OutputScore, RoundingPoint } from './sensitivity';

/** Blamed layers taken out of int8 together at each step (worst first): one or two badly quantized layers. Where the
 *  loss is spread over more the ranked steps find cheaper choices: DPN met the guard with 16 blamed layers at 97 ops
 *  float32 (estimated 0.84x float32; the ranked steps 53 ops, 0.77x), UNet++ with 4 at 29.7% of float32 (4 float16
 *  weights; the ranked steps 25.4%). */
export const BLAMED_STEPS = [1, 2];

/** compare's quantization stage of `quantTflite` against `floatTflite` on one sample: the layers with the largest SNR
 *  drop, worst first (at most `n`). Temporary files only. */
export async function splitBlame(onnx: Model, floatTflite: Uint8Array, quantTflite: Uint8Array, sample: Tensor[], n: number): Promise<BlamedLayer[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-blamed-'));
  try {
    const file = (name: string, data: Uint8Array) => { const p = path.join(dir, name); fs.writeFileSync(p, data); return p; };
    const feeds = path.join(dir, 'feeds');
    fs.mkdirSync(feeds);
    // Named by position: compare takes unnamed files as the inputs in order.
    for (const [k, t] of sample.entries()) fs.writeFileSync(path.join(feeds, `${String(k).padStart(4, '0')}.npy`), encodeNpy(t));
    const report = await compareModels(file('model.onnx', encodeModel(onnx)), file('quant.tflite', quantTflite),
      { inputsDir: feeds, floatTflite: file('float32.tflite', floatTflite) });
    return worstDrops(report.stages?.find((s) => s.name === 'quantization')?.layers ?? [], n);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One blamed layer in the float model: the ops that leave int8 for its output not to be rounded, and its producer's
 *  weight tensor (absent when it has none). */
export interface BlamedPoint { layer: BlamedLayer; ops: number[]; weight?: string }

/** An input SNR at least this is exact (compare's cap: the model's inputs). */
const EXACT_INPUT_DB = 200;

/** The blamed layers as ops of the float model (ONNX tensor → converted tensor → its rounding point, else its
 *  producer); layers reading exact inputs, that map to no op, or to the ops of a layer before them are left out. */
export function blamedPoints(result: ConvertResult, blame: BlamedLayer[], points: RoundingPoint[]): BlamedPoint[] {
  const sg = result.model.subgraphs[0];
  const tflite = new Map(result.metadata.tensors.map((m) => [m.onnx, m.tflite]));
  const producer = producersOf(sg);
  const weights = new Map(weightOps(sg).map((w) => [w.op, sg.tensors[w.weight].name]));
  const byTensor = new Map(points.map((p) => [p.tensor, p]));
  const seen = new Set<string>();
  const out: BlamedPoint[] = [];
  for (const layer of blame) {
    // A first layer's exact input counts as 60 dB in the drop (guard.ts), so a healthy int8 layer there (exact → 42 dB)
    // ranks above real culprits; it is the float32 prefix's business, not a badly quantized layer.
    if (layer.inputSnrDb >= EXACT_INPUT_DB) continue;
    const t = tflite.get(layer.tensor);
    const k = t === undefined ? undefined : producer.get(t);
    if (t === undefined || k === undefined) continue;
    const ops = byTensor.get(t)?.ops ?? [k];
    const key = ops.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ layer, ops, ...(weights.has(k) ? { weight: weights.get(k) } : {}) });
  }
  return out;
}

export interface BlamedChoice { floatOps: Set<number>; floatWeights: Set<string>; score: OutputScore; costMs: number; layers: number }

/** The blamed steps (BLAMED_STEPS): the first `k` blamed points float32, their weights float16-stored while the model
 *  fits `maxBytes` (else int8-stored); the step that meets `met`, else the last one that raised the search's measure
 *  by `minGain` over plain int8's (and the step before) without lowering the cosine; undefined when none does. Steps past `maxBytes` / `maxCostMs` or the time limit are not run. */
export async function blamedSteps(blamed: BlamedPoint[], build: (floatOps: Set<number>, floatWeights: Set<string>) => ConvertResult,
  score: (r: ConvertResult) => Promise<OutputScore>, met: (s: OutputScore) => boolean, plain: OutputScore, minGain: number, maxBytes: number, maxCostMs: number,
  stop: () => boolean, say?: (message: string) => void): Promise<BlamedChoice | undefined> {
  let best: BlamedChoice | undefined;
  let tried = 0;
  for (const k of BLAMED_STEPS) {
    const top = blamed.slice(0, k);
    if (top.length === tried) break;
    tried = top.length;
    const floatOps = new Set(top.flatMap((b) => b.ops));
    // The weights float16-stored, worst layer first, as many as the size budget holds (the rest int8-stored).
    const named = top.flatMap((b) => (b.weight ? [b.weight] : []));
    let floatWeights = new Set(named);
    let model = build(floatOps, floatWeights);
    while (floatWeights.size && serializeTflite(model.model).byteLength > maxBytes) model = build(floatOps, floatWeights = new Set(named.slice(0, floatWeights.size - 1)));
    const costMs = estimatedMs(model.model);
    const bytes = serializeTflite(model.model).byteLength;
    if (bytes > maxBytes || costMs > maxCostMs) {
      if (process.env.ONNX2LITE_TRACE_MIXED) console.error(`mixed: blamed k=${k} ${bytes} bytes (max ${Math.round(maxBytes)}), estimated ${costMs.toFixed(1)} ms (max ${maxCostMs.toFixed(1)})`);
      break;
    }
    if (stop()) break;
    say?.(`blamed step ${top.length}: ${floatOps.size} ops float32 around ${top.map((b) => b.layer.node || b.layer.tensor).join(', ')}`);
    const s = await score(model);
    if (process.env.ONNX2LITE_TRACE_MIXED) console.error(`mixed: blamed k=${top.length} float ${floatOps.size} weights ${floatWeights.size} ${(bytes / 1e6).toFixed(2)} MB cos ${s.cosine.toFixed(4)} snr ${s.snrDb.toFixed(1)} measure ${s.objective.toFixed(4)} estimated ${costMs.toFixed(1)} ms`);
    // Kept for a clear gain of the search's measure that does not lower the guard's cosine (Reversi's policy: 4 blamed
    // layers raised the task's smooth measure while the cosine fell 0.108 -> 0.054).
    if (met(s) || (s.objective - (best?.score.objective ?? plain.objective) >= minGain && s.cosine >= (best?.score.cosine ?? plain.cosine))) {
      best = { floatOps, floatWeights, score: s, costMs, layers: top.length };
    }
    if (met(s)) break;
  }
  return best;
}

export interface BlamedSearch {
  result: ConvertResult;
  onnx: Model;
  /** The sample compare splits plain int8 on (the first calibration sample, as the guard's blame). */
  sample: Tensor[];
  plainTflite: Uint8Array;
  points: RoundingPoint[];
  build: (floatOps: Set<number>, floatWeights: Set<string>) => ConvertResult;
  score: (r: ConvertResult) => Promise<OutputScore>;
  met: (s: OutputScore) => boolean;
  /** Plain int8's score, and the gain of the search's measure over it (and over the step before) a step must show. */
  plain: OutputScore;
  minGain: number;
  maxBytes: number;
  maxCostMs: number;
  stop: () => boolean;
  say?: (message: string) => void;
}

/** compare's split of plain int8, then the blamed steps (see above); undefined when no step raises the measure, or
 *  the split could not be made (its reason on the trace). */
export async function blamedFirst(s: BlamedSearch): Promise<BlamedChoice | undefined> {
  if (s.stop()) return undefined;
  s.say?.('comparing plain int8 layer by layer (the layers to blame first)');
  let blame: BlamedLayer[];
  try {
    blame = await splitBlame(s.onnx, serializeTflite(s.result.model), s.plainTflite, s.sample, BLAMED_STEPS[BLAMED_STEPS.length - 1] * 2);
  } catch (e) {
    if (process.env.ONNX2LITE_TRACE_MIXED) console.error(`mixed: no layer split (${(e as Error).message})`);
    return undefined;
  }
  const blamed = blamedPoints(s.result, blame, s.points);
  if (process.env.ONNX2LITE_TRACE_MIXED) console.error(`mixed: blamed ${blamed.map((b) => `${b.layer.node || b.layer.tensor} ${Math.min(b.layer.inputSnrDb, 200).toFixed(0)}→${b.layer.snrDb.toFixed(0)} dB (${b.ops.length} ops)`).join(', ')}`);
  return blamedSteps(blamed, s.build, s.score, s.met, s.plain, s.minGain, s.maxBytes, s.maxCostMs, s.stop, s.say);
}
