// Seeds for float inputs that are masks: MOMENT's `input_mask` / `mask` (observed steps, kept patches: multiplied into
// the series and its masked mean), the Set Transformer's `mask` (padded points: `(1 - mask) · -1e9` added to the
// attention scores), an inpainting net's hole mask. The generator's floats are uniform in [0, 1), values no user feeds:
// a mask of 0.37 keeps a third of a step, and an additive bias of (1 − 0.37) · -1e9 is no mask but a huge score
// offset, so the self-check (and int8's random calibration, which seeds its samples here too) judged the model on
// inputs it never sees: MOMENT int8's self-check read cosine 0.8144 where its guard on real masks read 0.9986
// (twenty-second sweep). A mask gets 0 / 1 values instead, as a boolean mask does (core/random.ts): 1 over the first
// part of its last axis, 0 over the rest — half of it (rounded up) on odd seeds, three quarters on even ones, so two
// seeded samples differ — a real mask whether 1 means keep or pad, every row with both.
// An input is read as a mask when it is named for one (`mask`, any case), or when the graph reads it only as one:
// through moves and picks, into a comparison with 0, 0.5 or 1 (`m == 0`, `m > 0.5`), a CAST to BOOL, `(1 − m)`
// scaled by a constant of magnitude >= 1e4, or `m` scaled by such a constant (an additive -inf-like bias).
import type { TflModel, TflTensor } from '../tflite/model';
import { consumersOf } from '../tflite/graph';
import { valuesFromBytes } from '../ir/tensor';
import type { DType } from '../ir/types';
import type { IoTensor } from '../deploy/tensors';
import { onnxName, readersThrough } from './verify-seeds';

const MASK_NAME = /mask/i;
const COMPARES = new Set(['EQUAL', 'NOT_EQUAL', 'LESS', 'LESS_EQUAL', 'GREATER', 'GREATER_EQUAL']);
/** A constant that turns a 0 / 1 mask into a score bias that masks a softmax (-1e9, -1e4, float32's lowest...). */
const BIAS_SCALE = 1e4;

function floatValues(t: TflTensor | undefined): number[] | undefined {
  if (!t?.data || (t.type !== 'FLOAT32' && t.type !== 'FLOAT16')) return undefined;
  const n = t.shape.reduce((a, b) => a * b, 1);
  return Array.from(valuesFromBytes(t.type.toLowerCase() as DType, t.data, n) as ArrayLike<number>);
}

/** Whether `value` is scaled by a constant of magnitude >= BIAS_SCALE by every reader (through moves). */
function scaledToBias(model: TflModel, value: number, readers: Map<number, number[]>): boolean {
  const sg = model.subgraphs[0]!;
  const reads = readersThrough(model, value, readers);
  return reads.length > 0 && reads.every(({ op, input }) => {
    if (op.opcode !== 'MUL') return false;
    const c = floatValues(sg.tensors[op.inputs[op.inputs[0] === input ? 1 : 0]!]);
    return c !== undefined && c.length > 0 && c.every((v) => Math.abs(v) >= BIAS_SCALE);
  });
}

/** Whether the graph reads the input `t` only as a mask (see the header). */
export function readAsMask(model: TflModel, t: number, readers: Map<number, number[]>): boolean {
  const sg = model.subgraphs[0]!;
  const reads = readersThrough(model, t, readers);
  return reads.length > 0 && reads.every(({ op, input }) => {
    const other = sg.tensors[op.inputs[op.inputs[0] === input ? 1 : 0]!];
    if (COMPARES.has(op.opcode)) return floatValues(other)?.every((v) => v === 0 || v === 0.5 || v === 1) ?? false;
    if (op.opcode === 'CAST') return sg.tensors[op.outputs[0]!]?.type === 'BOOL';
    if (op.opcode === 'SUB' && op.inputs[1] === input) {
      const one = floatValues(sg.tensors[op.inputs[0]!]);
      return one !== undefined && one.length > 0 && one.every((v) => v === 1) && scaledToBias(model, op.outputs[0]!, readers);
    }
    if (op.opcode === 'MUL') {
      const c = floatValues(other);
      return c !== undefined && c.length > 0 && c.every((v) => Math.abs(v) >= BIAS_SCALE);
    }
    return false;
  });
}

/** A mask of `dims` (ONNX order): 1 over the first part of the last axis, 0 over the rest (see the header). */
export function seededMask(dims: readonly number[], seed: number): number[] {
  const last = dims[dims.length - 1]!;
  const on = Math.min(last - 1, Math.max(1, seed % 2 === 1 ? Math.ceil(last / 2) : Math.ceil((3 * last) / 4)));
  return Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => (i % last < on ? 1 : 0));
}

/** The ONNX-order dims of an input (its .tflite shape put back through its layout's perm). */
function onnxDims(io: IoTensor): number[] {
  const dims = new Array<number>(io.shape.length);
  (io.mapping?.perm ?? io.shape.map((_, i) => i)).forEach((p, i) => { dims[p] = io.shape[i]!; });
  return dims;
}

/** `values` with a 0 / 1 mask for each float input read as a mask whose last axis has 2 or more elements (a flag
 *  keeps the generator's value); values already set are kept. */
export function maskSeeds(model: TflModel, inputs: IoTensor[], seed: number, values: Map<string, number[]>): Map<string, number[]> {
  const readers = consumersOf(model.subgraphs[0]!.operators);
  for (const io of inputs) {
    const name = onnxName(io);
    const dims = onnxDims(io);
    // An int8 model's quantized input is fed float values, quantized by prepareInputs.
    if (values.has(name) || !/^float/.test(io.mapping?.onnxDtype ?? (io.quant ? 'float32' : io.dtype)) || dims.length === 0
      || dims[dims.length - 1]! < 2) continue;
    if (MASK_NAME.test(name) || readAsMask(model, io.tensorIndex, readers)) values.set(name, seededMask(dims, seed));
  }
  return values;
}
