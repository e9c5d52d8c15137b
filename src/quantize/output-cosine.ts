// The accuracy guard's measure: the worst output cosine over samples between a quantized model's outputs and
// onnxruntime's. Outputs of at most SCALAR_OUTPUT values (a score, a probability) are judged over all samples at
// once: the cosine of one value is only its sign, and 0 when either side rounds to exactly 0 (Silero VAD v4's
// speech probability 0.0017 on a quiet chunk is 0 in int8, or onnxruntime's sigmoid gives 0 where LiteRT's gives
// 6e-9: a model "collapsed" to the guard although no decision changed). A pooled output under SCORE_FLOOR on both
// sides for every sample has no direction to compare and counts as equal: openWakeWord's hey_mycroft head on windows
// without its word scores 2e-11..3e-10 on LiteRT (float32 and int8 alike) and exactly 0 on onnxruntime (its sigmoid
// flushes them), which read as cosine 0 and refused an int8 model whose scores are the float model's within 2%.
// A pooled output of several values per sample (2-4 class scores, a box [1, 4]) is also judged by what varies between
// the samples: the cosine of both sides less the reference's mean per position. Pooled raw, the mass the samples
// share hides moves between them: @idscan/onboarding's document side classifier / locator (classLocal) read plain
// int8 at cosine 0.9951 on its 8 guard pictures, so no search ran, while 3 of 40 evaluation pictures changed side;
// with its 4 side scores centered plain int8 reads 0.9918, the search keeps 12 ops float32 (0.9997) and 40 / 40 sides
// hold. It applies only when the reference varies (its centered norm is at least MIN_SPREAD of its raw norm), so
// samples that all give about the same value are not judged by their noise.
// An end-to-end detector's packed rows ([1, K, 6 + extra]: x1, y1, x2, y2, score, label, sorted by score by a TopK;
// YOLOv10's NMS-free head) are judged as detection sets, pooled over the samples: recognised by the reference's values
// on every sample (compare/detection-sets.ts isPackedDetections: whole non-negative labels, probabilities that never
// rise down the rows, not all whole), rows paired by label and box IoU, weighted by score (packedSetVectors). Row by
// row, the cosine compares whichever rows near-equal scores put at each rank: @idscan/idvc2's yoloFaceFingers read
// 0.8432 for its float32 LiteRT model (0.9959 as sets) and 0.7033 for a plain int8 model that found 1 of 3 documents
// (0.2166 as sets), so the search had nothing to climb and the guard no way to pass a good model.
// A table of per-row class scores ([.., N, C] softmax rows, nearly all background: an SSD-style detector's scores) is
// also judged on its foreground rows (score-rows.ts): Ultra-Light face detectors' int8 read 0.9999 on the whole table
// while they lost up to 23% of the faces; a box table beside it ([.., N, 4], the same N) is judged by its boxes' IoU on
// those rows (box-rows.ts).
// A vector of values in a narrow band around a common offset ([1, 2K] landmarks in [0, 1] around 0.5, a regression's
// numbers) is also judged by what tells the samples apart: the relative error over the reference's spread between the
// samples (less its mean per position), as a pooled output is (spreadError). Raw, the offset hides the error: PFLD's 68
// face landmarks in plain int8 read cosine 0.9997 on the guard's 4 crops (centred on each crop's mean coordinate
// still 0.997) while the landmarks were off by 4.5% of the eye distance, 5 times onnxruntime's noise floor; over the
// spread between the crops (4% of the values' norm) they read 0.85, and the model trained7 reached with --min-cosine
// 0.99995 (NME 1.16%, near the floor) 0.995. It applies to outputs of one non-unit axis, at most MAX_VECTOR values,
// not probabilities, whose values sit in a band around an offset (their spread within the sample at most MAX_BAND of
// their mean) and whose spread between the samples is under MIN_SPREAD of their norm (wider, the raw cosine sees the
// error); the spread is counted at least MIN_VECTOR_SPREAD of the norm, so samples that all give the same vector are
// not judged by their noise.
// The cosine ignores scale: an output uniformly 15% low reads cosine 1. Every output judged by its cosine (element by
// element, pooled, as detection sets) is also judged by its relative error e = ‖got − ref‖ / ‖ref‖ on the same scale,
// 1 − e² / 2, which is the cosine itself when the norms agree (e² = 1 + s² − 2 s cos, s the ratio of norms) and lower
// when they do not: 15% low reads 0.989 against the default --min-cosine 0.99; the worst ratio of norms is reported.
import type { Tensor } from '../ir/types';
import { compareViews, onnxView } from '../compare/metrics';
import type { Metrics } from '../compare/types';
import { isPackedDetections, packedSetVectors } from '../compare/detection-sets';
import { backgroundClass, foregroundCosine, isScoreTable, pushForegroundRows } from './score-rows';
import { type BoxRows, boxCosine, boxRowIou } from './box-rows';
import type { ConvertResult } from '../convert/convert';
import { producersOf } from './graph';
import { RoledOutputs, outputRoles, rolesOf } from './output-roles';
import { type LayoutMeasures, layoutMeasures, setOutputs, withAnglesUnwrapped } from './task-layouts';
import { type TwoClassRows, independentRows, twoClassRows } from './two-class-rows';

