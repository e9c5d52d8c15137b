// Joins of tensors whose ranges differ too much for one int8 scale. TFLite's int8 CONCATENATION / PACK take one scale
// for their inputs and output; a YOLO head (YOLOv5 / v8 / v10 exports; @idscan/idvc2's yoloFaceFingers) joins boxes
// in pixels (0-320) and sigmoid class scores (0-1) into one tensor before its top-k, where the joint step (~1.25)
// rounds every score to 0 or 1.25 (yoloFaceFingers: 0 / 40 documents found by int8). Such a join, and what carries
// the joined tensor on (transpose, reshape, arithmetic...) up to the model outputs or to the slices that take the
// parts apart again, stays float32; each input keeps its own scale (a DEQUANTIZE in front of the join) and each
// slice's output gets its own range again. Only a join near the outputs qualifies: a joined tensor that reaches a
// layer with weights (a backbone's or neck's concatenation) keeps int8 with the joint scale, as before.
import type { TflSubgraph } from '../tflite/model';
import { consumersOf, isConst, isFloatActivation } from './graph';
import type { QParams } from './params';

/** Ops that join tensors along an axis into one. */
const JOIN_OPS = new Set(['CONCATENATION', 'PACK']);
/** Ops that take the parts of a joined tensor apart again: their outputs get their own ranges (the float tail ends). */
const SEPARATE_OPS = new Set(['STRIDED_SLICE', 'SLICE', 'SPLIT', 'SPLIT_V', 'GATHER', 'GATHER_ND', 'UNPACK']);
/** Layers with weights: a joined tensor that reaches one is a network's feature map, not a head's result. */
const WEIGHT_OPS = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'TRANSPOSE_CONV', 'CONV_3D', 'BATCH_MATMUL']);
/** The narrowest input gets fewer than this many int8 levels under the joint scale: the join is mixed. At 16 levels a
 *  0-1 score moves in steps of 1/16; under YOLO's pixel scale it gets less than one level. */
export const MIN_JOINT_LEVELS = 16;
/** At most this many ops stay float behind one join (a head's post-processing; more is a network). */
const MAX_TAIL = 64;

/** The width of the int8 range a tensor's parameters cover. */
export const paramsWidth = (p: QParams): number => p.scale * 255;

/** The ops a join `k` keeps float32 (itself and its tail up to the outputs or the separating ops), or undefined when
 *  the joined tensor reaches a layer with weights or the tail is longer than MAX_TAIL. */
function tailOf(sg: TflSubgraph, k: number, readers: Map<number, number[]>): Set<number> | undefined {
  const ops = new Set([k]);
  const todo = [...sg.operators[k].outputs];
  while (todo.length) {
    for (const r of readers.get(todo.pop()!) ?? []) {
      if (ops.has(r)) continue;
      const op = sg.operators[r];
      if (WEIGHT_OPS.has(op.opcode) || ops.size >= MAX_TAIL) return undefined;
      ops.add(r);
      if (!SEPARATE_OPS.has(op.opcode)) todo.push(...op.outputs.filter((o) => isFloatActivation(sg.tensors[o])));
    }
  }
  return ops;
}

/** Whether join `k`'s joined tensor reaches a layer with weights (or a tail longer than MAX_TAIL): a network's
 *  feature map, which stays int8 (int8-requantized-joins.ts). */
export function tailReachesWeights(sg: TflSubgraph, k: number, readers: Map<number, number[]>): boolean {
  return tailOf(sg, k, readers) === undefined;
}

/** The float activation inputs of a join (constants and integer tensors excluded). */
export function joinedInputs(sg: TflSubgraph, k: number): number[] {
  return sg.operators[k].inputs.filter((i) => i >= 0 && isFloatActivation(sg.tensors[i]) && !isConst(sg.tensors[i]));
}

/** Every join op of `sg` (not in `except`) with at least two float activation inputs. */
export function joinOps(sg: TflSubgraph, except: (k: number) => boolean): number[] {
  return sg.operators.flatMap((op, k) => (JOIN_OPS.has(op.opcode) && !except(k) && joinedInputs(sg, k).length > 1 ? [k] : []));
}

/** Op indices kept float32 for the joins `mixed(k)` picks (among joinOps), with their tails; a join whose tail
 *  reaches a weighted layer is left out. */
export function mixedJoinOps(sg: TflSubgraph, except: (k: number) => boolean, mixed: (inputs: number[]) => boolean): Set<number> {
  const readers = consumersOf(sg);
  const out = new Set<number>();
  for (const k of joinOps(sg, except)) {
    if (!mixed(joinedInputs(sg, k))) continue;
    const tail = tailOf(sg, k, readers);
    if (tail) for (const o of tail) out.add(o);
  }
  return out;
}

/** The rule on calibrated parameters: the narrowest input's width over the joint width (the widest, as the union
 *  of ranges that include 0 is at most the sum) leaves it fewer than MIN_JOINT_LEVELS of 255 steps. */
export function rangesTooFarApart(widths: number[]): boolean {
  const lo = Math.min(...widths);
  const hi = Math.max(...widths);
  return widths.length > 1 && hi > 0 && (lo / hi) * 255 < MIN_JOINT_LEVELS;
}
