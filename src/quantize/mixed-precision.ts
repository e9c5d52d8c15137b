// `--int16 auto`: sensitivity-ranked mixed precision. When plain int8 misses GUARD_COSINE on the calibration samples,
// first the layers compare's per-layer split of plain int8 blames (largest SNR drop) leave int8 (blamed-first.ts); then
// the activations whose int8 rounding alone changes the output most (sensitivity.ts) leave int8, most sensitive
// first: the ops producing and reading them run in float32 (DEQUANTIZE → float op → QUANTIZE; XNNPack runs them,
// exact), or in 16x8 (int16 activations, int8 weights: no size cost, but TFLite's reference kernels) where float
// weights would not fit the size budget. The number tried grows (1, 2, 3, 4, 6, 8, ...; a step that does not raise
// the output SNR is taken back) until the guard is met, the
// size budget or the latency bound (LATENCY_BOUND × float32 or LATENCY_SLACK × plain int8) is reached ("the guard":
// the target cosine, or for probability-map outputs the mask guard's own verdict, search-stop.ts; no set of choices
// is run on LiteRT twice, candidate-runs.ts). The latency
// bound is the cost model's estimate (cost-model.ts), not a time measured during the search: the same model and
// calibration give the same file on any machine, however loaded (measured times are still reported).
// When that misses the guard, the ops whose int8 weights cost the most run float32 with float16-stored weights
// (precise-weights.ts), again within the size budget and the latency bound; when that misses it too, the 16x8 prefix
// of the first layers (int16-prefix.ts) is tried, and its float32 twin kept where faster (int16-float-twin.ts). A
// float32 prefix that met the guard (alone or with ranked steps) gives way to the ranked steps alone when they meet it
// at a lower estimated cost (prefix-free.ts). Each candidate is the real quantized model run on LiteRT against
// onnxruntime; a model that meets the guard in plain int8 stays plain, and so does one whose plain int8 meets the
// guard (not the search's higher bar) when the chosen candidate beats it only within its candidates' scatter
// (search-plain.ts). The search's budget counts work, not time (search-budget.ts).
import type { ConvertResult } from '../convert/convert';
import type { Model, Tensor } from '../ir/types';
import { serializeTflite } from '../tflite/writer';
import { Int8Options, quantizeInt8 } from './int8';
import type { QParams } from './params';
import { type OutputScore, RoundingPoint, makeScorer, rankRoundingPoints } from './sensitivity';
import type { TaskMeasure } from './task-signal';
import { MIN_GAP_CLOSED, prefixSearch } from './int16-prefix';
import { floatTwin } from './int16-float-twin';
import { boundMs, estimatedMs } from './cost-model';
import { rankWeightOps } from './precise-weights';
import { type Island, type Pruned, pruneIslands } from './island-prune';
import type { Int8Phases } from './int8-phases';
import { cheaperSteps } from './prefix-free';
import { SearchBudget, candidateWorkMs, chargedScorer } from './search-budget';
import { floatPrefix, traceTask } from './float-prefix';
export { floatPrefix } from './float-prefix';
import { type SizeBudget, assign, cheapestPoint, cheapestWeightOp, fitsBounds, searchBudget } from './search-size';
import { roundingPoints } from './sensitivity';
import { blamedFirst } from './blamed-first';
import { maskJudge } from './search-stop';
import { type Scatter, candidateScatter, keepsArgmax } from './search-plain';
import { MIN_COSINE } from './guard';
import { MIN_MASK_IOU } from './mask-guard';
import { logitMapTarget } from './search-logit-maps';
import { layoutJudge } from './search-layouts';
export { keepsArgmax } from './search-plain';

export type Int16Mode = 'auto' | 'off' | 'all';

/** Cosine the quantized outputs must reach on every guard sample before the search stops. */
export const GUARD_COSINE = 0.995;
/** Calibration samples the guard runs (the first ones). */
export const GUARD_SAMPLES = 4;
/** A mixed model that misses the guard stays only when its pooled output SNR beats plain int8's by this much (dB),
 *  or, for a model with class / mask outputs (task-signal.ts), its smooth task measure by MIN_GAIN_TASK. */
const MIN_GAIN_DB = 1;
const MIN_GAIN_TASK = 0.002;
/** Calibration samples the search's measure runs (the first ones; the guard's cosine is taken on GUARD_SAMPLES of
 *  them): a class or mask output's agreement on 4 samples moves in few, coarse steps. */
