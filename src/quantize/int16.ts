// 16x8 quantization inside a full-integer model: ops that run with int16 activations (symmetric, zero point 0) and
// int8 weights (int64 biases), for the layers whose int8 rounding the rest of the network amplifies. The op versions
// are TFLite's for int16 inputs (tools/versioning/op_version.cc), all accepted by LiteRT; HARD_SWISH, LOGISTIC-style
// fixed-output ops and ops with float constant operands stay int8 (QUANTIZE converts at the boundary both ways).
import type { TflOperator, TflTensor } from '../tflite/model';
import { isConst } from './graph';
import { INT8_OPS } from './int8-ops';
import { quantizeSymmetric, roundAway, type QParams } from './params';

export const INT16_OPS: Record<string, { version: number }> = {
  CONV_2D: { version: 4 },
  DEPTHWISE_CONV_2D: { version: 5 },
  FULLY_CONNECTED: { version: 7 },
  ADD: { version: 3 },
  MUL: { version: 4 },
  MAX_POOL_2D: { version: 3 },
  AVERAGE_POOL_2D: { version: 3 },
  CONCATENATION: { version: 3 },
  MEAN: { version: 3 },
  PAD: { version: 3 },
  RESHAPE: { version: 1 },
  RELU: { version: 3 },
  RELU6: { version: 3 },
  GATHER: { version: 4 },
  SPLIT: { version: 4 },
  SLICE: { version: 4 },
  TRANSPOSE: { version: 5 },
};

/** QUANTIZE to int16 (from float32 or int8) is version 2; DEQUANTIZE from int16 version 3. */
export const QUANTIZE_INT16_VERSION = 2;
export const DEQUANTIZE_INT16_VERSION = 3;

/** HARD_SWISH has no int16 kernel: in a 16x8 region it runs as DEQUANTIZE (int16) → HARD_SWISH (float32) → QUANTIZE
 *  (int16), exact and delegated, so the region is not cut by an int8 rounding after every activation. */
export const INT16_FLOAT_FORM = new Set(['HARD_SWISH']);
/** 16x8 ops whose float constant operands become symmetric int16 constants (a scale / shift: PP-LCNetV3's affine
 *  blocks after each activation; int8 there cut the 16x8 prefix at every block). */
const INT16_CONST_OPERANDS = new Set(['ADD', 'MUL']);

/** Whether op can run in 16x8: a kernel (or the float form) exists and every float input is an activation, its
 *  weight / bias, or (unless `constOperands` is false) a constant operand of ADD / MUL. */
export function int16Capable(op: TflOperator, tensors: TflTensor[], constOperands = true): boolean {
  const spec = INT8_OPS[op.opcode];
  if (!(INT16_OPS[op.opcode] || INT16_FLOAT_FORM.has(op.opcode)) || !spec || spec.fixed) return false;
  return op.inputs.every((i, pos) => {
    if (i < 0 || tensors[i].type !== 'FLOAT32' || !isConst(tensors[i])) return true;
    return (!!spec.weights && (pos === 1 || pos === 2)) || (constOperands && INT16_CONST_OPERANDS.has(op.opcode));
  });
}

/** A float constant as a symmetric int16 tensor (zero point 0, as the 16x8 kernels require). */
export function quantizeConst16(values: Float32Array): { data: Int16Array; scale: number } {
  let m = 0;
  for (const v of values) m = Math.max(m, Math.abs(v));
  const scale = m > 0 ? m / 32767 : 1 / 32767;
  return { data: Int16Array.from(values, (v) => Math.max(-32767, Math.min(32767, roundAway(v / scale)))), scale };
}

/** Symmetric int16 parameters covering the range the int8 parameters `p` cover. */
export function params16(p: QParams): QParams {
  const lo = (-128 - p.zeroPoint) * p.scale;
  const hi = (127 - p.zeroPoint) * p.scale;
  const m = Math.max(Math.abs(lo), Math.abs(hi));
  return { scale: m > 0 ? m / 32767 : 1 / 32767, zeroPoint: 0 };
}

/** int64 bias with scale inputScale × weightScale[c] per output channel (16x8 kernels take int64 biases). */
export function quantizeBias64(values: Float32Array, inputScale: number, weightScales: number[]): { data: BigInt64Array; scales: number[] } {
  const scales = values.length === weightScales.length ? weightScales.map((w) => inputScale * w) : [inputScale * weightScales[0]];
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const q = roundAway(values[i] / scales[scales.length === 1 ? 0 : i]);
    data[i] = BigInt(Number.isFinite(q) ? Math.max(-(2 ** 52), Math.min(2 ** 52, q)) : 0);
  }
  return { data, scales };
}

/** The rounding residual W − s·Q of int8 weights as a second int8 tensor (its own per-channel scales), so that a
 *  16x8 layer can compute with ~15-bit weights as the sum of two int8 convolutions; and `bound`, the largest
 *  |residual · x| any output channel can reach for inputs with |x| ≤ maxAbsInput (the second output's range). */
export function residualWeights(w: Float32Array, shape: number[], q: Int8Array, scales: number[], axis: number | undefined,
  channelAxis: number, maxAbsInput: number): { data: Int8Array; scales: number[]; bound: number } {
  const stride = (ax: number) => shape.slice(ax + 1).reduce((a, b) => a * b, 1);
  const chanOf = (ax: number, i: number) => Math.floor(i / stride(ax)) % shape[ax];
  const r = new Float32Array(w.length);
  const inner = axis === undefined ? 0 : stride(axis);
  for (let i = 0; i < w.length; i++) {
    const s = axis === undefined ? scales[0] : scales[Math.floor(i / inner) % shape[axis]];
    r[i] = w[i] - q[i] * s;
  }
  const part = quantizeSymmetric(r, shape, axis);
  const sums = new Float64Array(shape[channelAxis]);
  const innerC = stride(channelAxis);
  for (let i = 0; i < r.length; i++) {
    const s = axis === undefined ? part.scales[0] : part.scales[chanOf(axis, i)];
    sums[Math.floor(i / innerC) % shape[channelAxis]] += Math.abs(part.data[i] * s);
  }
  let bound = 0;
  for (const v of sums) bound = Math.max(bound, v * maxAbsInput);
  return { ...part, bound: bound > 0 ? bound : 1e-6 };
}

/** int16 parameters for every activation from its full (min/max) int8 parameters: the 16x8 layers' ranges. A range
 *  clipped for int8 (percentile / MSE: a few outliers traded for finer steps) clips int16 just as much, where 256×
 *  finer steps leave nothing to trade (PP-OCRv4 det: the clipped input and stem capped the 16x8 prefix at int8's SNR). */
export function wideParams(full: Map<number, QParams>): Map<number, QParams> {
  return new Map([...full].map(([i, p]) => [i, params16(p)]));
}