/** Ops that pass a probability on unchanged (back from an output to its LOGISTIC / SOFTMAX). */
const PASS_ON = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'DEQUANTIZE', 'QUANTIZE']);

/** ONNX names of a converted model's outputs that are probabilities (a LOGISTIC / SOFTMAX, reshaped at most): the
 *  guard judges them pooled as before, not against their spread between samples (spreadError). The set carries the
 *  outputs' roles (output-roles.ts: angles, mixed detector rows, classes by steps) to guardMeasures. */
export function probabilityOutputs(result: ConvertResult): RoledOutputs {
  const sg = result.model.subgraphs[0];
  const producer = producersOf(sg);
  const names = new Set<string>();
  sg.outputs.forEach((o, j) => {
    let k = producer.get(o);
    while (k !== undefined && PASS_ON.has(sg.operators[k].opcode)) k = producer.get(sg.operators[k].inputs[0]);
    const op = k === undefined ? undefined : sg.operators[k].opcode;
    if ((op === 'LOGISTIC' || op === 'SOFTMAX') && result.metadata.outputs[j]) names.add(result.metadata.outputs[j].onnx);
  });
  return new RoledOutputs(names, outputRoles(sg, result.metadata));
}

/** Outputs with at most this many values are pooled over the samples. */
export const SCALAR_OUTPUT = 4;
/** A pooled output whose values all stay under this on both sides is not judged (no decision turns on them). */
export const SCORE_FLOOR = 1e-6;

/** The reference's spread (centered norm over raw norm) from which a pooled vector output is also judged centered. */
export const MIN_SPREAD = 0.25;

/** A vector output judged against its spread between the samples has at most this many values. */
export const MAX_VECTOR = 4096;
/** The least spread (over the norm) a vector output's error is measured against. */
export const MIN_VECTOR_SPREAD = 0.02;

const under = (v: number[]) => v.every((x) => Math.abs(x) < SCORE_FLOOR);

/** The mean of `ref` ([samples × width] flattened) per position. */
function meanPerPosition(ref: number[], width: number): number[] {
  const n = ref.length / width;
  return Array.from({ length: width }, (_, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += ref[i * width + j];
    return s / n;
  });
}

/** The cosine of `ref` and `got` ([samples × width] flattened) less the reference's mean per position, or 1 when the
 *  reference hardly varies between the samples. */
function centeredCosine(ref: number[], got: number[], width: number): number {
  const mean = meanPerPosition(ref, width);
  let rr = 0, raw = 0, rg = 0, gg = 0;
  ref.forEach((r, k) => {
    const a = r - mean[k % width], b = got[k] - mean[k % width];
    rr += a * a; raw += r * r; rg += a * b; gg += b * b;
  });
  if (rr < MIN_SPREAD * MIN_SPREAD * raw || rr === 0) return 1;
  return gg ? rg / Math.sqrt(rr * gg) : 0;
}

/** A pooled output's relative error across the samples on the cosine's scale, 1 − e² / 2: e = ‖got − ref‖ over the
 *  reference's spread between the samples (less its mean per position), the spread counted at least MIN_SPREAD of its
 *  norm. A regression head's one number (MPNN's molecular property) varies little between samples: 6.8% off read
 *  0.9977 against the reference's norm and passed, though the error was larger than what told the molecules apart;
 *  against a quarter of the norm it reads 0.963. Not for probabilities (a LOGISTIC / SOFTMAX output): a wake word's
 *  score of 1e-5 on windows without it moves by a few % with any rounding upstream and no decision turns on it. */
