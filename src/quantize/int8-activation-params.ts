// The int8 activations' parameters (calibration ranges through TFLite's same-scale groups, fixed outputs, QDQ
// scales) and the join plumbing they decide: a join whose inputs' ranges are too far apart for one scale is left out
// of the groups and kept float32 with its tail (int8-mixed-joins.ts), an input a join keeps out of its group is
// requantized into the join's scale (int8-requantized-joins.ts), whole numbers carried into a join keep a step of 1.
// The int8 pass (int8.ts) reads these parameters; calibration asks which tensors still lack one.
import type { ConvertResult } from '../convert/convert';
import type { TflSubgraph } from '../tflite/model';
import { consumersOf, isFloatActivation, producersOf } from './graph';
import { floatIslands } from './int8-float-islands';
import { runTimeTailOps } from './int8-run-time-tail';
import { type ScaleGroups, scaleGroups } from './int8-scale-groups';
import { joinedInputs, joinOps, mixedJoinOps, paramsWidth, rangesTooFarApart } from './int8-mixed-joins';
import { requantizedJoinInputs } from './int8-requantized-joins';
import { INT8_OPS } from './int8-ops';
import { type QParams, type Range, paramsFromRange, sameParams } from './params';

/** Parameters for every float activation tensor that has a range (directly, through its same-scale group, or a
 *  fixed-output rule). `fixed` wins over ranges (QDQ scales). A join whose inputs' ranges are too far apart for one
 *  scale (int8-mixed-joins.ts) is left out of the groups: its inputs keep their own parameters and the int8 pass keeps
 *  it float32. */
export function activationParams(result: ConvertResult, ranges: Map<number, Range>, fixed: Map<number, QParams> = new Map()): Map<number, QParams> {
  const sg = result.model.subgraphs[0];
  const islands = floatIslands(sg);
  const except = (k: number) => islands.has(k);
  // Each join's inputs as they would be without the joins; QDQ scales are the model's own and stay as they are.
  const joins = ranges.size && !fixed.size ? joinOps(sg, except) : [];
  if (joins.length === 0) return groupParams(sg, scaleGroups(sg), ranges, fixed);
  const apartGroups = scaleGroups(sg, new Set(joins));
  const apart = groupParams(sg, apartGroups, ranges, fixed);
  const mixed = mixedJoinOps(sg, except, (inputs) => inputs.every((i) => apart.has(i)) && rangesTooFarApart(inputs.map((i) => paramsWidth(apart.get(i)!))));
  // A fixed output (TANH, LOGISTIC ...) joined with wider inputs, or an input much narrower than a join inside the
  // network, keeps its own scale and is requantized into the join's (int8-requantized-joins.ts).
  const cuts = requantizedJoinInputs(sg, (k) => except(k) || mixed.has(k), apartGroups, apart, ranges);
  return groupParams(sg, scaleGroups(sg, mixed, cuts), ranges, fixed);
}