export const SEARCH_SAMPLES = 8;
/** Rounding points kept out of int8, tried in this order (most sensitive first). */
const STEPS = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128];
/** int8 should run at most this fraction of the float32 time; a mixed model may also take LATENCY_SLACK × plain int8's
 *  (both estimated by the cost model, cost-model.ts). */
export const LATENCY_BOUND = 0.6;
const LATENCY_SLACK = 1.15;
/** The search's default budget (s of estimated work, search-budget.ts): past it no further candidate is measured and
 *  the best one so far is kept (HITNet-style stereo at load 3-20: every candidate's 8 LiteRT runs take 30 s, ~150
 *  candidates). It counts work, not time: the same choice at any load (a wall-clock ceiling far above it stays). */
export const SEARCH_SECONDS = 600;

export interface MixedChoice {
  /** Ops (float model indices) that run in 16x8; empty for plain int8. */
  int16Ops: Set<number>;
  /** Of those, the ones whose weights carry an int8 residual (`--int16 all`). */
  splitOps: Set<number>;
  /** Ops kept in float32 (DEQUANTIZE → op → QUANTIZE) because an activation they make or read is too sensitive. */
  floatOps: Set<number>;
  /** Names of the weight tensors of float ops kept float32, not int8-stored (precise-weights.ts); empty when none. */
  floatWeights: Set<string>;
  /** Pooled output SNR (dB) on the guard samples, plain int8 and chosen (NaN when not measured). */
  int8SnrDb: number;
  snrDb: number;
  /** Fastest LiteRT run time (over the guard samples) of the float32 model, plain int8 and the chosen one (ms; NaN
   *  when not measured). */
  floatMs: number;
  int8Ms: number;
  chosenMs: number;
  /** The cost model's estimates (ms, cost-model.ts) of the float32, plain int8 and chosen models: what the search's
   *  latency bound compares (NaN when the search did not run). */
  floatCostMs: number;
  int8CostMs: number;
  chosenCostMs: number;
  /** Worst output cosine on the guard samples, plain int8 and chosen. */
  int8Cosine: number;
  cosine: number;
  /** Whether the chosen model reaches the search's bar: the target cosine, or the guard's own verdict where it judges
   *  the outputs by their task (probability maps: search-stop.ts). */
  met: boolean;
  /** The task measure (task-signal.ts) of plain int8 and of the chosen model against float32 on the search's samples
   *  (absent when no output is a class or mask output, or the search did not run). */
  int8Task?: TaskMeasure;
  task?: TaskMeasure;
  /** The search's measure of the chosen model (OutputScore.objective; NaN when not measured). */
  objective: number;
  ms: number;
  /** Candidate models measured on LiteRT, and whether the budget (searchSeconds of estimated work, search-budget.ts)
   *  stopped the search; `wallCapped` when its wall-clock ceiling did (the only case where the load decides). */
  candidates?: number;
  stopped?: boolean;
  wallCapped?: boolean;
  /** Set when plain int8 met the guard and the search's choice was within its candidates' scatter (search-plain.ts). */
  plainKept?: Scatter;
  /** Candidates whose choices an earlier candidate had already (their score reused, not run on LiteRT again). */
  repeats?: number;
  /** The size budget the search's candidates kept to (search-size.ts; absent when the search did not run). */
  sizeBudget?: SizeBudget;
}


import { CandidateScores, cloneResult, referenceOutputs } from './candidate-runs';
export { cloneResult, referenceOutputs, score } from './candidate-runs';
export { SCALAR_OUTPUT } from './output-cosine';

/** Picks the layers that leave int8 for `--int16 auto` (or runs the model as `off` / `all` asks) and measures the
 *  guard. `reference`: onnxruntime's outputs for the first samples when calibration already ran them. */
