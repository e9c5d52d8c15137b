// Which activations' int8 rounding changes a model's output most: each rounding point (the output of an op with its
// own int8 parameters, together with the same-scale ops that pass it on unchanged) is rounded ALONE in the float
// model — a QUANTIZE → DEQUANTIZE pair with its int8 parameters, every other tensor float — and the output error on
// the guard samples measured against onnxruntime, on the real LiteRT. The points whose rounding alone costs the most
// output SNR are the ones mixed precision (mixed-precision.ts) keeps in float or 16x8.
//
// Output error is measured on the logits (before a final SOFTMAX / LOGISTIC) against the float32 model's, pooled over
// the samples (total squared error over total signal, in dB): a smooth measure. The worst per-sample cosine of the
// probabilities is not one: on a CTC recognizer a sample near a tie between two characters swings from cosine 0.94
// to 0.85 when any early layer changes by a few dB either way (PP-OCRv4 rec: one sample drops to 0.975 when only the
// first conv is int8, the rest float).
import type { ConvertResult } from '../convert/convert';
import type { Tensor } from '../ir/types';
import type { OnnxLiteMetadata } from '../convert/metadata';
import type { TflModel, TflOperator } from '../tflite/model';
import { openTflite } from '../runtime/litert';
import { toOnnxLayout, toTfliteLayout } from '../runtime/tflite-onnx-io';
import { copyFeeds, debugCopy } from '../compare/tap';
import { MIN_SPREAD, guardMeasures, isOffsetVector, probabilityOutputs, scoreTableOutputs, summedMeasure, worstOutputCosine } from './output-cosine';
import { isPackedDetections, packedSetVectors } from '../compare/detection-sets';
import { pairedBoxTables } from './box-rows';
import { consumersOf, isFloatActivation, producersOf } from './graph';
import { DEQUANTIZE_INT8_VERSION, INT8_OPS, QUANTIZE_VERSION } from './int8-ops';
import { floatIslands } from './int8-float-islands';
import { type QParams, quantParams } from './params';
import { type TaskMeasure, TaskTally, outputTasks, softOutputs } from './task-signal';
import { MIN_ARGMAX_SHARE, argmaxCosine } from './argmax-guard';
import { rankInGroups } from './grouped-ranking';
import { type GuardJudge, guardAccepts } from './search-stop';
import { SignMapTally, searchedLogitMaps } from './search-logit-maps';
import { logitMapGuard } from './logit-map-guard';
import { rolesOf } from './output-roles';
import { type LayoutBar, StepClassTally } from './search-layouts';

/** One rounding point: the tensor rounded to int8, and the float model's ops that must leave int8 for it not to be
 *  (its producer, the same-scale ops carrying it and every op reading it or them). */
export interface RoundingPoint {
  tensor: number;
  ops: number[];
  /** The search's measure (OutputScore.objective: the task's smooth measure, else the output SNR in dB) with only
   *  this point rounded; Infinity when not measured. */
  measure: number;
}

/** A model's outputs on samples: the worst output cosine against onnxruntime (the guard's measure), the pooled
 *  SNR of its logits against the float32 model's (the search's measure) and the fastest run time. */
export interface OutputScore {
  snrDb: number;
  cosine: number;
  ms: number;
  /** The task measure against the float32 model (task-signal.ts); absent when no output is a class or mask output. */
  task?: TaskMeasure;
  /** What the search ranks and compares by (higher is better): the guard's own measure against the float32 model
   *  on the search's samples when an output is a table of class rows (`byGuard`), else the task's smooth measure when
   *  there is one, else the SNR (dB). */
  objective: number;
  /** Set when `objective` is the guard's measure (on the cosine's scale, as the task's). */
  byGuard?: boolean;
  /** Whether the guard's task judge accepts the model on the guard samples (search-stop.ts); absent without a judge. */
  accepted?: boolean;
  /** The guard's measure of the logit-map outputs (logit-map-guard.ts: the worst output's mean IoU of the positive
   *  regions against onnxruntime on the guard samples); absent without such outputs or a map to judge. */
  logitMapIou?: number;
  /** The layout bar (search-layouts.ts: lines / detections on the guard's samples), read by the search's stop only on
   *  candidates that meet its other bars; absent when not read. */
  layouts?: LayoutBar;
}