function spreadError(ref: number[], got: number[], width: number): number {
  const mean = meanPerPosition(ref, width);
  let rr = 0, raw = 0, ee = 0;
  ref.forEach((r, k) => {
    const d = r - mean[k % width];
    rr += d * d; raw += r * r;
    if (Number.isFinite(got[k])) ee += (got[k] - r) ** 2; else ee = Infinity;
  });
  const spread = Math.max(rr, MIN_SPREAD * MIN_SPREAD * raw);
  if (spread === 0) return ee === 0 ? 1 : 0;
  return Math.max(0, 1 - ee / spread / 2);
}

/** The widest band (standard deviation over the mean's magnitude) of an offset vector's values: PFLD's landmarks
 *  0.31-0.42 on its crops; a flattened table of (background, face) probability pairs ~1 is not one. */
export const MAX_BAND = 0.6;

/** Whether a reference output is a vector (one non-unit axis, more than SCALAR_OUTPUT and at most MAX_VECTOR values)
 *  whose values sit in a narrow band around a common offset: their spread about their mean at most MAX_BAND of it. */
export function isOffsetVector(dims: readonly number[], data: Float32Array): boolean {
  if (data.length <= SCALAR_OUTPUT || data.length > MAX_VECTOR || dims.filter((d) => d !== 1).length !== 1) return false;
  let s = 0, ss = 0;
  for (const v of data) { s += v; ss += v * v; }
  const mean = s / data.length;
  return Number.isFinite(mean) && ss / data.length - mean * mean <= (MAX_BAND * mean) ** 2;
}

/** An offset vector's relative error over its reference's spread between the samples ([samples × width] flattened), on
 *  the cosine's scale (see the header), or 1 when the spread is not narrow (MIN_SPREAD of the norm or more). */
export function offsetVectorError(ref: number[], got: number[], width: number): number {
  const mean = meanPerPosition(ref, width);
  let rr = 0, raw = 0, ee = 0;
  ref.forEach((r, k) => {
    rr += (r - mean[k % width]) ** 2; raw += r * r;
    ee += Number.isFinite(got[k]) ? (got[k] - r) ** 2 : Infinity;
  });
  if (rr >= MIN_SPREAD * MIN_SPREAD * raw || raw === 0) return 1;
  return Math.max(0, 1 - ee / Math.max(rr, MIN_VECTOR_SPREAD * MIN_VECTOR_SPREAD * raw) / 2);
}

/** ONNX names of the outputs whose reference is an end-to-end detector's packed rows on every sample. */
export function packedDetectionOutputs(refs: Map<string, Tensor>[]): Set<string> {
  const names = new Set<string>();
  for (const name of refs[0]?.keys() ?? []) {
    if (refs.every((ref) => { const r = ref.get(name); return !!r && r.data instanceof Float32Array && isPackedDetections(r.dims, r.data); })) names.add(name);
  }
  return names;
}

/** ONNX names of the outputs whose reference is a table of per-row class scores on every sample (score-rows.ts). */
export function scoreTableOutputs(refs: Map<string, Tensor>[]): Set<string> {
  const names = new Set<string>();
  for (const name of refs[0]?.keys() ?? []) {
    if (refs.every((ref) => { const r = ref.get(name); return !!r && r.data instanceof Float32Array && isScoreTable(r.dims, r.data); })) names.add(name);
  }
  return names;
}

/** The worst foreground-row cosine (score-rows.ts) of the score-table outputs over the samples, pooled (1 when none),
 *  and the foreground rows judged. */
function scoreRowCosine(refs: Map<string, Tensor>[], outputs: Map<string, Tensor>[], tables: Set<string>): { cosine: number; rows: number } {
  let worst = 1;
  let rows = 0;
  for (const name of tables) {
    const classes = refs[0]!.get(name)!.dims.at(-1)!;
    const want = refs.map((r) => r.get(name)!.data as Float32Array);
    const background = backgroundClass(want, classes);
    const ref: number[] = [];
    const got: number[] = [];
    want.forEach((w, k) => {
      const g = outputs[k]?.get(name)?.data;
      if (g instanceof Float32Array && g.length === w.length) pushForegroundRows(w, g, classes, background, ref, got);
    });
    rows += ref.length / classes;
    const c = foregroundCosine(ref, got, classes);
    worst = Math.min(worst, Number.isFinite(c) ? c : 0);
  }
  return { cosine: worst, rows };
}

