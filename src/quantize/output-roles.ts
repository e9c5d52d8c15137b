// What the graph says of an output that the guard's element-wise cosine misreads (s28-guard6; judged in
// task-layouts.ts), found on the converted model's ops, no name or model assumed:
// - an angle: made by ATAN2, through views, GATHERs / slices by constants, a quadrant correction (an ADD / SUB of a constant or of a SELECT between
//   constants: ±π) and a SELECT between such values — torch's atan2 below opset 20, Where(x < 0, atan(y / x) ± π,
//   atan(y / x)). APNet2's phase: int8 moves a value near ±π across the cut, 2π in the cosine's eyes;
// - mixed detector rows: rows ([.., N, W]) joined on their columns by a CONCATENATION of parts each made by a LOGISTIC,
//   a SOFTMAX or anything else ("raw"), with one SOFTMAX block of C >= 2 classes, a LOGISTIC block of A scores and
//   4A box columns (one or more blocks) beside it, the same on every row part (Yolo-FastestV2: per cell 3 anchors'
//   sigmoid boxes, 3 sigmoid objectness values, 80 softmax classes shared by the anchors; two grids' rows joined);
// - classes by steps: an output whose class axis is not its last ([C, T]: LPRNet's [68, 18], read by arg-max over
//   the 68 per position), found as a value whose last axis is a class axis, through views and TRANSPOSEs that move that
//   axis off the last in ONNX order (the model's own Transpose, or the output's stored layout): made by a
//   SOFTMAX / LOG_SOFTMAX, or a MEAN over other axes of a CONV_2D / FULLY_CONNECTED (LPRNet's mean over the rows of
//   its class conv), with one non-unit axis besides the classes (steps, not a map);
// - rows a TOPK_V2 selected (selected-sets.ts: a DETR's top-k queries, boxes and class scores gathered at its
//   indices), read as detection sets whatever their rank;
// - tables that may be two-class rows ([.., N, 2], no box table beside: two-class-rows.ts), read by each row's
//   arg-max when their rows are independent answers;
// - a pitch decoded from cents (a POW of 2 times constants, 0 where unvoiced: pitch-frames.ts), judged in cents;
// - multi-label sigmoid probabilities (a LOGISTIC of a FULLY_CONNECTED: multi-label.ts), judged by their decisions at 0.5.
// The roles ride on the set of probability outputs every guard path already passes along (output-cosine.ts
// probabilityOutputs returns a RoledOutputs): the search's measure, the guard and the held-out guard see them alike.
import type { TflSubgraph } from '../tflite/model';
import type { OnnxLiteMetadata } from '../convert/metadata';
import { producersOf } from './graph';
import { type SelectedRows, selectedRowOutputs } from './selected-sets';
import { twoClassOutputs } from './two-class-rows';
import { pitchOutputs } from './pitch-frames';
import { multiLabelOutputs } from './multi-label';

/** Columns of a mixed detector row: `anchors` boxes of 4 from `boxes`, their scores from `scores`, one class
 *  distribution of `classes` columns from `classStart` (column indices in ONNX order). */
export interface RowLayout { width: number; anchors: number; boxes: number; scores: number; classStart: number; classes: number }

export interface OutputRoles {
  /** ONNX names of angle outputs (radians, wrapping at ±π). */
  angles: Set<string>;
  /** ONNX name → the columns of its mixed detector rows. */
  detectorRows: Map<string, RowLayout>;
  /** ONNX name → its class axis (ONNX order), not the last: classes by steps. */
  stepClasses: Map<string, number>;
  /** Outputs whose rows a TOPK_V2 inside the model selected, by selection (selected-sets.ts); absent: none. */
  selectedRows?: SelectedRows[];
  /** Outputs that may be two-class rows (two-class-rows.ts twoClassOutputs); absent: none. */
  twoClass?: Set<string>;
  /** Outputs that are a pitch decoded from cents (pitch-frames.ts); absent: none. */
  pitch?: Set<string>;
  /** Outputs that are multi-label sigmoid probabilities (multi-label.ts); absent: none. */
  labels?: Set<string>;
}