/** Scores quantized variants of one float model (same tensor names) on the guard samples. The search's measure is
 *  taken before a final SOFTMAX / LOGISTIC: probabilities saturate, so near a tie a tiny change flips them.
 *  `ms` is the fastest run over the samples. */
export interface Scorer {
  score(model: TflModel, metadata: OnnxLiteMetadata): Promise<OutputScore>;
  /** One of `n` points' share of a group's measure: a `n`-th of the task's loss (the SNR: the group's own). */
  share(measure: number, n: number): number;
  /** The fastest run of the float32 model over the samples (ms; its outputs are what variants are measured against). */
  baseMs: number;
}

/** makeScorer's scorer: also hands back what it ran. */
export interface OutputScorer extends Scorer {
  /** The same run as `score`, with the variant's outputs on every sample by ONNX name (bias-choice.ts decodes its
   *  lines from them: one LiteRT run serves both). */
  scoreWith(model: TflModel, metadata: OnnxLiteMetadata): Promise<{ score: OutputScore; outputs: Map<string, Tensor>[] }>;
  /** The float32 model's outputs on every sample by ONNX name (what variants are measured against). */
  floatOutputs: Map<string, Tensor>[];
}

function pooledSnr(err: number, sig: number): number {
  const snr = err === 0 ? 200 : sig === 0 ? -200 : Math.min(200, 10 * Math.log10(sig / err));
  return Number.isNaN(snr) ? -200 : snr;
}

export async function runTaps(model: TflModel, metadata: OnnxLiteMetadata, names: string[], samples: Tensor[][]):
  Promise<{ outputs: Tensor[][]; taps: Float32Array[][]; ms: number }> {
  const sg = model.subgraphs[0];
  const index = new Map(sg.tensors.map((t, i) => [t.name, i]));
  const tapIdx = names.map((n) => index.get(n) ?? -1);
  const want = [...sg.outputs, ...tapIdx.filter((i) => i >= 0)];
  const copy = debugCopy(model, want);
  const session = await openTflite(copy.bytes);
  const outputs: Tensor[][] = [];
  const taps: Float32Array[][] = [];
  const times: number[] = [];
  try {
    for (const sample of samples) {
      const feeds = copyFeeds(session.inputs, metadata.inputs.map((m, k) => toTfliteLayout(sample.find((t) => t.name === m.onnx) ?? sample[k], m)));
      const t0 = performance.now();
      const res = await session.run(feeds);
      times.push(performance.now() - t0);
      const outs = copy.read(res);
      outputs.push(sg.outputs.map((o, j) => toOnnxLayout(outs.get(o)!, metadata.outputs[j])));
      taps.push(tapIdx.map((i) => (i >= 0 ? outs.get(i)!.data as Float32Array : new Float32Array(0))));
    }
  } finally {
    session.close();
  }
  // The fastest run: on a busy machine the others measure the load.
  return { outputs, taps, ms: Math.min(...times) };
}

