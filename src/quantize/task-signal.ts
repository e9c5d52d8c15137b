// The task-aware measure of an int8 search step: what the model's outputs are used for, inferred from the ops that
// make them (no user input), and how much of that use a quantized variant keeps against the float32 model.
// - an output made by SOFTMAX / LOG_SOFTMAX, or read by an ARG_MAX over its last axis, is a class axis read by
//   arg-max (classifiers, CTC recognition: one arg-max per time step): the fraction of positions (all axes but the
//   last) whose arg-max agrees with float32's. Flips are rare and discrete, so the search ranks by a smooth version:
//   per position the quantized model's margin for float's top class over its own best other class, relative to
//   float's margin (1 = the same margin, < 0 = flipped; clamped to [-1, 1]), averaged — a small step that moves
//   near-ties shows before it flips one;
// - an output of class ids (made by the graph's own ARG_MAX, or a TOPK_V2's indices with k = 1, through views, a CAST
//   to float, an offset and a SELECT between the ids and a constant: a score threshold's -1) is that class axis too, measured on
//   the ARG_MAX's input: a cosine of ids compares them as numbers (the point-history gesture MLP read 1.0000 while
//   8 / 800 answers changed; argmax-guard.ts judges them);
// - an output made by LOGISTIC with more than SCALAR_OUTPUT values, not rows of 4 (boxes: isBoxRows), is a
//   probability map (text detection): the IoU of
//   the maps thresholded at MASK_THRESHOLDS against float32's, averaged over samples and thresholds; the smooth
//   version thresholds softly (a logistic of the distance to the threshold, LOGIT_TEMPERATURE wide);
// - any other output keeps the output SNR / cosine (sensitivity.ts, output-cosine.ts).
// PP-OCRv4 recognition showed why (bench int8-tasks): as the SNR-driven search moved ops to float32 the guard's cosine
// went 0.976 → 0.949 → 0.897 → 0.967 and the decoded lines went down, not up.
import type { Tensor } from '../ir/types';
import type { TflSubgraph } from '../tflite/model';
import type { OnnxLiteMetadata } from '../convert/metadata';
import { consumersOf, producersOf } from './graph';
import { SCALAR_OUTPUT } from './output-cosine';

export type TaskKind = 'argmax' | 'mask' | 'values';

/** Probability thresholds of a mask output (PaddleOCR's text mask is read at 0.3; 0.5 is the usual). */
export const MASK_THRESHOLDS = [0.3, 0.5];
/** Width (logit units) of the soft threshold in the smooth mask measure: ~0.05 in probability near 0.3. */
const LOGIT_TEMPERATURE = 0.25;
/** Ops that only reshape a tensor between the classifying op and the model output. */
const RESHAPES = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS']);

/** Rows of 4 values ([N, 4], [1, N, 4]: boxes x, y, w, h or corners), not a map: a LOGISTIC over them gives box
 *  coordinates in [0, 1] (a DETR's sigmoid boxes), which are not read thresholded. Relation-DETR's [1, 50, 4] boxes
 *  were measured as a mask ("task: mask IoU 0.5821 with float32") in its refusal line. A map keeps two spatial axes
 *  before its channels (channel-last [1, H, W, C]). */
export function isBoxRows(shape: readonly number[]): boolean {
  return shape.at(-1) === 4 && shape.length >= 2 && shape.length <= 3 && (shape.length === 2 || shape[0] === 1);
}

/** Ops between the op making class ids and a class-id output: views and a CAST (ids as float). */
const ID_VIEWS = new Set([...RESHAPES, 'CAST']);

/** The constant int32 / int64 scalar of tensor `t` (an axis, a k), undefined when it is not one. */
function constInt(sg: TflSubgraph, t: number): number | undefined {
  const d = sg.tensors[t]?.data;
  if (!d || d.byteLength < 4) return undefined;
  return new DataView(d.buffer, d.byteOffset, 4).getInt32(0, true);
}

/** The op making the class ids of output `o`: an ARG_MAX / ARG_MIN over its input's last axis or a TOPK_V2's indices
 *  with k = 1, through ID_VIEWS, an ADD / SUB of a constant scalar (an id offset) and a SELECT / SELECT_V2 whose other
 *  branch is a constant (a score threshold's -1).
 *  `tap`: the values the ids are taken from; `sign`: -1 for ARG_MIN (the least value wins). */
