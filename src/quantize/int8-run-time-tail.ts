// The run-time-sized tail of a model stays float32 in int8 models; the fixed-size part before it is int8. A detector
// that carries its post-processing in the graph (torchvision's SSDlite / RetinaNet / Faster R-CNN, DDQ-DETR's
// distinct queries) computes a fixed-size backbone and heads up to the boxes and scores entering NonMaxSuppression,
// and after it tensors sized at run time (the kept boxes, NonZero's rows, a TopK of a computed k) and whatever reads
// them (the selected boxes' gathers, DDQ's decoder over the kept queries). Full int8 refused such models whole ("use
// fp16 or dynamic"): the int8 pass calibrates each activation on a fixed shape and LiteRT's taps cannot read a tensor
// whose size moves. Here the tail — every op that reads or writes a tensor sized at run time (a -1 in its shape
// signature), and every op downstream of one — computes in float32 (its weights int8 behind a DEQUANTIZE, as every
// float op of the int8 pass keeps them, weights.ts storedInt8), and only the fixed-size part is calibrated
// (int8-activation-params.ts tensorsWithoutParams leaves the tail out). The selection itself (NMS over scores that
// int8 rounded) is judged by the guard on the detections as sets (box-rows.ts), as the self-check pairs them.
import type { TflSubgraph, TflTensor } from '../tflite/model';
import { consumersOf, isFloatActivation, producersOf } from './graph';
import { INT8_OPS } from './int8-ops';

/** Whether an activation is sized at run time (a negative dim in its shape signature). */
export const sizedAtRunTime = (t: TflTensor): boolean => !t.data && !!t.shapeSignature?.some((d) => d < 0);

/** Op indices: every op reading or writing a tensor sized at run time, and every op downstream of those. */
export function runTimeTailOps(sg: TflSubgraph): Set<number> {
  const out = new Set<number>();
  const readers = consumersOf(sg);
  const stack: number[] = [];
  sg.operators.forEach((op, k) => {
    if ([...op.inputs, ...op.outputs].some((i) => i >= 0 && sizedAtRunTime(sg.tensors[i]))) { out.add(k); stack.push(k); }
  });
  while (stack.length) {
    const k = stack.pop()!;
    for (const o of sg.operators[k].outputs) {
      for (const r of readers.get(o) ?? []) if (!out.has(r)) { out.add(r); stack.push(r); }
    }
  }
  return out;
}

/** Whether no op with an int8 kernel computes on float activations before the tail: int8 would quantize nothing (a
 *  model sized at run time from its first op on: NonZero of the input). */
export function runTimeOnly(sg: TflSubgraph): boolean {
  const tail = runTimeTailOps(sg);
  return !sg.operators.some((op, k) => !tail.has(k) && INT8_OPS[op.opcode]
    && [...op.inputs, ...op.outputs].some((i) => i >= 0 && isFloatActivation(sg.tensors[i])));
}

/** Ops that rank or select and so decide which rows the tail gets. */
const SELECTORS = new Set(['NON_MAX_SUPPRESSION_V4', 'NON_MAX_SUPPRESSION_V5', 'TOPK_V2']);
/** What carries scores / boxes from their layer to a selector without mixing rows: walked back through. */
const SCORE_PATH = new Set(['LOGISTIC', 'TANH', 'REDUCE_MAX', 'GATHER', 'RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'STRIDED_SLICE',
  'SLICE', 'TRANSPOSE', 'CONCATENATION', 'SELECT_V2', 'SELECT', 'ADD', 'SUB', 'MUL', 'EXP', 'SOFTMAX']);
/** The layers that make them: kept float too (they compute in float from int8 weights and an int8 input). */
const SCORE_LAYERS = new Set(['FULLY_CONNECTED', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'BATCH_MATMUL']);

/** Op indices: the fixed-size ops that make what the tail reads and what a selector whose rows reach the tail ranks (a
 *  TopK before NMS), back from those float values through row-wise ops to and with the layers making them. int8 gives a sigmoid
 *  score a fixed 1/256 step: DDQ-DETR's 400 query scores tied in int8 and the sort before its NMS took them in another
 *  order (its detections paired as sets 93% against float16's 99.5%). */
export function selectionInputOps(sg: TflSubgraph): Set<number> {
  const tail = runTimeTailOps(sg);
  const prod = producersOf(sg);
  const readers = consumersOf(sg);
  const out = new Set<number>();
  const reachesTail = (k: number) => sg.operators[k].outputs.some((o) => (readers.get(o) ?? []).some((r) => tail.has(r)));
  const back = (t: number, depth: number) => {
    const p = prod.get(t);
    if (p === undefined || tail.has(p) || out.has(p) || depth > 12 || !isFloatActivation(sg.tensors[t])) return;
    const op = sg.operators[p];
    if (SCORE_LAYERS.has(op.opcode)) { out.add(p); return; }
    if (!SCORE_PATH.has(op.opcode)) return;
    out.add(p);
    for (const i of op.inputs) if (i >= 0) back(i, depth + 1);
  };
  sg.operators.forEach((op, k) => {
    // The fixed-size values the tail reads (SSDlite's class scores into its per-class thresholds and NMS), and those a
    // selector before the tail ranks (DDQ-DETR's TopK of query scores before its NMS).
    if (tail.has(k)) for (const i of op.inputs) if (i >= 0) back(i, 0);
    if (!SELECTORS.has(op.opcode) || tail.has(k) || !reachesTail(k)) return;
    out.add(k);
    for (const i of op.inputs) if (i >= 0) back(i, 0);
  });
  return out;
}