/** The guard's measure and what it is made of (the details `--json` reports). */
export interface GuardMeasures {
  /** The guard's measure: the worst over outputs of the cosine, the relative error on the cosine's scale, the
   *  foreground class rows' cosine and the foreground boxes' IoU on the cosine's scale. */
  cosine: number;
  /** The worst over outputs of the cosine and the relative error alone (without class rows and boxes). */
  others: number;
  /** The ratio of norms (got / ref) farthest from 1 over the outputs judged by cosine (NaN when none). */
  normRatio: number;
  /** Score tables judged on their foreground rows (absent when none): names, rows over the samples, their cosine. */
  classRows?: { outputs: string[]; rows: number; cosine: number };
  /** Box tables judged on those rows (absent when none). */
  boxes?: BoxRows;
  /** Outputs judged by their layout (task-layouts.ts: angles, detector rows, classes by steps); absent when none. */
  layouts?: LayoutMeasures;
  /** Two-class tables of independent rows judged by each row's arg-max (two-class-rows.ts), not as class rows; absent
   *  when none. */
  twoClass?: TwoClassRows;
}

/** The cosine, and lower when the norms differ: 1 − e² / 2 (e: relative error; an exact output reads 1), at least 0. */
const scaled = (m: Metrics) => Math.min(m.cosine, Number.isNaN(m.snrDb) ? 0 : Math.max(0, 1 - 10 ** (-m.snrDb / 10) / 2));

/** ‖got‖ / ‖ref‖ over the finite values (NaN when the reference is all zero). */
function normRatio(ref: ArrayLike<number>, got: ArrayLike<number>): number {
  let r = 0, g = 0;
  for (let i = 0; i < Math.min(ref.length, got.length); i++) {
    if (!Number.isFinite(ref[i]) || !Number.isFinite(got[i])) continue;
    r += ref[i] * ref[i]; g += got[i] * got[i];
  }
  return r > 0 ? Math.sqrt(g / r) : NaN;
}

/** The guard's parts summed as losses (1 − Σ (1 − part)): what a search climbs. The guard takes their minimum, which
 *  a step mending one of several roundings on one part (a box decode's six) does not raise. */
export function summedMeasure(m: GuardMeasures): number {
  return 1 - (1 - m.others) - (1 - (m.classRows?.cosine ?? 1)) - (m.boxes ? 1 - boxCosine(m.boxes.iou) : 0) - (1 - (m.twoClass?.cosine ?? 1));
}

/** Worst cosine over samples and float outputs; `outputs[k]` are the model's outputs on sample k by ONNX name. */
/** Float64 outputs judged as float32 values: the guard reads Float32Array data only, and skipped an output in double
 *  (HybrIK's joints and rotations, cast to float64 by the exporter): with every output skipped it read 1 and wrote an
 *  int8 model whose joints had collapsed to 0 (self-check cosine 0). */
function asFloat32(m: Map<string, Tensor>): Map<string, Tensor> {
  let out: Map<string, Tensor> | undefined;
  for (const [name, t] of m) {
    if (!(t.data instanceof Float64Array)) continue;
    out ??= new Map(m);
    out.set(name, { ...t, dtype: 'float32', data: Float32Array.from(t.data) });
  }
  return out ?? m;
}

export function worstOutputCosine(refs: Map<string, Tensor>[], outputs: Map<string, Tensor>[], probabilities: ReadonlySet<string> = new Set()): number {
  return guardMeasures(refs, outputs, probabilities).cosine;
}

/** The guard's measure over samples and float outputs and its parts; `outputs[k]` by ONNX name; `probabilities`
 *  (probabilityOutputs) are not judged against their spread between samples. */