export function classIdSource(sg: TflSubgraph, o: number, producer = producersOf(sg)): { op: number; tap: number; sign: 1 | -1 } | undefined {
  let t = o;
  for (let k = producer.get(t); k !== undefined; k = producer.get(t)) {
    const op = sg.operators[k];
    if (ID_VIEWS.has(op.opcode)) { t = op.inputs[0]; continue; }
    // An id offset (RangeNet++'s labels = ArgMax + 1: class 0 is the unlabeled one).
    const offset = (op.opcode === 'ADD' || op.opcode === 'SUB') ? sg.tensors[op.inputs[1]] : undefined;
    if (offset?.data && offset.shape.reduce((a, d) => a * d, 1) <= 1) { t = op.inputs[0]; continue; }
    if (op.opcode === 'SELECT' || op.opcode === 'SELECT_V2') {
      const computed = op.inputs.slice(1).filter((i) => i >= 0 && !sg.tensors[i].data);
      if (computed.length !== 1) return undefined;
      t = computed[0];
      continue;
    }
    const tap = op.inputs[0];
    const rank = sg.tensors[tap]?.shape.length ?? 0;
    if (op.opcode === 'ARG_MAX' || op.opcode === 'ARG_MIN') {
      const axis = constInt(sg, op.inputs[1]);
      return axis === rank - 1 || axis === -1 ? { op: k, tap, sign: op.opcode === 'ARG_MIN' ? -1 : 1 } : undefined;
    }
    return op.opcode === 'TOPK_V2' && op.outputs[1] === t && constInt(sg, op.inputs[1]) === 1 ? { op: k, tap, sign: 1 } : undefined;
  }
  return undefined;
}

/** What each output of `sg` (in `sg.outputs` order) is for, and the tensor the measure reads: the logits before a
 *  SOFTMAX / LOGISTIC (the scorer taps them: probabilities saturate), the values a class-id output's ARG_MAX reads
 *  (`ids`), else the output itself. */
export function outputTasks(sg: TflSubgraph): { kind: TaskKind; tap: number; ids?: true }[] {
  const producer = producersOf(sg);
  const readers = consumersOf(sg);
  const elements = (t: number) => sg.tensors[t].shape.reduce((a, d) => a * Math.max(1, d), 1);
  const readByArgmax = (t: number) => (readers.get(t) ?? []).some((k) => {
    const op = sg.operators[k];
    const a = op.opcode === 'ARG_MAX' && op.inputs[0] === t ? constInt(sg, op.inputs[1]) : undefined;
    return a === sg.tensors[t].shape.length - 1 || a === -1;
  });
  return sg.outputs.map((o) => {
    // Class ids (ARG_MIN's least value is not the arg-max measure's: left to the guard, argmax-guard.ts).
    const ids = classIdSource(sg, o, producer);
    if (ids && ids.sign === 1 && (sg.tensors[ids.tap].shape.at(-1) ?? 1) > 1) return { kind: 'argmax', tap: ids.tap, ids: true };
    let k = producer.get(o);
    // Through reshapes that keep the last axis (a [1, T, C] output squeezed from [1, 1, T, C]).
    let src = o;
    while (k !== undefined && RESHAPES.has(sg.operators[k].opcode)
      && sg.tensors[sg.operators[k].inputs[0]].shape.at(-1) === sg.tensors[src].shape.at(-1)) {
      src = sg.operators[k].inputs[0];
      k = producer.get(src);
    }
    const op = k === undefined ? undefined : sg.operators[k];
    const classes = sg.tensors[o].shape.at(-1) ?? 1;
    if (op && (op.opcode === 'SOFTMAX' || op.opcode === 'LOG_SOFTMAX') && classes > 1) {
      return { kind: 'argmax', tap: op.opcode === 'SOFTMAX' ? op.inputs[0] : o };
    }
    if (classes > 1 && readByArgmax(o)) return { kind: 'argmax', tap: o };
    if (op?.opcode === 'LOGISTIC' && elements(o) > SCALAR_OUTPUT && !isBoxRows(sg.tensors[o].shape)) return { kind: 'mask', tap: op.inputs[0] };
    return { kind: 'values', tap: op && (op.opcode === 'SOFTMAX' || op.opcode === 'LOGISTIC') ? op.inputs[0] : o };
  });
}

