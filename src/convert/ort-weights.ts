// The weights of onnxruntime-quantized convolutions and matrix products (simplify-ortquant.ts made them float on
// their int8 grid) stored as int8 again: an INT8 constant and a DEQUANTIZE into the float tensor the op reads, as
// `--quantize dynamic` does (src/quantize/weights.ts), so the file keeps about the ONNX file's size. The scale is
// the model's own step, so the values are exact; uint8 weights with a zero point reach up to 255 steps from it,
// and channels that do (|q - zp| > 127) get a step scaled to fit, per channel where the op has a channel axis.
import type { TflOperator, TflSubgraph } from '../tflite/model';
import { bytesOf, elementCount, float16Bytes, floatData, roundAway, weightAxis } from '../quantize/params';
import type { OrtWeightSteps } from './simplify-ortquant';
import { pinFp16Filters } from '../quantize/fp16-filters';
import { halfToFloat } from '../ir/tensor';

const WEIGHT_OPS = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'BATCH_MATMUL', 'CONV_3D']);

/** Rewrites the subgraph in place; returns how many weights became int8. */
export function ortWeightsToInt8(sg: TflSubgraph, steps: OrtWeightSteps): number {
  if (steps.size === 0) return 0;
  const readers = new Map<number, number>();
  for (const op of sg.operators) for (const i of op.inputs) if (i >= 0) readers.set(i, (readers.get(i) ?? 0) + 1);
  const deq: TflOperator[] = [];
  const done = new Set<number>();
  for (const op of sg.operators) {
    const step = op.onnxNode !== undefined ? steps.get(op.onnxNode) : undefined;
    const idx = op.inputs[1];
    if (step === undefined || !WEIGHT_OPS.has(op.opcode) || idx === undefined || idx < 0 || done.has(idx)) continue;
    const t = sg.tensors[idx];
    if (t.type !== 'FLOAT32' || !t.data || readers.get(idx) !== 1) continue;
    const values = floatData(t);
    const q = affine(values, step) ?? symmetric(values, step, t.shape, op.opcode === 'BATCH_MATMUL' ? undefined : weightAxis(op.opcode));
    sg.tensors.push({ name: `${t.name}_int8`, type: 'INT8', shape: [...t.shape], data: bytesOf(q.data), quantization: q.quantization });
    sg.tensors[idx] = { name: t.name, type: 'FLOAT32', shape: [...t.shape] };
    deq.push({ opcode: 'DEQUANTIZE', version: q.quantization.scale.length > 1 ? 5 : 2, inputs: [sg.tensors.length - 1], outputs: [idx], onnxNode: op.onnxNode });
    done.add(idx);
  }
  sg.operators.unshift(...deq);
  return deq.length;
}

interface Int8Weights { data: Int8Array; quantization: { scale: number[]; zeroPoint: number[]; quantizedDimension: number } }

/** Exact: the integers w / step span at most 256 values (always so for weights that were uint8 or int8), stored
 *  with a zero point. */
function affine(values: Float32Array, step: number): Int8Weights | undefined {
  let lo = Infinity, hi = -Infinity;
  const ints = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.round(values[i] / step);
    if (Math.abs(v * step - values[i]) > 1e-3 * step) return undefined;
    ints[i] = v;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (hi - lo > 255) return undefined;
  // The zero point as near 0 as the span allows.
  const zp = Math.max(-128 - lo, Math.min(127 - hi, 0));
  const data = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = ints[i] + zp;
  return { data, quantization: { scale: [step], zeroPoint: [zp], quantizedDimension: 0 } };
}

/** Otherwise (weights changed after the rewrite): symmetric, the step scaled per channel to fit [-127, 127]. */
function symmetric(values: Float32Array, step: number, shape: number[], axis: number | undefined): Int8Weights {
  const channels = axis === undefined ? 1 : shape[axis];
  const inner = axis === undefined ? values.length : elementCount(shape.slice(axis + 1));
  const chanOf = (i: number) => (axis === undefined ? 0 : Math.floor(i / inner) % channels);
  const maxSteps = new Float64Array(channels);
  for (let i = 0; i < values.length; i++) maxSteps[chanOf(i)] = Math.max(maxSteps[chanOf(i)], Math.abs(values[i]) / step);
  const scales = Array.from(maxSteps, (m) => step * Math.max(1, m / 127));
  const data = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = Math.max(-127, Math.min(127, roundAway(values[i] / scales[chanOf(i)])));
  return { data, quantization: { scale: scales, zeroPoint: scales.map(() => 0), quantizedDimension: axis ?? 0 } };
}

/** float16 models (simplify-fp16.ts): the weights and biases of the named nodes' ops stored as float16 again, one
 *  DEQUANTIZE per constant that only those ops read (an unrolled LSTM's recurrent weights, read at every step). Nodes
 *  named with `exact` (recurrent cells, whose bias is the sum Wb + Rb) keep a constant float32 unless float16 holds
 *  its values exactly. */
export function fp16Weights(sg: TflSubgraph, nodes: Map<string, 'rounded' | 'exact'>): number {
  if (nodes.size === 0) return 0;
  const readers = new Map<number, TflOperator[]>();
  for (const op of sg.operators) for (const i of op.inputs) if (i >= 0) readers.set(i, [...(readers.get(i) ?? []), op]);
  const named = (op: TflOperator) => op.onnxNode !== undefined && nodes.has(op.onnxNode) && WEIGHT_OPS.has(op.opcode);
  const deq: TflOperator[] = [];
  const done = new Set<number>();
  for (const op of sg.operators) {
    if (!named(op)) continue;
    for (const idx of op.inputs.slice(1, 3)) {
      const t = idx >= 0 ? sg.tensors[idx] : undefined;
      if (!t || t.type !== 'FLOAT32' || !t.data || done.has(idx) || !readers.get(idx)!.every((r) => named(r) && r.inputs.indexOf(idx) >= 1)) continue;
      const values = floatData(t);
      const half = float16Bytes(values);
      if (nodes.get(op.onnxNode!) === 'exact' && !holdsExactly(values, half)) continue;
      sg.tensors.push({ name: `${t.name}_fp16`, type: 'FLOAT16', shape: [...t.shape], data: half });
      sg.tensors[idx] = { name: t.name, type: 'FLOAT32', shape: [...t.shape] };
      deq.push({ opcode: 'DEQUANTIZE', version: 3, inputs: [sg.tensors.length - 1], outputs: [idx], onnxNode: op.onnxNode });
      done.add(idx);
    }
  }
  sg.operators.unshift(...deq);
  // Convolution / fully connected weights: the reader that has LiteRT's XNNPack unpack them once (fp16-filters.ts).
  pinFp16Filters(sg);
  return deq.length;
}

/** Whether the float16 bytes `half` give back `values` exactly. */
function holdsExactly(values: Float32Array, half: Uint8Array): boolean {
  const h = new Uint16Array(half.buffer, half.byteOffset, values.length);
  for (let i = 0; i < values.length; i++) if (halfToFloat(h[i]) !== values[i]) return false;
  return true;
}
