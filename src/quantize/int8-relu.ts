// A RELU right after a QUANTIZE (float32 → int8: a float op's output entering int8, e.g. a TRANSPOSE_CONV, which
// stays float32, then a Relu; PP-OCR det's head with its BatchNormalization folded in) is written as the QUANTIZE
// alone into the RELU's output: that tensor's range starts at 0 (zero point -128), so QUANTIZE's saturation is the
// RELU, exactly, and it rounds once instead of twice. LiteRT's XNNPack delegate does not take an int8 RELU: TFLite's
// kernel ran PP-OCRv4 det's [1, 320, 320, 24] one in 14.1 ms against 1.0 ms for the float32 RELU (bench/op-latency.ts).
// Any other int8 RELU whose output range starts at 0 is an int8 → int8 QUANTIZE into that output (requantizeRelus): the
// same saturation, which XNNPack runs — [1, 160, 160, 24] alone: RELU 5.1 ms, the QUANTIZE 0.10 ms, float32 RELU 0.32 ms
// (LiteRT.js 2.5.3 compat, load 25), outputs within one step (rounding) of the RELU's. An int8 RELU6 or RELU_N1_TO_1
// (XNNPack leaves those to TFLite too: 25x / 4x float32 alone) into an output whose range lies within its clip likewise.
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

/** The clip of each int8 activation op XNNPack leaves to TFLite's kernel: RELU (14x float32 alone), RELU6 (25x) and
 *  RELU_N1_TO_1 (4x; each also 13-27x an int8 → int8 QUANTIZE, bench/int8-delegation.ts, LiteRT.js 2.5.3 compat). */
const CLIPS: Record<string, [number, number]> = { RELU: [0, Infinity], RELU6: [0, 6], RELU_N1_TO_1: [-1, 1] };

/** Whether int8 → int8 QUANTIZE into `y` clips as [lo, hi] does: y's own int8 range lies within the clip (its lowest
 *  code is at or below the code of lo, its highest at or above the code of hi), so saturation is the clip. */
function saturatesAs(y: TflTensor, [lo, hi]: [number, number]): boolean {
  const s = y.quantization!.scale[0];
  const z = y.quantization!.zeroPoint[0];
  // TFLite's rounding (half away from zero), as its kernels place the clip's codes.
  const code = (v: number) => (Number.isFinite(v) ? z + Math.sign(v) * Math.round(Math.abs(v / s)) : v);
  return code(lo) <= -128 && code(hi) >= 127;
}

/** Each int8 RELU / RELU6 / RELU_N1_TO_1 (no fused activation) whose output range lies within its clip (a RELU's output
 *  zero point -128: [0, max]; a RELU6's [0, max <= 6]) becomes an int8 → int8 QUANTIZE into its output; returns how
 *  many. */
export function requantizeRelus(sg: TflSubgraph): number {
  let n = 0;
  for (const op of sg.operators) {
    const clip = CLIPS[op.opcode];
    if (!clip || (op.options?.fusedActivationFunction ?? 'NONE') !== 'NONE') continue;
    const x = sg.tensors[op.inputs[0]];
    const y = sg.tensors[op.outputs[0]];
    if (!perTensorInt8(x) || !perTensorInt8(y) || !saturatesAs(y, clip)) continue;
    op.opcode = 'QUANTIZE';
    op.version = QUANTIZE_VERSION;
    op.options = undefined;
    n++;
  }
  return n;
}
