// int8 ADD / SUB / MUL whose quantization parameters LiteRT's XNNPack delegate cannot take, int8 BATCH_MATMUL of
// two activations or of rank over 5 and int8 PRELU (which it does not take at all), in a float form it runs.
//
// Why: XNNPACK creates a qs8 add / subtract only when each input's scale over the output's lies in [2^-10, 2^8), and a
// qs8 multiply only when the product of the input scales over the output's lies in [2^-16, 2^8)
// (src/operators/binary-elementwise-nd.c); any other such op runs on TFLite's own int8 kernel, its broadcasting path
// many times slower. PP-OCRv4 det: an ADD of a learned bias (x + c with c = -0.0098 against an output step of 0.04:
// ratio 9.6e-4) took 4.0 ms per run on LiteRT.js, 0.25 ms written as below (a chain of 8, bench-style paired runs).
// What: each such op becomes DEQUANTIZE (every int8 input, constants too) → the same op in float32 → QUANTIZE into
// its own output tensor, which keeps its parameters; XNNPack runs all three, and the result is the exact float sum /
// product rounded once (TFLite's int8 kernels approximate that with fixed-point multipliers; equal on the tests'
// inputs). The float output tensor's name ends in FLOAT_BINARY_SUFFIX, so `onnx2lite micro` (integer-only models for
// TFLite Micro, which has no such limits) writes the op back with integerBinary.
import type { TflOperator, TflSubgraph, TflTensor } from '../tflite/model';
import { consumersOf, producersOf } from '../tflite/graph';
import { INT8_OPS } from './int8-ops';
import { floatForm, floatFormAround } from './float-form';

/** XNNPACK's accepted ranges [lo, hi) of input-to-output (ADD, SUB) and product-to-output (MUL) scale ratios. */
export const XNNPACK_SCALE_RATIOS = { ADD: [2 ** -10, 2 ** 8], SUB: [2 ** -10, 2 ** 8], MUL: [2 ** -16, 2 ** 8] } as const;

/** The suffix of the float output tensor of a rewritten op (recognised by integerBinary). */
export const FLOAT_BINARY_SUFFIX = '_xnnpack_float';

const perTensorInt8 = (t: TflTensor | undefined) => t?.type === 'INT8' && t.quantization?.scale.length === 1;

/** Whether XNNPACK refuses this int8 ADD / SUB / MUL for its scale ratios (false for every other op). */
export function xnnpackRefusesScales(op: TflOperator, tensors: TflTensor[]): boolean {
  const range = XNNPACK_SCALE_RATIOS[op.opcode as keyof typeof XNNPACK_SCALE_RATIOS];
  if (!range || op.inputs.length !== 2 || op.outputs.length !== 1) return false;
  const [a, b, y] = [tensors[op.inputs[0]], tensors[op.inputs[1]], tensors[op.outputs[0]]];
  if (!perTensorInt8(a) || !perTensorInt8(b) || !perTensorInt8(y)) return false;
  const so = y.quantization!.scale[0];
  const outside = (r: number) => !(r >= range[0] && r < range[1]);
  if (op.opcode === 'MUL') return outside((a.quantization!.scale[0] * b.quantization!.scale[0]) / so);
  return outside(a.quantization!.scale[0] / so) || outside(b.quantization!.scale[0] / so);
}

/** Whether this is an int8 BATCH_MATMUL of two activations: LiteRT's XNNPack delegate takes BATCH_MATMUL in float32
 *  only (and int8 with constant weights), so TFLite's own int8 kernel ran it: PP-OCRv4 rec's attention scores
 *  ([1, 8, 40, 15] × its transpose) 0.25-0.68 ms against 0.04-0.17 ms for the float32 op (bench/op-latency.ts). */
export function xnnpackRefusesInt8Matmul(op: TflOperator, tensors: TflTensor[]): boolean {
  if (op.opcode !== 'BATCH_MATMUL' || op.inputs.length !== 2 || op.outputs.length !== 1) return false;
  const [a, b, y] = [tensors[op.inputs[0]], tensors[op.inputs[1]], tensors[op.outputs[0]]];
  if (!perTensorInt8(a) || !perTensorInt8(b) || !perTensorInt8(y)) return false;
  return (!a.data?.byteLength && !b.data?.byteLength) || int8MatmulTooDeep(op, tensors);
}