/** The scorer for `result`'s variants: onnxruntime's outputs `refs` for the guard, the float32 model's logits. */
export async function makeScorer(result: ConvertResult, samples: Tensor[][], refs: Map<string, Tensor>[], judge?: GuardJudge): Promise<OutputScorer> {
  const sg = result.model.subgraphs[0];
  // What each output is for (task-signal.ts) and the tensor measured: logits before a SOFTMAX / LOGISTIC.
  const tasks = outputTasks(sg);
  const names = tasks.map((t) => sg.tensors[t.tap].name);
  // A soft output (a gain in [0, 1] applied as it is: DTLN's spectral mask) is judged by the guard's cosine, not as a
  // probability map (task-signal.ts softOutputs, int8-stage.ts): the search measures it as values too, on the same
  // onnxruntime references as the guard (DTLN stage 1's search read "mask IoU 0.9593" where its guard read a cosine).
  const onnxName = (j: number) => (result.metadata.outputs.find((m) => m.tflite === sg.outputs[j]) ?? result.metadata.outputs[j])?.onnx;
  const soft = softOutputs(refs, tasks.flatMap((t, j) => (t.kind === 'mask' ? [onnxName(j)] : [])));
  const kinds = tasks.map((t, j) => (t.kind === 'mask' && soft.has(onnxName(j)) ? 'values' : t.kind));
  const classes = tasks.map((t) => sg.tensors[t.tap].shape.at(-1) ?? 1);
  const base = await runTaps(result.model, result.metadata, names, samples);
  const hasTask = kinds.some((k) => k !== 'values');
  // An end-to-end detector's packed rows (as the guard judges them, output-cosine.ts) are compared as detection sets:
  // element by element the SNR compares whichever rows near-equal scores put at each rank.
  const sets = tasks.map((t, j) => base.taps.length > 0 && base.taps.every((taps) => isPackedDetections(sg.tensors[t.tap].shape, taps[j])));
  // A table of class rows (score-rows.ts: an SSD-style detector's scores, nearly all background) is ranked by the
  // guard's own measure (its foreground rows, the boxes on them) against the float32 model on the search's samples:
  // the task's arg-max agreement and the SNR are the background's (Ultra-Light face detectors: 1.0000 while the face
  // rows moved and the guard read 0.93-0.98). Its parts are summed as losses (summedMeasure): by their minimum, the
  // steps that mended one of a box decode's six roundings read no gain and were taken back.
  const byName = (outs: Tensor[], md: OnnxLiteMetadata) => new Map(outs.map((o, j) => [md.outputs[j].onnx, o]));
  const floatOuts = base.outputs.map((outs) => byName(outs, result.metadata));
  // Only beside a box table of the same rows: a table of class rows alone may be a recognizer's per-step
  // distributions (a CTC head over a small alphabet), whose task measure is its arg-max agreement.
  const tables = scoreTableOutputs(floatOuts);
  const probabilities = probabilityOutputs(result);
  // Likewise an output the guard judges over its spread between the samples (landmarks around 0.5: PFLD's 68 points,
  // offsetVectors): its SNR is the offset's, which the steps barely move (34.4 → 34.8 dB at 1-14 ops float32 while
  // the guard read 0.90-0.91), so the search climbed a measure blind to what the guard refused.
  // Mixed detector rows (output-roles.ts) too: the guard pairs their detections (task-layouts.ts), while their SNR is
  // the boxes' (Yolo-FastestV2's search ranked by it kept 201 of 211 evaluation detections, 7 under the floor).
  const roles = rolesOf(probabilities);
  const byGuard = (tables.size > 0 && pairedBoxTables(floatOuts, tables).size > 0) || offsetVectors(floatOuts, probabilities).size > 0 || roles.detectorRows.size > 0;
  // Classes by steps (a class axis not last: LPRNet's [1, 68, 18]) are an arg-max task over that axis (search-layouts.ts).
  const steps = roles.stepClasses;
  // Logit maps (no Sigmoid in the model: LDC's edges) are what the guard judges them by, the sign maps' IoU
  // (search-logit-maps.ts): ranked by it against the float32 model, stopped by the guard's measure against onnxruntime.
  const logitNames = searchedLogitMaps(refs, tasks.flatMap((_, j) => (kinds[j] === 'values' && !probabilities.has(onnxName(j)) ? [onnxName(j)] : [])));
  const logitTaps = new Set(tasks.flatMap((_, j) => (logitNames.has(onnxName(j)) ? [j] : [])));
  const tasked = hasTask || logitTaps.size > 0 || steps.size > 0;
  const scoreWith: OutputScorer['scoreWith'] = async (model, metadata) => {
    const run = await runTaps(model, metadata, names, samples);
    let err = 0;
    let sig = 0;
    // The guard's measure (scalar outputs such as a probability pooled over the samples), on the samples with
    // onnxruntime references (the first ones).
    const outs = run.outputs.map((o) => byName(o, metadata));
    const worst = worstOutputCosine(refs, outs, probabilities);
    const tally = new TaskTally(kinds, classes);
    const logitTally = new SignMapTally();
    for (let k = 0; k < samples.length; k++) {
      run.taps[k].forEach((got, j) => {
        const want = base.taps[k][j];
        if (got.length !== want.length) { err += Infinity; return; }
        const v = sets[j] ? packedSetVectors(want, got, sg.tensors[tasks[j].tap].shape.at(-1)!) : { ref: want, got };
        for (let i = 0; i < v.ref.length; i++) { err += (v.ref[i] - v.got[i]) ** 2; sig += v.ref[i] * v.ref[i]; }
        tally.add(j, want, got);
        if (logitTaps.has(j)) logitTally.add(j, want, got);
      });
    }
    const snrDb = pooledSnr(err, sig);
    const stepTally = new StepClassTally(steps);
    if (steps.size) outs.forEach((o, k) => stepTally.add(floatOuts[k], o));
    const task = worseTask(worseTask(tally.measure(), logitTally.measure()), stepTally.measure());
    // Class-id outputs (the graph's own ARG_MAX: argmax-guard.ts) read as unchanged to the cosine; their share of
    // held arg-maxes, on the cosine's scale, is what the search stops at (it stopped at plain int8 while the ids
    // guard refused it after the search).
    const idShare = tally.agreementOf((j) => tasks[j].ids === true);
    const cosine = idShare === undefined ? worst : Math.min(worst, argmaxCosine(idShare));
    const accepted = judge ? { accepted: guardAccepts(judge, refs, outs, worst) && (idShare === undefined || idShare >= MIN_ARGMAX_SHARE) } : {};
    const maps = logitNames.size ? logitMapGuard(refs, outs.slice(0, refs.length), logitNames) : undefined;
    const logit = maps?.maps ? { logitMapIou: maps.iou } : {};
    const score: OutputScore = byGuard
      ? { snrDb, cosine, ms: run.ms, ...(task ? { task } : {}), objective: summedMeasure(guardMeasures(floatOuts, outs, probabilities)), byGuard, ...accepted, ...logit }
      : { snrDb, cosine, ms: run.ms, ...(task ? { task } : {}), objective: task ? task.soft : snrDb, ...accepted, ...logit };
    return { score, outputs: outs };
  };
  return {
    // (The SNR ranking keeps the group's measure for each: measured that way on the audio and random-weight models.)
    share: (measure, n) => (tasked || byGuard ? 1 - (1 - measure) / n : measure),
    baseMs: base.ms,
    floatOutputs: floatOuts,
    scoreWith,
    score: async (model, metadata) => (await scoreWith(model, metadata)).score,
  };
}