export function guardMeasures(refs0: Map<string, Tensor>[], outputs0: Map<string, Tensor>[], probabilities: ReadonlySet<string> = new Set()): GuardMeasures {
  const roles = rolesOf(probabilities);
  const refs = refs0.map(asFloat32);
  // Angles are compared by their wrapped difference (task-layouts.ts).
  const outputs = outputs0.map(asFloat32).map((o, k) => (refs[k] ? withAnglesUnwrapped(refs[k], o, roles.angles) : o));
  let worst = 1;
  let ratio = NaN;
  const judge = (m: Metrics, ref: ArrayLike<number>, got: ArrayLike<number>) => {
    const c = scaled(m);
    worst = Math.min(worst, Number.isFinite(c) ? c : 0);
    const s = normRatio(ref, got);
    if (Number.isFinite(s) && !(Math.abs(Math.log(s)) <= Math.abs(Math.log(ratio)))) ratio = s;
  };
  const joint = new Map<string, { ref: number[]; got: number[]; width: number; probability: boolean }>();
  const packed = packedDetectionOutputs(refs);
  // Rows a TOPK_V2 selected, read as detection sets by the layout judges (selected-sets.ts), not row by row.
  const selected = setOutputs(refs, outputs, roles);
  const sets = new Map<string, { ref: number[]; got: number[] }>();
  const vectors = new Map<string, { ref: number[]; got: number[]; width: number; offset: boolean }>();
  refs.forEach((ref, k) => {
    for (const [name, r] of ref) {
      const got = outputs[k]?.get(name);
      if (!got || !(r.data instanceof Float32Array) || !(got.data instanceof Float32Array) || selected.has(name)) continue;
      if (packed.has(name) && got.data.length === r.data.length) {
        const v = packedSetVectors(r.data, got.data, r.dims[r.dims.length - 1]!);
        const s = sets.get(name) ?? { ref: [], got: [] };
        for (let i = 0; i < v.ref.length; i++) { s.ref.push(v.ref[i]!); s.got.push(v.got[i]!); }
        sets.set(name, s);
        continue;
      }
      if (r.data.length <= SCALAR_OUTPUT && got.data.length === r.data.length) {
        const j = joint.get(name) ?? { ref: [], got: [], width: r.data.length, probability: probabilities.has(name) };
        j.ref.push(...r.data);
        j.got.push(...got.data);
        joint.set(name, j);
        continue;
      }
      judge(compareViews(onnxView(r.data, r.dims), onnxView(got.data, got.dims)), r.data, got.data);
      if (!probabilities.has(name) && got.data.length === r.data.length) {
        const v = vectors.get(name) ?? { ref: [], got: [], width: r.data.length, offset: true };
        v.offset &&= v.width === r.data.length && isOffsetVector(r.dims, r.data);
        if (v.offset) { v.ref.push(...r.data); v.got.push(...got.data); }
        vectors.set(name, v);
      }
    }
  });
  // Every sample's reference an offset vector (see the header), judged over at least two samples.
  for (const { ref, got, width, offset } of vectors.values()) if (offset && ref.length > width) worst = Math.min(worst, offsetVectorError(ref, got, width));
  const pooled = (ref: number[], got: number[]) => compareViews(onnxView(Float32Array.from(ref), [ref.length]), onnxView(Float32Array.from(got), [got.length]));
  for (const { ref, got, width, probability } of joint.values()) {
    if (under(ref) && under(got)) continue;
    judge(pooled(ref, got), ref, got);
    if (width > 1 && ref.length > width) worst = Math.min(worst, centeredCosine(ref, got, width));
    if (!probability) worst = Math.min(worst, spreadError(ref, got, width));
  }
  for (const { ref, got } of sets.values()) judge(pooled(ref, got), ref, got);
  // Mixed detector rows read as detections, classes by steps as decoded sequences (task-layouts.ts).
  const layout = layoutMeasures(refs, outputs, roles);
  worst = Math.min(worst, layout.cosine);
  const layouts = layout.details ? { layouts: layout.details } : {};
  const tables = scoreTableOutputs(refs);
  // Two-class tables of independent answers: each row's arg-max, not a detector's class rows (two-class-rows.ts).
  const independent = roles.twoClass ? independentRows(refs, outputs, tables, roles.twoClass) : new Set<string>();
  for (const name of independent) tables.delete(name);
  const two = twoClassRows(refs, outputs, independent);
  const twoClass = two ? { twoClass: two } : {};
  // Reported with the layout judges too (`--json` guard.layouts.twoClass, guard.heldOut.layouts).
  if (two) Object.assign(layouts, { layouts: { ...layout.details, twoClass: two } });
  const best = Math.min(worst, two?.cosine ?? 1);
  if (!tables.size) return { cosine: best, others: worst, normRatio: ratio, ...layouts, ...twoClass };
  const rows = scoreRowCosine(refs, outputs, tables);
  const boxes = boxRowIou(refs, outputs, tables);
  return { cosine: Math.min(best, rows.cosine, boxes.outputs.length ? boxCosine(boxes.iou) : 1), others: worst, normRatio: ratio, ...layouts,
    classRows: { outputs: [...tables], rows: rows.rows, cosine: rows.cosine }, ...(boxes.outputs.length ? { boxes } : {}), ...twoClass };
}
