// Outputs sized at run time. A converter marks the tensors it sizes at run time (shape_signature -1, see
// ConvertContext.dynamicOutput), but an op downstream of one may still carry the static shape the ONNX model
// declares. LiteRT sizes such an output when it runs, so it must be marked too: the runners read dynamic outputs
// differently (src/runtime/litert-dynamic.ts), and so do LiteRT's users.
import type { TflSubgraph } from '../tflite/model';

/** Ops whose output shape never follows their inputs' run-time sizes (RESHAPE only with a constant shape). */
function sizesOwnOutput(sg: TflSubgraph, op: TflSubgraph['operators'][number]): boolean {
  if (op.opcode === 'SHAPE' || op.opcode === 'RANK') return true;
  if (op.opcode === 'RESHAPE') return op.inputs[1] !== undefined && op.inputs[1] >= 0 && sg.tensors[op.inputs[1]].data !== undefined;
  return false;
}

/** Marks (shape_signature all -1) the tensors computed from a tensor sized at run time: the graph outputs, and the
 *  intermediates that a debug copy (compare's taps) may make outputs. */
export function markDynamicOutputs(sg: TflSubgraph): void {
  const dynamic = new Set<number>();
  sg.tensors.forEach((t, i) => { if (t.shapeSignature?.some((d) => d < 0)) dynamic.add(i); });
  if (dynamic.size === 0) return;
  for (const op of sg.operators) {
    if (sizesOwnOutput(sg, op)) continue;
    if (op.inputs.some((i) => i >= 0 && dynamic.has(i))) for (const o of op.outputs) dynamic.add(o);
  }
  for (const o of dynamic) {
    const t = sg.tensors[o];
    if (!t.data && !t.shapeSignature?.some((d) => d < 0)) t.shapeSignature = t.shape.map(() => -1);
  }
}