export const noRoles = (): OutputRoles => ({ angles: new Set(), detectorRows: new Map(), stepClasses: new Map() });

/** The probability outputs' names (a Set as before) carrying the outputs' roles. */
export class RoledOutputs extends Set<string> {
  constructor(names: Iterable<string>, readonly roles: OutputRoles) { super(names); }
}

/** The roles carried by a probability set (none when it is a plain set). */
export const rolesOf = (s: ReadonlySet<string> | undefined): OutputRoles => (s instanceof RoledOutputs ? s.roles : noRoles());

const VIEWS = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'DEQUANTIZE', 'QUANTIZE']);
const MAX_DEPTH = 24;

/** Whether tensor `t` is an angle made by ATAN2 (see the header); `memo`: tensors already answered (a SELECT reads
 *  its branches, each maybe shared: walked once). */
export function isAngle(sg: TflSubgraph, t: number, producer = producersOf(sg), depth = 0, memo = new Map<number, boolean>()): boolean {
  const known = memo.get(t);
  if (known !== undefined) return known;
  const answer = angleWalk(sg, t, producer, depth, memo);
  memo.set(t, answer);
  return answer;
}

function angleWalk(sg: TflSubgraph, t: number, producer: Map<number, number>, depth: number, memo: Map<number, boolean>): boolean {
  const k = producer.get(t);
  if (k === undefined || depth > MAX_DEPTH) return false;
  const op = sg.operators[k];
  const constant = (i: number) => i >= 0 && !!sg.tensors[i]?.data;
  // A constant, or a SELECT between constants (the quadrant's +π / −π), also through a DEQUANTIZE (an int8 file).
  const fixed = (i: number, d = 0): boolean => {
    if (constant(i)) return true;
    const p = producer.get(i);
    const s = p === undefined || d > 4 ? undefined : sg.operators[p];
    if (s && VIEWS.has(s.opcode)) return fixed(s.inputs[0], d + 1);
    return !!s && (s.opcode === 'SELECT' || s.opcode === 'SELECT_V2') && s.inputs.slice(1).every((x) => fixed(x, d + 1));
  };
  switch (op.opcode) {
    case 'ATAN2': return true;
    case 'TRANSPOSE': return isAngle(sg, op.inputs[0], producer, depth + 1, memo);
    // Some of the angles, by constant indices or bounds (MP-SENet's phase: a GATHER of its [B, 1, T, F] map's channel).
    case 'GATHER': case 'SLICE': case 'STRIDED_SLICE':
      return op.inputs.slice(1).every((i) => i < 0 || constant(i)) && isAngle(sg, op.inputs[0], producer, depth + 1, memo);
    case 'SELECT': case 'SELECT_V2': {
      const computed = op.inputs.slice(1).filter((i) => !fixed(i));
      return computed.length > 0 && computed.every((i) => isAngle(sg, i, producer, depth + 1, memo));
    }
    case 'ADD': case 'SUB': {
      const [a, b] = op.inputs;
      return (isAngle(sg, a, producer, depth + 1, memo) && fixed(b)) || (op.opcode === 'ADD' && fixed(a) && isAngle(sg, b, producer, depth + 1, memo));
    }
    default: return VIEWS.has(op.opcode) && isAngle(sg, op.inputs[0], producer, depth + 1, memo);
  }
}

type Block = { kind: 'sigmoid' | 'softmax' | 'raw'; width: number };

/** The kind of a row part: the op making it, through views that keep its last axis. */
function partKind(sg: TflSubgraph, t: number, producer: Map<number, number>): Block['kind'] {
  let k = producer.get(t);
  let cur = t;
  while (k !== undefined && VIEWS.has(sg.operators[k].opcode) && sg.tensors[sg.operators[k].inputs[0]].shape.at(-1) === sg.tensors[cur].shape.at(-1)) {
    cur = sg.operators[k].inputs[0];
    k = producer.get(cur);
  }
  const op = k === undefined ? undefined : sg.operators[k].opcode;
  return op === 'LOGISTIC' ? 'sigmoid' : op === 'SOFTMAX' ? 'softmax' : 'raw';
}

