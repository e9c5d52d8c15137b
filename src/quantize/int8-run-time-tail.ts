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
import { consumersOf, isFloatActivation } from './graph';
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
