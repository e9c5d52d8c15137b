// A RELU right after a QUANTIZE (float32 → int8: a float op's output entering int8, e.g. a TRANSPOSE_CONV, which
// stays float32, then a Relu; PP-OCR det's head with its BatchNormalization folded in) is written as the QUANTIZE
// alone into the RELU's output: that tensor's range starts at 0 (zero point -128), so QUANTIZE's saturation is the
// RELU, exactly, and it rounds once instead of twice. LiteRT's XNNPack delegate does not take an int8 RELU: TFLite's
// kernel ran PP-OCRv4 det's [1, 320, 320, 24] one in 14.1 ms against 1.0 ms for the float32 RELU (bench/op-latency.ts).
// Any other int8 RELU whose output range starts at 0 is an int8 → int8 QUANTIZE into that output (requantizeRelus): the
// same saturation, which XNNPack runs — [1, 160, 160, 24] alone: RELU 5.1 ms, the QUANTIZE 0.10 ms, float32 RELU 0.32 ms
// (LiteRT.js 2.5.3 compat, load 25), outputs within one step (rounding) of the RELU's.
import type { TflSubgraph, TflTensor } from '../tflite/model';
import { consumersOf, producersOf } from './graph';
import { QUANTIZE_VERSION } from './int8-ops';

export function foldReluIntoQuantize(sg: TflSubgraph, graphOutputs: ReadonlySet<number> = new Set(sg.outputs)): number {
  const t = sg.tensors;
  const readers = consumersOf(sg);
  const producer = producersOf(sg);
  const drop = new Set<number>();
  sg.operators.forEach((op, k) => {
    if (op.opcode !== 'RELU' || (op.options?.fusedActivationFunction ?? 'NONE') !== 'NONE') return;
    const x = op.inputs[0];
    const y = op.outputs[0];
    const q = producer.get(x);
    const quant = q === undefined ? undefined : sg.operators[q];
    const yq = t[y].quantization;
    if (!quant || quant.opcode !== 'QUANTIZE' || t[quant.inputs[0]].type !== 'FLOAT32' || t[x].type !== 'INT8' || t[y].type !== 'INT8') return;
    if ((readers.get(x) ?? []).length !== 1 || graphOutputs.has(x) || !yq || yq.scale.length !== 1 || yq.zeroPoint[0] !== -128) return;
    quant.outputs = [y];
    drop.add(k);
  });
  if (drop.size) sg.operators = sg.operators.filter((_, k) => !drop.has(k));
  return drop.size;
}

const perTensorInt8 = (t: TflTensor | undefined) => t?.type === 'INT8' && t.quantization?.scale.length === 1;

/** Each int8 RELU (no fused activation) whose output zero point is -128 becomes an int8 → int8 QUANTIZE into its
 *  output; returns how many. */
export function requantizeRelus(sg: TflSubgraph): number {
  let n = 0;
  for (const op of sg.operators) {
    if (op.opcode !== 'RELU' || (op.options?.fusedActivationFunction ?? 'NONE') !== 'NONE') continue;
    const x = sg.tensors[op.inputs[0]];
    const y = sg.tensors[op.outputs[0]];
    if (!perTensorInt8(x) || !perTensorInt8(y) || y.quantization!.zeroPoint[0] !== -128) continue;
    op.opcode = 'QUANTIZE';
    op.version = QUANTIZE_VERSION;
    op.options = undefined;
    n++;
  }
  return n;
}
