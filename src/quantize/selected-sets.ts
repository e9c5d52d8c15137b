// Top-k selected rows read as detection sets by the int8 guard. A detector that ranks its candidates inside the graph
// (a DETR's top-k queries after NMS: DDQ-DETR's scores [1, 50, 20] and boxes [1, 50, 4], gathered at a TOPK_V2's
// indices) gives its rows in the order of scores that int8 moves by a step: near-equal candidates come out at other
// ranks, and a row-by-row cosine compares different detections. DDQ-DETR's default (searched) int8 file read cosine
// 0.81 there while the self-check of the same file paired 47 of its 50 rows as a selection (src/core/verify-selected.ts)
// and 1220 of 1300 detections paired as sets on 26 held-out photos (onnxruntime itself under ±1 grey of input noise:
// 1236). So the outputs a TOPK_V2 selected (compare/selected-rows.ts selectionGroups, found on the converted graph:
// output-roles.ts carries them) are read as detections when one of them is a box table [.., k, 4] and the rows carry
// probabilities (a class table [.., k, C] in [0, 1]: label its arg-max, score its maximum; or a score [.., k] in
// [0, 1] and whole labels [.., k]): the rows scoring over DETECTION_SCORE on either side, paired within each selection
// as the self-check and compare pair detections (same label, box IoU >= 0.5, nearest box and score:
// detection-sets.ts pairDetections), whatever their rank. Held detections weigh the smaller score against the mean of
// the two sides' score sums (a share like an F1: a fixed k of rows, so each candidate int8 ranks in loses one of the
// reference's; MIN_DETECTION_SHARE reads as the default --min-cosine, as for task-layouts.ts's detector rows), and
// the held pairs' boxes are judged by their mean IoU as box-rows.ts judges a box table (MIN_BOX_IOU reads as 0.99).
// The other members of the selection (per-row head values) ride with the pairing and are not judged row by row.
import type { Tensor } from '../ir/types';
import type { TflModel, TflSubgraph } from '../tflite/model';
import type { OnnxLiteMetadata } from '../convert/metadata';
import { boxIou, pairDetections } from '../compare/detection-sets';
import { corners, selectionGroups } from '../compare/selected-rows';
import { tfliteOutputShapes } from './box-rows';
import { producersOf } from './graph';

/** The outputs one TOPK_V2 selected rows of (ONNX names), the selections (`outer`) and the rows of each (`k`), and
 *  those of them made by a LOGISTIC / SOFTMAX (through the selection's gathers and views: scores, never the boxes). */
export interface SelectedRows { outputs: string[]; outer: number; k: number; probabilities?: string[] }