/** The task measure that keeps less of its task (by the smooth measure). */
const worseTask = (a: TaskMeasure | undefined, b: TaskMeasure | undefined): TaskMeasure | undefined => (!a || (b && b.soft < a.soft) ? b : a);

/** ONNX names of the outputs that are offset vectors on every sample (output-cosine.ts isOffsetVector; not
 *  probabilities) and whose spread between the samples is under MIN_SPREAD of their norm: the ones the guard judges
 *  by their error over that spread (offsetVectorError). Needs two samples at least. */
export function offsetVectors(outputs: Map<string, Tensor>[], probabilities: ReadonlySet<string>): Set<string> {
  const names = new Set<string>();
  if (outputs.length < 2) return names;
  for (const name of outputs[0].keys()) {
    if (probabilities.has(name)) continue;
    const all = outputs.map((o) => o.get(name));
    if (!all.every((t) => t && t.data instanceof Float32Array && t.data.length === all[0]!.data.length && isOffsetVector(t.dims, t.data as Float32Array))) continue;
    const width = all[0]!.data.length;
    let rr = 0, raw = 0;
    for (let i = 0; i < width; i++) {
      let m = 0;
      for (const t of all) m += (t!.data as Float32Array)[i] / all.length;
      for (const t of all) { const v = (t!.data as Float32Array)[i]; rr += (v - m) ** 2; raw += v * v; }
    }
    if (raw > 0 && rr < MIN_SPREAD * MIN_SPREAD * raw) names.add(name);
  }
  return names;
}