export async function chooseInt16Ops(result: ConvertResult, onnx: Model, samples: Tensor[][], params: Map<number, QParams>,
  opts: Int8Options & { minCosine?: number }, mode: Int16Mode, maxBytes: number, reference?: Map<string, Tensor>[], target = GUARD_COSINE, latencyBound = LATENCY_BOUND,
  phases?: Int8Phases, search: number | SearchBudget = SEARCH_SECONDS): Promise<MixedChoice> {
  const t0 = performance.now();
  // The budget: checked before each candidate of the search proper (ranking, steps, weights, prefix); each ranking
  // takes at most its share of the work left (search-budget.ts).
  const budget = typeof search === 'number' ? new SearchBudget(search) : search;
  const stop = budget.stop;
  const say = (message: string) => phases?.say('search', `int8 search: ${message}`);
  const n = result.model.subgraphs[0].operators.length;
  const none = new Set<number>();
  const guard = samples.slice(0, GUARD_SAMPLES);
  const refs = reference && reference.length >= guard.length ? reference.slice(0, guard.length) : await referenceOutputs(onnx, guard);
  // The search's measure runs more samples than the guard's cosine (the first GUARD_SAMPLES are both).
  const searched = samples.slice(0, Math.max(GUARD_SAMPLES, SEARCH_SAMPLES));
  // int8 model inputs / outputs do not change the inside: the guard runs the float-I/O variant LiteRT can feed.
  const noNames = new Set<string>();
  // The bar the search stops at: the guard's own verdict where it judges the outputs by their task (search-stop.ts).
  const judge = maskJudge(result, opts.minCosine, opts.int8Io);
  // Logit maps (search-logit-maps.ts) are met by the guard's IoU measure, whatever the cosine (LDC: 0.9961 in plain int8).
  const logitBar = logitMapTarget(target);
  const cheapMet = (s: OutputScore) => (s.cosine >= target || s.accepted === true) && !(s.logitMapIou! < logitBar);
  // Detector rows, classes by steps and label sequences: met only when their lines / detections meet the layout bar on
  // the guard's samples too (search-layouts.ts), read on the candidates that meet the rest.
  const lines = mode === 'auto' ? await layoutJudge(result, onnx, samples, target) : undefined;
  const accepts = (s: OutputScore) => cheapMet(s) && s.layouts?.met !== false;
  const measured = await makeScorer(result, searched, refs, judge);
  // Each candidate is charged its estimated work (search-budget.ts), not the time it took: the same file at any load.
  const scorer = chargedScorer(measured, budget, searched.length);
  // Each set of choices is run on LiteRT once (candidate-runs.ts).
  // The cosines of the candidates run (plain int8's first): their scatter (search-plain.ts).
  const cosines: number[] = [];
  const scores = new CandidateScores(async (r: ConvertResult) => {
    const s = await scorer.score(r.model, r.metadata);
    cosines.push(s.cosine);
    if (!lines || !cheapMet(s)) return s;
    budget.charge(candidateWorkMs(r.model, lines.samples ?? 0));
    return { ...s, layouts: await lines(r.model) };
  });
  const build = (int16Ops: Set<number>, splitOps: Set<number>, floatOps: Set<number>, floatWeights = noNames) =>
    scores.tag(quantizeInt8(cloneResult(result), params, { ...opts, int8Io: false, int16Ops, splitOps, floatOps, floatWeights }), int16Ops, splitOps, floatOps, floatWeights);
  // Higher is better: the task's smooth measure for class / mask outputs, else the SNR (task-signal.ts).
  const gain = (a: { objective: number }, b: { objective: number }) => a.objective - b.objective;
  const clearGain = (a: OutputScore | Omit<MixedChoice, 'ms'>, b: OutputScore) => gain(a, b) >= (b.task || b.byGuard ? MIN_GAIN_TASK : MIN_GAIN_DB);
  const taskOf = (x: OutputScore) => (x.task ? { task: x.task } : {});
  const scoreOutputs = (r: ConvertResult) => scores.score(r);
  const trace = process.env.ONNX2LITE_TRACE_MIXED ? (l: string) => console.error(l) : undefined;
  // Off by default: on PaddleOCR rec it ran 0.87 -> 0.77x float32 but read one line of 144 fewer (island-prune.ts).
  const prune = process.env.ONNX2LITE_PRUNE === 'on';
  /** The choice after island-prune.ts put some of its float32 ops back to int8. */
  const prunedBest = <T extends Omit<MixedChoice, 'ms'>>(b: T, p: Pruned<Island>): T => ({ ...b, int16Ops: p.candidate.int16Ops, floatOps: p.candidate.floatOps,
    cosine: p.score.cosine, met: accepts(p.score), snrDb: p.score.snrDb, ...taskOf(p.score), objective: p.score.objective, chosenMs: p.score.ms,
    chosenCostMs: p.candidate.costMs });
  if (mode !== 'auto') {
    // No search: the model as written is still measured for the accuracy guard (--min-cosine).
    const ops = mode === 'all' ? new Set(Array.from({ length: n }, (_, k) => k)) : none;
    const s = await scoreOutputs(build(ops, ops, none));
    return { int16Ops: ops, splitOps: ops, floatOps: none, floatWeights: noNames, int8Cosine: mode === 'off' ? s.cosine : NaN, cosine: s.cosine, met: true,
      ...taskOf(s), ...(mode === 'off' && s.task ? { int8Task: s.task } : {}), objective: s.objective,
      int8SnrDb: mode === 'off' ? s.snrDb : NaN, snrDb: s.snrDb, floatMs: NaN, int8Ms: mode === 'off' ? s.ms : NaN, chosenMs: s.ms,
      floatCostMs: NaN, int8CostMs: NaN, chosenCostMs: NaN, ms: performance.now() - t0, candidates: budget.candidates };
  }
  const plainModel = build(none, none, none);
  const plainBytes = serializeTflite(plainModel.model);
  // Plain int8 over the budget already (graph tables, quantization parameters): its size plus a margin (search-size.ts).
  const sizeBudget = searchBudget(maxBytes, plainBytes.byteLength, result);
  maxBytes = sizeBudget.bytes;
  const plain = await scoreOutputs(plainModel);
  const int8CostMs = estimatedMs(plainModel.model);
  const base = { int16Ops: none, splitOps: none, floatOps: none, floatWeights: noNames, int8Cosine: plain.cosine, cosine: plain.cosine, met: accepts(plain),
    ...taskOf(plain), ...(plain.task ? { int8Task: plain.task } : {}), objective: plain.objective,
    int8SnrDb: plain.snrDb, snrDb: plain.snrDb, floatMs: NaN, int8Ms: plain.ms, chosenMs: plain.ms, floatCostMs: NaN, int8CostMs, chosenCostMs: int8CostMs };
  if (base.met) return { ...base, ms: performance.now() - t0, candidates: budget.candidates, sizeBudget };
  // The float32 model's own run time: the scorer ran it already for its reference logits.
  const float = { ms: scorer.baseMs };
  const floatCostMs = estimatedMs(result.model);
  // The bound on the cost model's estimates (deterministic); sub-millisecond models are not bounded.
  const maxCostMs = Math.max(latencyBound * floatCostMs, LATENCY_SLACK * int8CostMs, 1);
  const sg0 = result.model.subgraphs[0];
  if (sizeBudget.basis === 'plain-int8') say(`plain int8 (${plainBytes.byteLength} bytes) is over the size budget: the search keeps within ${Math.round(maxBytes)} bytes`);
  // A ranking whose cheapest step cannot fit the size budget or the latency bound buys nothing: not run (search-size.ts).
  const fits = fitsBounds(maxBytes, maxCostMs);
  // The rounding points, found once: the cheapest step, the blamed layers and the ranking read them.
  const allPoints = roundingPoints(result, params);
  const cheap = cheapestPoint(sg0, allPoints);
  const cheapOps = cheap && assign(result, [cheap], maxBytes - plainBytes.byteLength);
  const cheapFit = cheapOps && fits(build(cheapOps.int16Ops, none, cheapOps.floatOps));
  // The layers compare's per-layer split blames first (blamed-first.ts): one badly quantized layer the rankings'
  // groups hide; what follows starts from the blamed step kept.
  const seed = await blamedFirst({ result, onnx, sample: samples[0], plainTflite: plainBytes, points: allPoints,
    build: (f, w) => build(none, none, f, w), score: scoreOutputs, met: accepts, plain, minGain: plain.task || plain.byGuard ? MIN_GAIN_TASK : MIN_GAIN_DB, maxBytes, maxCostMs, stop, say });
  let best: Omit<MixedChoice, 'ms'> = { ...base, floatMs: float.ms, floatCostMs };
  if (seed) {
    best = { ...best, floatOps: seed.floatOps, floatWeights: seed.floatWeights, cosine: seed.score.cosine, met: accepts(seed.score),
      snrDb: seed.score.snrDb, ...taskOf(seed.score), objective: seed.score.objective, chosenMs: seed.score.ms, chosenCostMs: seed.costMs };
  }
  const baseWeights = seed?.floatWeights ?? noNames;
  if (best.met) say(`the blamed layers meet the guard: ${best.floatOps.size} ops float32`);
  else if (cheapFit && !cheapFit.fits) say(`no activation step fits (${cheapFit.bytes} bytes, estimated ${cheapFit.costMs.toFixed(1)} ms): activations not ranked`);
  else say(`plain int8 cosine ${plain.cosine.toFixed(4)} < ${target}: ranking activations by sensitivity`);
  const ranked = best.met || (cheapFit && !cheapFit.fits) ? [] : await rankRoundingPoints(result, params, scorer,
    (done, total, stage) => say(stage === 'groups' ? `ranked ${done} / ${total} groups of activations` : `ranked ${done} / ${total} activations of the worst groups alone`),
    budget.ranking(), allPoints);
  if (process.env.ONNX2LITE_TRACE_MIXED) {
    const sg = result.model.subgraphs[0];
    console.error(`mixed: plain int8 cos ${plain.cosine.toFixed(4)} snr ${plain.snrDb.toFixed(1)}${traceTask(plain)}`);
    console.error(`mixed: ranked ${ranked.slice(0, 24).map((p) => `${p.ops[0]}:${sg.operators[p.ops[0]].opcode} ${p.measure.toFixed(plain.task || plain.byGuard ? 4 : 1)}`).join(', ')}`);
  }
  // Points are added in chunks (1, 1, 1, 1, 2, 2, 4, ...: the steps' differences); a chunk that does not raise the
  // search's measure (the task's for class / mask outputs, else the output SNR) is left int8. Measured (bench
  // int8-tasks, PP-OCRv4 rec, 48 eval lines): ranked and kept by the SNR, rec 83.3% of lines (65 ops float32); by the
  // task measure, 87.5% (11 ops float32; plain int8 89.6%, the calibration samples' arg-max agreement 0.978 → 0.978).
  // What bounds rec is its int8 weights, not the activations: every activation float32 with int8-stored weights
  // decodes 87.5% of lines, float32 weights for the 6 most sensitive convs (748K weights) and a float32 tail 93.8%.
  // A float32 prefix first: a network's first layers (a detector's full-resolution stem) round their activations
  // one after the other, and leaving one of them int8 moves the loss to the next one, so points measured alone do
  // not find them (PP-OCRv4 det: each of the first 7 points alone cost mask IoU 0.03-0.2; float32 for the first 14
  // ops took eval mask IoU 0.86 → 0.95, kB's measurements). The prefix is cheap there (few channels) and stays only
  // when it raises the search's measure; the ranked steps then start from it.
  let baseFloat = best.floatOps;
  const prefixFloat = best.met ? undefined : await floatPrefix(n, (f) => build(none, none, new Set([...baseFloat, ...f]), baseWeights), scoreOutputs,
    best.objective, maxBytes, maxCostMs, stop, say, accepts);
  if (prefixFloat) {
    baseFloat = new Set([...baseFloat, ...prefixFloat.floatOps]);
    best = { ...best, floatOps: baseFloat, cosine: prefixFloat.score.cosine, met: accepts(prefixFloat.score), snrDb: prefixFloat.score.snrDb,
      ...taskOf(prefixFloat.score), objective: prefixFloat.score.objective, chosenMs: prefixFloat.score.ms, chosenCostMs: prefixFloat.costMs };
  }
  let kept: RoundingPoint[] = [];
  let prev = 0;
  for (const k of best.met ? [] : STEPS) {
    if (prev >= ranked.length) break;
    const points = [...kept, ...ranked.slice(prev, k)];
    prev = k;
    const assigned = assign(result, points, maxBytes - plainBytes.byteLength);
    const floatOps = new Set([...baseFloat, ...assigned.floatOps]);
    const int16Ops = new Set([...assigned.int16Ops].filter((o) => !baseFloat.has(o)));
    const candidate = build(int16Ops, none, floatOps, baseWeights);
    const bytes = serializeTflite(candidate.model);
    // (A tiny model whose plain int8 is over the budget already may still move weightless ops to float32.)
    if (bytes.byteLength > Math.max(maxBytes, plainBytes.byteLength)) { if (process.env.ONNX2LITE_TRACE_MIXED) console.error(`mixed: k=${k} ${bytes.byteLength} bytes > ${maxBytes}`); break; }
    // Past the latency bound (estimated), more layers out of int8 only get slower.
    const costMs = estimatedMs(candidate.model);
    if (costMs > maxCostMs) { if (process.env.ONNX2LITE_TRACE_MIXED) console.error(`mixed: k=${k} estimated ${costMs.toFixed(1)} ms > ${maxCostMs.toFixed(1)}`); break; }
    if (stop()) break;
    say(`step ${k}: ${floatOps.size} ops float32, ${int16Ops.size} 16x8 (best cosine so far ${best.cosine.toFixed(4)})`);
    const s = await scoreOutputs(candidate);
    const met = accepts(s);
    if (process.env.ONNX2LITE_TRACE_MIXED) console.error(`mixed: k=${k} float ${floatOps.size} 16x8 ${int16Ops.size} ${(bytes.byteLength / 1e6).toFixed(2)} MB cos ${s.cosine.toFixed(4)} snr ${s.snrDb.toFixed(1)}${traceTask(s)} estimated ${costMs.toFixed(1)} ms (float ${floatCostMs.toFixed(1)}, int8 ${int8CostMs.toFixed(1)}; measured ${s.ms.toFixed(0)}, float ${float.ms.toFixed(0)}, int8 ${plain.ms.toFixed(0)}) int8 ${plain.snrDb.toFixed(1)} dB`);
    if (met || gain(s, best) > 0) {
      kept = points;
      best = { ...base, int16Ops, floatOps, floatWeights: baseWeights, cosine: s.cosine, met, snrDb: s.snrDb, ...taskOf(s), objective: s.objective,
        floatMs: float.ms, int8Ms: plain.ms, chosenMs: s.ms, floatCostMs, int8CostMs, chosenCostMs: costMs };
    }
    if (met) break;
  }
  // The ranked steps alone, cheaper than the float32 prefix with them (prefix-free.ts).
  if (baseFloat.size && best.met) {
    const alone = await cheaperSteps(ranked, STEPS, (points) => {
      const a = assign(result, points, maxBytes - plainBytes.byteLength);
      const r = build(a.int16Ops, none, a.floatOps);
      return { result: r, floatOps: a.floatOps, int16Ops: a.int16Ops, costMs: estimatedMs(r.model), bytes: serializeTflite(r.model).byteLength };
    }, scoreOutputs, accepts, { costMs: best.chosenCostMs, bytes: Math.max(maxBytes, plainBytes.byteLength) }, stop, trace);
    if (alone) {
      say(`the ranked steps alone meet the guard: ${alone.candidate.floatOps.size} ops float32 instead of ${best.floatOps.size}`);
      kept = alone.points;
      baseFloat = none;
      best = { ...best, int16Ops: alone.candidate.int16Ops, floatOps: alone.candidate.floatOps, floatWeights: noNames, cosine: alone.score.cosine, met: true, snrDb: alone.score.snrDb,
        ...taskOf(alone.score), objective: alone.score.objective, chosenMs: alone.score.ms, chosenCostMs: alone.candidate.costMs };
    }
  }
  // Kept points that buy nothing by the search's measure go back to int8, costliest first (island-prune.ts).
  if (best.floatOps.size && prune) {
    const candidateOf = (points: RoundingPoint[]) => {
      const assigned = assign(result, points, maxBytes - plainBytes.byteLength);
      const floatOps = new Set([...baseFloat, ...assigned.floatOps]);
      const int16Ops = new Set([...assigned.int16Ops].filter((o) => !baseFloat.has(o)));
      const r = build(int16Ops, none, floatOps, baseWeights);
      return { result: r, floatOps, int16Ops, costMs: estimatedMs(r.model) };
    };
    const pruned = await pruneIslands(kept, { objective: best.objective, met: best.met }, boundMs(result.model), candidateOf, scoreOutputs,
      accepts, trace);
    if (pruned) { kept = pruned.kept; best = prunedBest(best, pruned); }
  }
  // Layers out of int8 cost time and size: a model that still misses the guard keeps them only for a clear gain.
  if (!best.met && !clearGain(best, plain)) best = { ...base, floatMs: float.ms, floatCostMs };
  if (!best.met) {
    // Weight rounding: the ops whose int8 weights cost the most run float32 with float16 weights (precise-weights.ts).
    const cw = cheapestWeightOp(sg0);
    // The blamed step's float16 weights give way to the ranked ones when both do not fit the size budget (Reversi's
    // policy: the blamed dense_2's weights left no room for dense_3's, the ranking's first: 0.6369 where 0.8472 was).
    const withWeights = (floatOps: Set<number>, names: string[]) => {
      let floatWeights = new Set([...best.floatWeights, ...names]);
      let candidate = build(best.int16Ops, none, floatOps, floatWeights);
      if (baseWeights.size && serializeTflite(candidate.model).byteLength > maxBytes) {
        floatWeights = new Set([...best.floatWeights, ...names].filter((w) => !baseWeights.has(w) || names.includes(w)));
        candidate = build(best.int16Ops, none, floatOps, floatWeights);
      }
      return { candidate, floatWeights };
    };
    const wFit = cw && fits(withWeights(new Set([...best.floatOps, cw.op]), [sg0.tensors[cw.weight].name]).candidate);
    say(wFit && !wFit.fits ? `no weights step fits (${wFit.bytes} bytes, estimated ${wFit.costMs.toFixed(1)} ms): weights not ranked`
      : `ranking weights (best cosine so far ${best.cosine.toFixed(4)})`);
    const wRanked = wFit && !wFit.fits ? [] : await rankWeightOps(result, scorer, budget.ranking(),
      (done, total, stage) => say(`ranked ${done} / ${total} ${stage === 'groups' ? 'groups of weight ops' : stage === 'points' ? 'weight ops of the worst groups alone' : 'weight ops'}`));
    if (process.env.ONNX2LITE_TRACE_MIXED) console.error(`mixed: weights ranked ${wRanked.slice(0, 16).map((p) => `${p.op}:${sg0.operators[p.op].opcode} ${p.measure.toFixed(plain.task || plain.byGuard ? 4 : 1)}`).join(', ')}`);
    const from = best;
    for (const k of STEPS) {
      if (k > wRanked.length) break;
      const top = wRanked.slice(0, k);
      const floatOps = new Set([...from.floatOps, ...top.map((p) => p.op)]);
      const { candidate, floatWeights } = withWeights(floatOps, top.map((p) => sg0.tensors[p.weight].name));
      const bytes = serializeTflite(candidate.model).byteLength;
      const costMs = estimatedMs(candidate.model);
      if (bytes > maxBytes || costMs > maxCostMs) { if (process.env.ONNX2LITE_TRACE_MIXED) console.error(`mixed: weights k=${k} ${bytes} bytes (max ${maxBytes.toFixed(0)}), estimated ${costMs.toFixed(1)} ms (max ${maxCostMs.toFixed(1)})`); break; }
      if (stop()) break;
      say(`weights step ${k}: ${floatOps.size} ops float32`);
      const s = await scoreOutputs(candidate);
      const met = accepts(s);
      if (process.env.ONNX2LITE_TRACE_MIXED) console.error(`mixed: weights k=${k} float ${floatOps.size} ${(bytes / 1e6).toFixed(2)} MB cos ${s.cosine.toFixed(4)} snr ${s.snrDb.toFixed(1)}${traceTask(s)} estimated ${costMs.toFixed(1)} ms`);
      if (met || gain(s, best) > 0) {
        best = { ...from, floatOps, floatWeights, cosine: s.cosine, met, snrDb: s.snrDb, ...taskOf(s), objective: s.objective, chosenMs: s.ms, chosenCostMs: costMs };
      }
      if (met) break;
    }
    // The weight ops kept float32 priced likewise: the costliest go back to int8 weights while the measure holds.
    const chosen = wRanked.filter((p) => best.floatWeights.has(sg0.tensors[p.weight].name)).map((p) => ({ ops: [p.op], weight: sg0.tensors[p.weight].name }));
    if (chosen.length && prune) {
      const candidateOf = (xs: typeof chosen) => {
        const floatOps = new Set([...from.floatOps, ...xs.map((x) => x.ops[0])]);
        const r = build(from.int16Ops, none, floatOps, new Set(xs.map((x) => x.weight)));
        return { result: r, floatOps, int16Ops: from.int16Ops, costMs: estimatedMs(r.model) };
      };
      const pruned = await pruneIslands(chosen, { objective: best.objective, met: best.met }, boundMs(result.model), candidateOf,
        scoreOutputs, accepts, trace, 'weights');
      if (pruned) best = { ...prunedBest(best, pruned), floatWeights: new Set(pruned.kept.map((x) => x.weight)) };
    }
  }
  if (!best.met) {
    // Error grown through the whole network (random-weight CNNs): the 16x8 prefix, which may close it.
    // A model whose outputs have a task (class / mask outputs: trained networks) keeps the latency bound here too:
    // PP-OCRv4 rec with GPTQ weights kept met the guard only with its first 113 ops in 16x8, at 20x the float32 time.
    const fast = plain.task ? (r: ConvertResult) => estimatedMs(r.model) <= maxCostMs : undefined;
    say(`trying a 16x8 prefix (best cosine so far ${best.cosine.toFixed(4)})`);
    const pre = await prefixSearch(n, (i16, split) => build(i16, split, none), scoreOutputs, maxBytes, target, fast, stop, say, accepts);
    const closes = pre && pre.score.cosine - plain.cosine >= MIN_GAP_CLOSED * (target - plain.cosine);
    if (pre && (pre.met || (closes && best.floatOps.size === 0 && best.int16Ops.size === 0))) {
      const preCostMs = estimatedMs(build(pre.int16Ops, pre.splitOps, none).model);
      // The same first ops float32 with float16 weights: as many bytes, not on 16x8's reference kernels (int16-float-twin.ts).
      const twin = await floatTwin(n, pre, preCostMs, result, (f, w) => build(none, none, f, w), scoreOutputs, accepts, maxBytes, stop, say);
      const s = twin?.score ?? pre.score;
      best = { ...base, ...(twin ? { floatOps: twin.floatOps, floatWeights: twin.floatWeights } : { int16Ops: pre.int16Ops, splitOps: pre.splitOps }),
        cosine: s.cosine, met: twin?.met ?? pre.met, snrDb: s.snrDb, ...taskOf(s), objective: s.objective,
        floatMs: float.ms, chosenMs: s.ms, floatCostMs, chosenCostMs: twin?.costMs ?? preCostMs };
    }
  }
  // The smooth measure the steps compare can rise while fewer positions keep their arg-max (it rewards margins kept
  // at confident steps): such a choice is no gain over plain int8 (keepsArgmax).
  if (!best.met && (best.floatOps.size || best.int16Ops.size) && !plain.byGuard && !keepsArgmax(best, plain)) best = { ...base, floatMs: float.ms, floatCostMs };
  // Plain int8 meets the guard and the choice beats it by no more than the other candidates scatter: plain is kept.
  const scatter = best.floatOps.size || best.int16Ops.size ? candidateScatter(plain.cosine, best.cosine, cosines) : undefined;
  if (scatter?.noise && plain.cosine >= (opts.minCosine ?? MIN_COSINE) && plain.accepted !== false && !(plain.logitMapIou! < MIN_MASK_IOU)
    && (plain.layouts ?? (lines && await lines(plainModel.model)))?.guardMet !== false) {
    say(`plain int8 (cosine ${plain.cosine.toFixed(4)}) meets the guard and the best choice (${best.cosine.toFixed(4)}, ${best.floatOps.size + best.int16Ops.size} ops out of int8) `
      + `beats it by ${scatter.gain.toFixed(4)}, within the spread of the other ${scatter.candidates} candidates (${scatter.spread.toFixed(4)}): plain int8 kept`);
    best = { ...base, met: true, floatMs: float.ms, floatCostMs, plainKept: scatter };
  }
  const stopped = budget.stopped;
  if (budget.rankingCut) say(`a ranking stopped at its share of the work left (search-time ${budget.seconds} s of estimated work)`);
  if (budget.wallCapped) say(`stopped at its wall-clock ceiling (${budget.wallSeconds} s) after ${budget.candidates} candidate models: this choice depends on the machine's load`);
  else if (stopped) say(`stopped at its budget (${budget.seconds} s of estimated work) after ${budget.candidates} candidate models`);
  return { ...best, ms: performance.now() - t0, candidates: budget.candidates, repeats: scores.hits, sizeBudget, ...(stopped ? { stopped } : {}),
    ...(budget.wallCapped ? { wallCapped: true } : {}) };
}