/** A probability map is read thresholded, so its values sit near 0 or 1 but at its regions' edges; a gain applied as
 *  it is (DTLN stage 1's mask on the magnitude spectrum) or any other soft output spreads them between. Pooled over
 *  the guard's samples, the share of a map's reference values inside (SOFT_BAND, 1 − SOFT_BAND): PP-OCR det v2 / v3 /
 *  v4 / mobile v2.0 on 16 rendered pages 0.003-0.005, chinese_ocr's DBNet on its 16 calibration pages 0.09 (at most
 *  0.16 on a page); DTLN stage 1's mask on its 48 calibration frames 0.76 (0.21-1.00 a frame, at least 0.56 over any 4
 *  consecutive ones). Over MAX_SOFT_SHARE the output is a soft one: judged by the cosine, not by thresholded IoU. */
export const SOFT_BAND = 0.02;
export const MAX_SOFT_SHARE = 0.3;

/** The share of the values of `maps` inside (SOFT_BAND, 1 − SOFT_BAND). */
export function softShare(maps: ArrayLike<number>[]): number {
  let soft = 0;
  let n = 0;
  for (const m of maps) {
    for (let i = 0; i < m.length; i++) if (m[i] > SOFT_BAND && m[i] < 1 - SOFT_BAND) soft++;
    n += m.length;
  }
  return n ? soft / n : 0;
}

/** Of the outputs `names` (probability maps by structure: outputTasks' 'mask'), those whose references `refs` (by ONNX
 *  name, one map a sample) are soft: over MAX_SOFT_SHARE of their values pooled inside the band. */
export function softOutputs(refs: Map<string, Tensor>[], names: Iterable<string>): Set<string> {
  const soft = new Set<string>();
  for (const name of names) {
    const maps = refs.map((r) => r.get(name)?.data).filter((d): d is Float32Array => d instanceof Float32Array);
    if (maps.length && softShare(maps) > MAX_SOFT_SHARE) soft.add(name);
  }
  return soft;
}

/** ONNX names of the outputs whose task (and TFLite shape) `keep` accepts (the guards' map and sequence outputs). */
export function taskOutputNames(sg: TflSubgraph, metadata: Pick<OnnxLiteMetadata, 'outputs'>, keep: (kind: TaskKind, shape: number[]) => boolean): Set<string> {
  const tasks = outputTasks(sg);
  const names = new Set<string>();
  sg.outputs.forEach((o, j) => {
    const m = metadata.outputs.find((x) => x.tflite === o) ?? metadata.outputs[j];
    if (tasks[j] && m && keep(tasks[j].kind, sg.tensors[o].shape)) names.add(m.onnx);
  });
  return names;
}

/** One output's arg-max agreement on one sample: positions compared, those agreeing, and the sum of the relative
 *  margins (see the header). `want` / `got`: values with the class axis last (`classes` long). `cap`: float's margin
 *  counted at most this much (a confident position whose margin shrinks but stays over `cap` counts 1; bench
 *  rec-int8-front.ts compares cap 1 with the search's uncapped measure). */
export function argmaxAgreement(want: ArrayLike<number>, got: ArrayLike<number>, classes: number, cap = Infinity): { positions: number; agree: number; soft: number } {
  const positions = Math.floor(want.length / classes);
  let agree = 0;
  let soft = 0;
  for (let p = 0; p < positions; p++) {
    const o = p * classes;
    let c = 0;
    let lo = want[o];
    for (let j = 1; j < classes; j++) {
      if (want[o + j] > want[o + c]) c = j;
      if (want[o + j] < lo) lo = want[o + j];
    }
    let other = -Infinity;
    let otherGot = -Infinity;
    let g = 0;
    for (let j = 0; j < classes; j++) {
      if (got[o + j] > got[o + g]) g = j;
      if (j === c) continue;
      if (want[o + j] > other) other = want[o + j];
      if (got[o + j] > otherGot) otherGot = got[o + j];
    }
    if (g === c) agree++;
    if (classes < 2) { soft += 1; continue; }
    // Float's margin, floored at a thousandth of the position's spread (an exact tie is no reason to blow up).
    const mf = Math.max(want[o + c] - other, 1e-3 * (want[o + c] - lo), 1e-12);
    const mq = got[o + c] - otherGot;
    const r = Number.isFinite(mq) ? mq / Math.min(mf, cap) : -1;
    soft += Math.max(-1, Math.min(1, Number.isNaN(r) ? -1 : r));
  }
  return { positions, agree, soft };
}

