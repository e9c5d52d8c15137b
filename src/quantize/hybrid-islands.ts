// Hybrid islands: an op that mixed precision (mixed-precision.ts) keeps out of int8 computes in float32 on float
// activations, but its large weights stay int8 in the file — an INT8 constant read through a DEQUANTIZE (as
// `--quantize dynamic` writes them; quantizeInt8 ends with that pass), which LiteRT evaluates once, at the first
// run, since its input is constant. Such an op costs no size over int8 (only the int8 → float32 copy in memory):
// every weight input of a float op is stored int8 (weights.ts storedInt8), so the size budget charges it nothing.
import type { TflOperator, TflSubgraph, TflTensor } from '../tflite/model';
import { INT8_OPS } from './int8-ops';
import { elementCount } from './params';
import { storedInt8 } from './weights';
import { isConst } from './graph';

/** Bytes an op adds to the file when it stays float32 instead of int8: 3 per weight stored float32 (4 instead of 1),
 *  none for weights stored int8 (storedInt8: a weight input always is). Biases cost the same (int32 or float32). */
export function floatWeightCost(op: TflOperator, tensors: TflTensor[]): number {
  if (!INT8_OPS[op.opcode]?.weights) return 0;
  const w = op.inputs[1] >= 0 ? tensors[op.inputs[1]] : undefined;
  if (!w?.data || w.type !== 'FLOAT32') return 0;
  const n = elementCount(w.shape);
  return storedInt8(n, true, true) ? 0 : 3 * n;
}

/** The float32 ops of a quantized subgraph that compute from int8-stored weights (a DEQUANTIZE of an INT8 constant
 *  as their weight input): the hybrid islands as written. */
export function hybridIslandOps(sg: TflSubgraph): TflOperator[] {
  const dequantized = new Set<number>();
  for (const op of sg.operators) {
    if (op.opcode !== 'DEQUANTIZE') continue;
    const src = sg.tensors[op.inputs[0]];
    if (src?.type === 'INT8' && isConst(src)) dequantized.add(op.outputs[0]);
  }
  return sg.operators.filter((op) => INT8_OPS[op.opcode]?.weights && op.opcode !== 'DEQUANTIZE'
    && sg.tensors[op.inputs[0]]?.type === 'FLOAT32' && dequantized.has(op.inputs[1]));
}