/** The column blocks of a column CONCATENATION (its last axis), or undefined. */
function columnBlocks(sg: TflSubgraph, t0: number, producer: Map<number, number>): Block[] | undefined {
  let t = t0;
  for (let v = producer.get(t); v !== undefined && VIEWS.has(sg.operators[v].opcode) && sg.tensors[sg.operators[v].inputs[0]].shape.join() === sg.tensors[t].shape.join(); v = producer.get(t)) t = sg.operators[v].inputs[0];
  const k = producer.get(t);
  if (k === undefined) return undefined;
  const op = sg.operators[k];
  const rank = sg.tensors[t].shape.length;
  const axis = op.options?.axis as number | undefined;
  if (op.opcode !== 'CONCATENATION' || axis === undefined || (axis !== rank - 1 && axis !== -1)) return undefined;
  const blocks: Block[] = [];
  for (const i of op.inputs) {
    const b = { kind: partKind(sg, i, producer), width: sg.tensors[i].shape.at(-1) ?? 0 };
    blocks.push(b);
  }
  return blocks;
}

/** The row layout of blocks (see the header), or undefined. */
export function rowLayout(blocks: Block[]): RowLayout | undefined {
  const soft = blocks.filter((b) => b.kind === 'softmax');
  if (soft.length !== 1 || soft[0].width < 2) return undefined;
  const at = blocks.indexOf(soft[0]);
  const before = blocks.slice(0, at);
  const width = blocks.reduce((s, b) => s + b.width, 0);
  const rest = width - soft[0].width;
  if (rest <= 0 || rest % 5 !== 0 || blocks.slice(at + 1).length) return undefined;
  const anchors = rest / 5;
  // The scores: a sigmoid block of A columns after the 4A box columns (YOLO's order), or before them.
  const starts = before.map((_, i) => before.slice(0, i).reduce((s, b) => s + b.width, 0));
  const scoreAt = (col: number) => before.findIndex((b, i) => b.kind === 'sigmoid' && b.width === anchors && starts[i] === col);
  if (scoreAt(4 * anchors) >= 0) return { width, anchors, boxes: 0, scores: 4 * anchors, classStart: rest, classes: soft[0].width };
  if (scoreAt(0) >= 0) return { width, anchors, boxes: anchors, scores: 0, classStart: rest, classes: soft[0].width };
  return undefined;
}

/** The mixed detector row layout of output tensor `o` (rows joined on their columns, possibly several row parts
 *  joined on the rows), or undefined. */
function detectorRowsOf(sg: TflSubgraph, o: number, producer: Map<number, number>): RowLayout | undefined {
  let t = o;
  for (let k = producer.get(t); k !== undefined && VIEWS.has(sg.operators[k].opcode); k = producer.get(t)) {
    if (sg.tensors[sg.operators[k].inputs[0]].shape.at(-1) !== sg.tensors[t].shape.at(-1)) return undefined;
    t = sg.operators[k].inputs[0];
  }
  const k = producer.get(t);
  if (k === undefined) return undefined;
  const op = sg.operators[k];
  const rank = sg.tensors[t].shape.length;
  const axis = op.options?.axis as number | undefined;
  // Row parts joined on the rows: each one the same layout.
  const parts = op.opcode === 'CONCATENATION' && axis !== undefined && axis !== rank - 1 && axis !== -1 ? op.inputs : [t];
  let layout: RowLayout | undefined;
  for (const p of parts) {
    const blocks = columnBlocks(sg, p, producer);
    const l = blocks && rowLayout(blocks);
    if (!l || (layout && JSON.stringify(l) !== JSON.stringify(layout))) return undefined;
    layout = l;
  }
  return layout;
}