/** One output's mask agreement on one sample: the IoU of the maps thresholded at each of MASK_THRESHOLDS and the
 *  soft IoU, from logits (`want`, `got`: before the LOGISTIC). */
export function maskAgreement(want: ArrayLike<number>, got: ArrayLike<number>): { iou: number[]; soft: number[] } {
  const iou: number[] = [];
  const soft: number[] = [];
  for (const th of MASK_THRESHOLDS) {
    const t = Math.log(th / (1 - th));
    let both = 0;
    let either = 0;
    let sBoth = 0;
    let sEither = 0;
    for (let i = 0; i < want.length; i++) {
      const x = want[i] > t;
      const y = got[i] > t;
      if (x && y) both++;
      if (x || y) either++;
      const a = 1 / (1 + Math.exp(-(want[i] - t) / LOGIT_TEMPERATURE));
      const b = 1 / (1 + Math.exp(-(got[i] - t) / LOGIT_TEMPERATURE));
      sBoth += Math.min(a, b);
      sEither += Math.max(a, b);
    }
    iou.push(either ? both / either : 1);
    soft.push(sEither > 1e-9 ? sBoth / sEither : 1);
  }
  return { iou, soft };
}

/** The task measure of a variant: over its task outputs, the one that keeps the least of its task. */
export interface TaskMeasure {
  kind: Exclude<TaskKind, 'values'>;
  /** argmax: fraction of positions whose arg-max agrees with float32; mask: mean IoU of the thresholded maps. */
  agreement: number;
  /** The smooth version the search ranks by (1 = as float32). */
  soft: number;
  /** Positions (argmax) or sample × threshold maps (mask) compared. */
  count: number;
}

/** Sums one output's agreement over samples; `measure()` is the worst output's (undefined without task outputs). */
export class TaskTally {
  private readonly sums: { agree: number; soft: number; count: number }[];

  constructor(private readonly kinds: TaskKind[], private readonly classes: number[]) {
    this.sums = kinds.map(() => ({ agree: 0, soft: 0, count: 0 }));
  }

  /** Output `j` of one sample: float32's tapped values and the variant's. */
  add(j: number, want: ArrayLike<number>, got: ArrayLike<number>): void {
    const s = this.sums[j];
    if (this.kinds[j] === 'argmax') {
      const a = argmaxAgreement(want, got, this.classes[j]);
      s.agree += a.agree;
      s.soft += a.soft;
      s.count += a.positions;
    } else if (this.kinds[j] === 'mask') {
      const m = maskAgreement(want, got);
      for (let k = 0; k < m.iou.length; k++) { s.agree += m.iou[k]; s.soft += m.soft[k]; s.count++; }
    }
  }

  /** The share of agreeing positions pooled over the outputs `pick` selects (the search's class-id outputs);
   *  undefined when they compared none. */
  agreementOf(pick: (j: number) => boolean): number | undefined {
    let agree = 0;
    let count = 0;
    this.sums.forEach((s, j) => { if (pick(j)) { agree += s.agree; count += s.count; } });
    return count > 0 ? agree / count : undefined;
  }

  measure(): TaskMeasure | undefined {
    let worst: TaskMeasure | undefined;
    this.kinds.forEach((kind, j) => {
      const s = this.sums[j];
      if (kind === 'values' || s.count === 0) return;
      const m: TaskMeasure = { kind, agreement: s.agree / s.count, soft: s.soft / s.count, count: s.count };
      if (!worst || m.soft < worst.soft) worst = m;
    });
    return worst;
  }
}

/** "arg-max agreement 0.9750" / "mask IoU 0.9621": the measure in words, for the guard's line. */
export function taskText(t: TaskMeasure): string {
  return `${t.kind === 'argmax' ? 'arg-max agreement' : 'mask IoU'} ${t.agreement.toFixed(4)} with float32`;
}