function groupParams(sg: TflSubgraph, uf: ScaleGroups, ranges: Map<number, Range>, fixed: Map<number, QParams>): Map<number, QParams> {
  const t = sg.tensors;
  const fixedAll = new Map([...uf.fixed, ...fixed]);
  const groupRange = new Map<number, Range>();
  const groupFixed = new Map<number, QParams>();
  t.forEach((tt, i) => {
    if (!isFloatActivation(tt)) return;
    const g = uf.find(i);
    const f = fixedAll.get(i);
    if (f && !groupFixed.has(g)) groupFixed.set(g, f);
    const r = ranges.get(i);
    if (r) {
      const have = groupRange.get(g);
      groupRange.set(g, have ? { min: Math.min(have.min, r.min), max: Math.max(have.max, r.max) } : { ...r });
    }
  });
  // Whole numbers cast to float and carried as they are into a join or an output (an end-to-end detector's class
  // labels, index % classes → Cast → Concat) keep an integer grid: under their range's own scale (0-2 → 2/255) label 1
  // read 0.996, which a reader's int() turns into class 0. (Not those that arithmetic or a comparison reads: a
  // comparison's int8 kernel aborted on yoloFaceFingers' index math at scale 1.)
  const producer = producersOf(sg);
  const readers = consumersOf(sg);
  const outputs = new Set(sg.outputs);
  const carried = (i: number): boolean => (readers.get(i) ?? []).every((k) => {
    const op = sg.operators[k];
    return JOINS.has(op.opcode) || (MOVES.has(op.opcode) && op.inputs[0] === i && op.outputs.every(carried));
  }) && ((readers.get(i) ?? []).length > 0 || outputs.has(i));
  const whole = new Set<number>();
  t.forEach((tt, i) => {
    const k = producer.get(i);
    const op = k === undefined ? undefined : sg.operators[k];
    if (isFloatActivation(tt) && op?.opcode === 'CAST' && /INT/.test(t[op.inputs[0]]?.type ?? '') && carried(i)) whole.add(uf.find(i));
  });
  const params = new Map<number, QParams>();
  t.forEach((tt, i) => {
    if (!isFloatActivation(tt)) return;
    const g = uf.find(i);
    const p = groupFixed.get(g) ?? (groupRange.has(g) ? (whole.has(g) ? wholeParams : paramsFromRange)(groupRange.get(g)!) : undefined);
    if (p) params.set(i, p);
  });
  return params;
}

/** Ops that carry whole numbers unchanged (wholeParams), and the joins that end such a walk. */
const MOVES = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'TRANSPOSE']);
const JOINS = new Set(['CONCATENATION', 'PACK']);

/** Parameters on which every whole number of `r` is exact (step 1) when the range spans at most 255; else the range's. */
function wholeParams(r: Range): QParams {
  const lo = Math.floor(Math.min(0, r.min));
  const hi = Math.ceil(Math.max(0, r.max));
  return hi - lo <= 255 && Number.isFinite(lo) && Number.isFinite(hi) ? { scale: 1, zeroPoint: Math.max(-128, Math.min(127, -128 - lo)) } : paramsFromRange(r);
}

/** The ops kept float32 for joins the parameters split (activationParams): a join whose inputs' parameters differ,
 *  and its tail. */
export function splitJoinOps(sg: TflSubgraph, params: Map<number, QParams>, islands: Map<number, unknown>): Set<number> {
  return mixedJoinOps(sg, (k) => islands.has(k), (inputs) => inputs.every((i) => params.has(i)) && inputs.some((i) => !sameParams(params.get(i), params.get(inputs[0]))));
}

/** The float activation tensors that would stay without parameters (what calibration must still cover), and the
 *  inputs of joins that have no range of their own in `ranges`: a join's group may have parameters from one input
 *  alone (a sigmoid's fixed 0-1 beside pixel boxes), and whether its inputs fit one scale is decided on their own
 *  ranges (activationParams). */
export function tensorsWithoutParams(result: ConvertResult, params: Map<number, QParams>, ranges: Map<number, Range> = new Map()): number[] {
  const sg = result.model.subgraphs[0];
  const out = new Set<number>();
  const islands = floatIslands(sg);
  // The run-time-sized tail computes in float32 (int8-run-time-tail.ts): only the fixed-size part is calibrated.
  const tail = runTimeTailOps(sg);
  sg.operators.forEach((op, k) => {
    if (!INT8_OPS[op.opcode] || tail.has(k)) return;
    for (const i of [...op.inputs, ...op.outputs]) if (i >= 0 && isFloatActivation(sg.tensors[i]) && !params.has(i)) out.add(i);
  });
  for (const k of joinOps(sg, (j) => islands.has(j))) for (const i of joinedInputs(sg, k)) if (!ranges.has(i)) out.add(i);
  return [...out];
}