/** Ops between a probability and the selected rows: the gathers at the top-k's indices (their data) and views. */
const CARRY = new Set(['GATHER', 'GATHER_ND', 'RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'DEQUANTIZE', 'QUANTIZE', 'TRANSPOSE', 'STRIDED_SLICE', 'SLICE']);

/** Whether tensor `t` is a LOGISTIC's / SOFTMAX's output carried by CARRY ops. */
function isProbability(sg: TflSubgraph, t: number, producer: Map<number, number>): boolean {
  for (let depth = 0, k = producer.get(t); k !== undefined && depth < 16; depth++, k = producer.get(sg.operators[k]!.inputs[0]!)) {
    const op = sg.operators[k]!.opcode;
    if (op === 'LOGISTIC' || op === 'SOFTMAX') return true;
    if (!CARRY.has(op)) return false;
  }
  return false;
}

/** The selections among a converted model's outputs (selected-rows.ts selectionGroups, on output shapes). */
export function selectedRowOutputs(sg: TflSubgraph, metadata: Pick<OnnxLiteMetadata, 'outputs'>): SelectedRows[] {
  const shapes = tfliteOutputShapes(sg, metadata);
  if (shapes.length !== sg.outputs.length || !sg.operators.some((op) => op.opcode === 'TOPK_V2')) return [];
  const model = { subgraphs: [sg] } as unknown as TflModel;
  const producer = producersOf(sg);
  return selectionGroups(model, sg.outputs, shapes.map((s) => s.dims), new Set()).map((g) => {
    const probabilities = g.members.filter((k) => isProbability(sg, sg.outputs[k]!, producer)).map((k) => shapes[k]!.name);
    return { outputs: g.members.map((k) => shapes[k]!.name), outer: g.outer, k: g.k, ...(probabilities.length ? { probabilities } : {}) };
  });
}

/** A detection's score (its best class probability) from which it counts: task-layouts.ts DETECTION_SCORE. */
const DETECTION_SCORE = 0.3;

/** What the detection judge reads of one selection on one sample: boxes as corners, score and label per row. */
interface Rows { boxes: Float32Array; scores: Float32Array; labels: Float32Array }

const probabilities = (v: Float32Array) => v.every((x) => x >= 0 && x <= 1);
const whole = (v: Float32Array) => v.every((x) => Number.isInteger(x) && x >= 0);

/** The members' parts by role, from the reference's dims and values (undefined: not a detection selection). */
function partsOf(ref: Map<string, Tensor>, s: SelectedRows): { boxes: string; classes?: string; scores?: string; labels?: string } | undefined {
  const rows = s.outer * s.k;
  const width = (n: string) => {
    const t = ref.get(n);
    return t && t.data instanceof Float32Array && t.data.length % rows === 0 ? t.data.length / rows : -1;
  };
  const data = (n: string) => ref.get(n)!.data as Float32Array;
  // Of several 4-wide members, one a LOGISTIC / SOFTMAX did not make is the boxes (normalized boxes lie in [0, 1] too,
  // and a DETR's are a sigmoid's: one 4-wide member is the boxes whatever made it); the probabilities first as scores.
  const made = new Set(s.probabilities);
  const fours = s.outputs.filter((n) => width(n) === 4);
  const boxes = fours.length > 1 ? fours.find((n) => !made.has(n)) ?? fours[0] : fours[0];
  if (!boxes) return undefined;
  const rest = s.outputs.filter((n) => n !== boxes).sort((a, b) => Number(made.has(b)) - Number(made.has(a)));
  const classes = rest.find((n) => width(n) >= 2 && probabilities(data(n)));
  const scores = rest.find((n) => width(n) === 1 && probabilities(data(n)) && !whole(data(n)));
  const labels = rest.find((n) => width(n) === 1 && n !== scores && whole(data(n)));
  if (scores) return { boxes, scores, ...(labels ? { labels } : {}) };
  return classes ? { boxes, classes } : undefined;
}

/** One side's rows of selection block `o` (of `k` rows). */
function rowsOf(side: Map<string, Tensor>, p: NonNullable<ReturnType<typeof partsOf>>, o: number, k: number, outer: number): Rows {
  const get = (n: string) => side.get(n)!.data as Float32Array;
  const block = (n: string) => { const v = get(n); const w = v.length / (outer * k); return { v: v.subarray(o * k * w, (o + 1) * k * w), w }; };
  const b = block(p.boxes).v;
  const scores = new Float32Array(k);
  const labels = new Float32Array(k);
  if (p.scores) {
    scores.set(block(p.scores).v);
    if (p.labels) labels.set(block(p.labels).v);
  } else {
    const { v, w } = block(p.classes!);
    for (let r = 0; r < k; r++) {
      let c = 0;
      for (let j = 1; j < w; j++) if (v[r * w + j]! > v[r * w + c]!) c = j;
      scores[r] = v[r * w + c]!;
      labels[r] = c;
    }
  }
  return { boxes: b, scores, labels };
}

/** Rows `keep` of `r`. */
function only(r: Rows, keep: number[]): Rows {
  const boxes = new Float32Array(4 * keep.length);
  keep.forEach((i, q) => boxes.set(r.boxes.subarray(4 * i, 4 * i + 4), 4 * q));
  return { boxes, scores: Float32Array.from(keep, (i) => r.scores[i]!), labels: Float32Array.from(keep, (i) => r.labels[i]!) };
}

/** The selections' detections over the samples (see the header): counts, the score-weighted share held and the held
 *  pairs' boxes. */
export interface SelectedSetTally { outputs: Set<string>; ref: number; got: number; held: number; num: number; den: number; iou: number }

export const emptySetTally = (): SelectedSetTally => ({ outputs: new Set(), ref: 0, got: 0, held: 0, num: 0, den: 0, iou: 0 });

/** The selections judged as detections on these samples (every reference sample a detection selection, both sides
 *  present with the reference's sizes): their outputs by ONNX name. */
export function judgedSelections(refs: Map<string, Tensor>[], outputs: Map<string, Tensor>[], selections: readonly SelectedRows[]): SelectedRows[] {
  return selections.filter((s) => refs.length > 0 && refs.every((ref, k) => !!partsOf(ref, s) && s.outputs.every((n) => {
    const r = ref.get(n)?.data;
    const g = outputs[k]?.get(n)?.data;
    return r instanceof Float32Array && g instanceof Float32Array && g.length === r.length;
  })));
}

/** Adds selection `s` on one sample (`ref`: onnxruntime's outputs, `got`: the written model's) to `t`. */
export function addSelectedSets(t: SelectedSetTally, ref: Map<string, Tensor>, got: Map<string, Tensor>, s: SelectedRows): void {
  const p = partsOf(ref, s);
  if (!p) return;
  for (const n of s.outputs) t.outputs.add(n);
  for (let o = 0; o < s.outer; o++) {
    const a = rowsOf(ref, p, o, s.k, s.outer);
    const b = rowsOf(got, p, o, s.k, s.outer);
    const c = corners(a.boxes, b.boxes);
    a.boxes = c.ref;
    b.boxes = c.got;
    const over = (r: Rows) => Array.from(r.scores.keys()).filter((i) => r.scores[i]! > DETECTION_SCORE);
    const ra = only(a, over(a));
    const rb = only(b, over(b));
    const pairing = pairDetections(ra, rb);
    t.ref += ra.scores.length;
    t.got += rb.scores.length;
    for (const [i, j] of pairing.pairs) {
      t.held++;
      t.num += Math.min(ra.scores[i]!, rb.scores[j]!);
      t.iou += boxIou(ra.boxes, i, rb.boxes, j);
    }
    // Both sides' detections, each weighing its score, halved: a held pair of equal scores weighs as one detection, and
    // a candidate int8 ranks into the k in place of another is one detection lost and one gained (half each).
    for (const v of ra.scores) t.den += v / 2;
    for (const v of rb.scores) t.den += Number.isFinite(v) ? v / 2 : 0;
  }
}

/** The score-weighted share of detections held (1 when neither side has any). */
export const setShare = (t: SelectedSetTally): number => (t.den > 0 ? t.num / t.den : 1);
/** The held pairs' mean box IoU (1 when none). */
export const setIou = (t: SelectedSetTally): number => (t.held ? t.iou / t.held : 1);