/** The ONNX class axis of output `o` when it is a class axis other than the last (see the header), or undefined. */
function stepClassAxis(sg: TflSubgraph, o: number, perm: readonly number[], producer: Map<number, number>): number | undefined {
  // Back to the source through views and TRANSPOSEs, recording the chain.
  const chain: { op: string; perm?: number[]; from: number; to: number }[] = [];
  let t = o;
  for (let k = producer.get(t); k !== undefined; k = producer.get(t)) {
    const op = sg.operators[k];
    if (op.opcode !== 'TRANSPOSE' && !VIEWS.has(op.opcode)) break;
    const p = op.opcode === 'TRANSPOSE' ? sg.tensors[op.inputs[1]]?.data : undefined;
    chain.unshift({ op: op.opcode, ...(p ? { perm: Array.from(new Int32Array(p.buffer.slice(p.byteOffset, p.byteOffset + p.byteLength))) } : {}), from: op.inputs[0], to: t });
    t = op.inputs[0];
  }
  const k = producer.get(t);
  if (k === undefined) return undefined;
  const src = sg.operators[k];
  const shape = sg.tensors[t].shape;
  const classes = shape.at(-1) ?? 1;
  let classy = src.opcode === 'SOFTMAX' || src.opcode === 'LOG_SOFTMAX';
  if (src.opcode === 'MEAN') {
    const p = producer.get(src.inputs[0]);
    const inner = p === undefined ? undefined : sg.operators[p].opcode;
    classy = (inner === 'CONV_2D' || inner === 'FULLY_CONNECTED') && sg.tensors[src.inputs[0]].shape.at(-1) === classes;
  }
  if (!classy || classes < 2 || shape.filter((d) => d > 1).length !== 2) return undefined;
  // Forward: the class axis through the chain (a view keeps it when it only adds or drops unit dims).
  let axis = shape.length - 1;
  for (const c of chain) {
    if (c.perm) { axis = c.perm.indexOf(axis); continue; }
    const a = sg.tensors[c.from].shape;
    const b = sg.tensors[c.to].shape;
    const nonUnit = (s: number[]) => s.filter((d) => d !== 1);
    if (nonUnit(a).join() !== nonUnit(b).join()) return undefined;
    const rank = a.slice(0, axis).filter((d) => d !== 1).length;
    axis = b.findIndex((d, i) => d !== 1 && b.slice(0, i).filter((x) => x !== 1).length === rank);
  }
  const onnxAxis = perm[axis] ?? axis;
  const rank = sg.tensors[o].shape.length;
  return axis >= 0 && onnxAxis !== rank - 1 ? onnxAxis : undefined;
}

/** The roles of a converted model's outputs (by ONNX name). */
export function outputRoles(sg: TflSubgraph, metadata: Pick<OnnxLiteMetadata, 'outputs'>): OutputRoles {
  const roles = noRoles();
  const producer = producersOf(sg);
  sg.outputs.forEach((o, j) => {
    const m = metadata.outputs.find((x) => x.tflite === o) ?? metadata.outputs[j];
    if (!m || !(sg.tensors[o].type === 'FLOAT32' || sg.tensors[o].quantization?.scale?.length)) return;
    if (isAngle(sg, o, producer)) { roles.angles.add(m.onnx); return; }
    const identity = m.perm.every((p, i) => p === i);
    const rows = identity ? detectorRowsOf(sg, o, producer) : undefined;
    if (rows) { roles.detectorRows.set(m.onnx, rows); return; }
    const axis = stepClassAxis(sg, o, m.perm, producer);
    if (axis !== undefined) roles.stepClasses.set(m.onnx, axis);
  });
  const selected = selectedRowOutputs(sg, metadata);
  if (selected.length) roles.selectedRows = selected;
  const two = twoClassOutputs(sg, metadata);
  if (two.size) roles.twoClass = two;
  const pitch = pitchOutputs(sg, new Map(sg.outputs.flatMap((o, j) => { const m = metadata.outputs.find((x) => x.tflite === o) ?? metadata.outputs[j]; return m ? [[o, m.onnx] as [number, string]] : []; })));
  if (pitch.size) roles.pitch = pitch;
  // Not a selection's rows (a DETR's top-k class scores: read as detection sets) nor detector rows.
  const taken = new Set([...selected.flatMap((x) => [...x.outputs, ...x.probabilities ?? []]), ...roles.detectorRows.keys()]);
  const labels = new Set([...multiLabelOutputs(sg, metadata)].filter((n) => !taken.has(n)));
  if (labels.size) roles.labels = labels;
  return roles;
}
