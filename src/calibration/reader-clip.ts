// Activation ranges narrowed to what their readers can tell apart: an int8 tensor read only by ops that give the same
// result for every value below L (or above U) needs no int8 level below L (above U). HARD_SWISH is 0 below -3, RELU
// 0 below 0, RELU6 also 6 above 6, RELU_N1_TO_1 -1/1 outside [-1, 1], and so on for an op's fused activation.
// Clipping such a range is exact: the int8 kernel saturates the producer's output at the range's end, which the
// reader maps to the same value as anything beyond it. Trained MobileNetV3-style networks feed HARD_SWISH with conv
// outputs whose negative tail is as long as the positive one (PP-OCRv4 det's stem: -298..233 into a HARD_SWISH):
// clipping at -3 halves their int8 step (6 dB on every HARD_SWISH input).
// Tensors passed on by same-scale ops (PAD, RESHAPE, RESIZE...: one scale for input and output) count their readers'
// readers; a graph output or any other reader keeps the range as measured.
import type { ConvertResult } from '../convert/convert';
import type { TflOperator, TflSubgraph } from '../tflite/model';
import { consumersOf, isConst } from '../quantize/graph';
import { INT8_OPS } from '../quantize/int8-ops';
import type { Range } from '../quantize/params';

type Interval = [number, number];
const ALL: Interval = [-Infinity, Infinity];

/** The input values an op tells apart (outside them its output is constant), for its data input. */
const READER_INTERVAL: Record<string, Interval> = {
  HARD_SWISH: [-3, Infinity],
  RELU: [0, Infinity],
  RELU6: [0, 6],
  RELU_N1_TO_1: [-1, 1],
  RELU_0_TO_1: [0, 1],
};
/** Same-scale ops that only move values (zero padding keeps 0, inside every interval here). */
const PASS_ON = new Set(['PAD', 'RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'TRANSPOSE', 'STRIDED_SLICE', 'SLICE', 'GATHER', 'SPLIT', 'SPLIT_V', 'TILE',
  'BROADCAST_TO', 'DEPTH_TO_SPACE', 'SPACE_TO_DEPTH', 'RESIZE_NEAREST_NEIGHBOR', 'RESIZE_BILINEAR', 'MAX_POOL_2D', 'REVERSE_V2']);

function dataInput(op: TflOperator): number {
  return op.opcode === 'SPLIT' ? op.inputs[1] : op.inputs[0];
}

/** The interval of `tensor`'s values that any reader tells apart (ALL when one reader needs everything). */
export function readerInterval(sg: TflSubgraph, tensor: number, readers = consumersOf(sg), outputs = new Set(sg.outputs), depth = 0): Interval {
  const r = readers.get(tensor) ?? [];
  if (outputs.has(tensor) || r.length === 0 || depth > 16) return ALL;
  let lo = Infinity;
  let hi = -Infinity;
  for (const k of r) {
    const op = sg.operators[k];
    let iv: Interval;
    if (READER_INTERVAL[op.opcode] && op.inputs[0] === tensor) iv = READER_INTERVAL[op.opcode];
    else if (PASS_ON.has(op.opcode) && dataInput(op) === tensor && INT8_OPS[op.opcode]?.sameScale && !op.inputs.slice(1).some((i) => i === tensor)) {
      // Zero padding (PAD, and PADV2 is not here) must stay representable: every interval here holds 0 or starts at it.
      iv = [Infinity, -Infinity];
      for (const o of op.outputs) {
        const v = readerInterval(sg, o, readers, outputs, depth + 1);
        iv = [Math.min(iv[0], v[0]), Math.max(iv[1], v[1])];
      }
      if (op.opcode === 'PAD') iv = [Math.min(iv[0], 0), Math.max(iv[1], 0)];
    } else return ALL;
    lo = Math.min(lo, iv[0]);
    hi = Math.max(hi, iv[1]);
  }
  return [lo, hi];
}

/** `ranges` with each activation's range clipped to its readers' interval (in place; returned). A range that would
 *  not hold 0 keeps 0 (TFLite's parameters always represent it). A clipped end goes one int8 step beyond the
 *  interval's end: the zero point's rounding moves the range by up to half a step, and a saturated value must stay
 *  at or beyond the end (HARD_SWISH(-2.8) is not 0: clipping at exactly -3 left [-2.78, 233] and made PP-OCRv4
 *  det's stem worse, not better). */
export function clipToReaders(result: ConvertResult, ranges: Map<number, Range>): Map<number, Range> {
  const sg = result.model.subgraphs[0];
  const readers = consumersOf(sg);
  const outputs = new Set(sg.outputs);
  for (const [t, r] of ranges) {
    if (isConst(sg.tensors[t])) continue;
    const [lo, hi] = readerInterval(sg, t, readers, outputs);
    if (lo <= r.min && hi >= r.max) continue;
    let min = Math.min(0, Math.max(r.min, lo));
    let max = Math.max(0, Math.min(r.max, hi));
    const step = (max - min) / 254;
    if (min > r.min) min = Math.max(r.min, min - step);
    if (max < r.max) max = Math.min(r.max, max + step);
    ranges.set(t, { min, max });
  }
  return ranges;
}