/** The rounding points of a float model: outputs of ops with their own int8 parameters (not same-scale ones). */
export function roundingPoints(result: ConvertResult, params: Map<number, QParams>): RoundingPoint[] {
  const sg = result.model.subgraphs[0];
  const readers = consumersOf(sg);
  const points: RoundingPoint[] = [];
  // A tensor made and read only by ops the int8 pass keeps float by rule (int8-float-islands.ts) is never rounded.
  const islands = floatIslands(sg);
  sg.operators.forEach((op, k) => {
    const spec = INT8_OPS[op.opcode];
    if (!spec || spec.sameScale) return;
    for (const o of op.outputs) {
      if (!isFloatActivation(sg.tensors[o]) || !params.has(o)) continue;
      if (islands.has(k) && (readers.get(o) ?? []).every((r) => islands.has(r))) continue;
      const ops = new Set([k]);
      const walk = [o];
      while (walk.length) {
        for (const r of readers.get(walk.pop()!) ?? []) {
          if (ops.has(r)) continue;
          ops.add(r);
          // A same-scale op passes the rounded values on: its outputs carry the same rounding.
          if (INT8_OPS[sg.operators[r].opcode]?.sameScale) walk.push(...sg.operators[r].outputs);
        }
      }
      points.push({ tensor: o, ops: [...ops].sort((a, b) => a - b), measure: Infinity });
    }
  });
  return points;
}

/** A copy of the float model in which the given tensors (only) are rounded to int8 with their parameters (the
 *  rounded copy takes the tensor's name, so a scorer reads the rounded values). */
export function fakeQuantized(result: ConvertResult, tensors: number[], params: Map<number, QParams>): TflModel {
  const src = result.model.subgraphs[0];
  const tens = [...src.tensors];
  const producer = producersOf(src);
  const after = new Map<number, TflOperator[]>();
  const swap = new Map<number, number>();
  for (const t of tensors) {
    const name = tens[t].name;
    const q = tens.push({ name: `${name}__q`, type: 'INT8', shape: [...tens[t].shape], quantization: quantParams(params.get(t)!) }) - 1;
    const dq = tens.push({ name, type: 'FLOAT32', shape: [...tens[t].shape] }) - 1;
    tens[t] = { ...tens[t], name: `${name}__float` };
    const k = producer.get(t)!;
    after.set(k, [...(after.get(k) ?? []),
      { opcode: 'QUANTIZE', version: QUANTIZE_VERSION, inputs: [t], outputs: [q] },
      { opcode: 'DEQUANTIZE', version: DEQUANTIZE_INT8_VERSION, inputs: [q], outputs: [dq] }]);
    swap.set(t, dq);
  }
  const ops: TflOperator[] = [];
  src.operators.forEach((op, k) => {
    ops.push({ ...op, inputs: op.inputs.map((i) => swap.get(i) ?? i) });
    ops.push(...(after.get(k) ?? []));
  });
  const sg = { ...src, tensors: tens, operators: ops, outputs: src.outputs.map((o) => swap.get(o) ?? o) };
  return { ...result.model, subgraphs: [sg, ...result.model.subgraphs.slice(1)] };
}

export { REFINE_RUNS, refinedGroups } from './grouped-ranking';

/** Measures every rounding point alone (most sensitive first). Coarse to fine (grouped-ranking.ts): the points are
 *  first rounded in groups of ~√n consecutive ones, and only the worst groups' points one by one (refinedGroups), so
 *  the cost is ~√n + max(REFINE_RUNS, 2·√n) model runs. */
export async function rankRoundingPoints(result: ConvertResult, params: Map<number, QParams>, scorer: Scorer,
  progress?: (done: number, total: number, stage: 'groups' | 'points') => void, stop: () => boolean = () => false,
  points: RoundingPoint[] = roundingPoints(result, params)): Promise<RoundingPoint[]> {
  const measure = async (ps: RoundingPoint[]) => (await scorer.score(fakeQuantized(result, ps.map((p) => p.tensor), params), result.metadata)).objective;
  const ranked = await rankInGroups(points, { measure, share: scorer.share, stop, progress });
  return ranked.sort((a, b) => a.measure - b.measure);
}