/** Whether an int8 BATCH_MATMUL has an operand of rank over 5: TFLite's int8 kernel stops there ("batch_matmul.cc
 *  NumDimensions(lhs_data) <= 5 was not true"; XNNPack leaves it to that kernel), so LiteRT could not load the model
 *  (PETR's frustum points [1, N, h, w, D, 4, 1] × img2lidars, rank 6 once the unit dim is dropped). The float form
 *  runs it as the float32 model does. */
function int8MatmulTooDeep(op: TflOperator, tensors: TflTensor[]): boolean {
  return [...op.inputs, ...op.outputs].some((i) => (tensors[i]?.shape.length ?? 0) > 5);
}

/** Whether this is an int8 PRELU: LiteRT's XNNPack delegate takes PRELU in float32 only, so TFLite's own int8 kernel
 *  ran each one between delegated partitions: @idscan/idvc2's face mesh (23 PRELUs) ran int8 at 2.06x its float32
 *  time, 0.77x with the PRELUs float32 (paired thread time, docs/model-sweep.md). */
export function xnnpackRefusesInt8Prelu(op: TflOperator, tensors: TflTensor[]): boolean {
  return op.opcode === 'PRELU' && op.inputs.length === 2 && op.outputs.length === 1 && op.inputs.every((i) => tensors[i]?.type === 'INT8')
    && tensors[op.outputs[0]]?.type === 'INT8';
}

/** Rewrites every int8 ADD / SUB / MUL of the subgraph that XNNPACK refuses, every int8 BATCH_MATMUL of two
 *  activations and every int8 PRELU into the float form (see the top of this file); `name` makes tensor names unique. Returns how many. */
export function floatBinaryForm(sg: TflSubgraph, name: (base: string) => string): number {
  const t = sg.tensors;
  const add = (tt: TflTensor) => { t.push({ ...tt, name: name(tt.name) }); return t.length - 1; };
  let n = 0;
  const out: TflOperator[] = [];
  for (const op of sg.operators) {
    if (!xnnpackRefusesScales(op, t) && !xnnpackRefusesInt8Matmul(op, t) && !xnnpackRefusesInt8Prelu(op, t)) { out.push(op); continue; }
    n++;
    out.push(...floatForm(t, op, add, `${t[op.outputs[0]].name}${FLOAT_BINARY_SUFFIX}`));
  }
  sg.operators = out;
  return n;
}

/** The float form back as the int8 op (micro export): each ADD / SUB / MUL / BATCH_MATMUL / PRELU (and SAME-padded
 *  AVERAGE_POOL_2D, int8-avgpool.ts) whose output is a FLOAT_BINARY_SUFFIX
 *  tensor read only by a QUANTIZE, and whose inputs each come from a DEQUANTIZE of int8 that nothing else reads,
 *  reads those int8 tensors and writes the QUANTIZE's output again. The float tensors are left unreferenced (compact
 *  them after). Returns how many. */
export function integerBinary(sg: TflSubgraph): number {
  const t = sg.tensors;
  const readers = consumersOf(sg.operators);
  const producer = producersOf(sg.operators);
  const drop = new Set<TflOperator>();
  let n = 0;
  sg.operators.forEach((op, k) => {
    if (!(op.opcode in XNNPACK_SCALE_RATIOS || op.opcode === 'BATCH_MATMUL' || op.opcode === 'PRELU' || op.opcode === 'AVERAGE_POOL_2D')
      || !t[op.outputs[0]]?.name.endsWith(FLOAT_BINARY_SUFFIX)) return;
    const around = floatFormAround(sg, k, readers, producer);
    // (A PRELU's alpha may be per channel.)
    const int8 = (i: number) => (op.opcode === 'PRELU' ? t[i]?.type === 'INT8' : perTensorInt8(t[i]));
    if (!around || !perTensorInt8(t[around.output]) || !around.inputs.every(int8)) return;
    for (const d of around.deqs) drop.add(d);
    drop.add(around.quant);
    op.inputs = around.inputs;
    op.outputs = [around.output];
    op.version = INT8_OPS[op.opcode].version;
    n++;
  });
  sg.operators = sg.operators.filter((op) => !drop.has(op));
  return n;
}
