// Quantization arithmetic shared by the fp16, dynamic-range and full-integer passes: activation parameters from a
// range, symmetric (per-channel or per-tensor) int8 weights, int32 biases, float16 bytes.
import { floatToHalf } from '../ir/tensor';
import type { TflQuantization, TflTensor } from '../tflite/model';

export interface Range { min: number; max: number }

/** Round half away from zero, as TFLite's quantizer (std::round) does. */
export function roundAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}
export interface QParams { scale: number; zeroPoint: number }

/** Whether two parameters are both given and the same (one int8 grid). */
export const sameParams = (a?: QParams, b?: QParams): boolean => !!a && !!b && a.scale === b.scale && a.zeroPoint === b.zeroPoint;

/** Asymmetric int8 parameters covering [min, max] (widened to include 0, as TFLite requires). */
export function paramsFromRange(r: Range): QParams {
  let lo = Math.min(0, r.min);
  let hi = Math.max(0, r.max);
  if (!Number.isFinite(lo)) lo = -1e30;
  if (!Number.isFinite(hi)) hi = 1e30;
  if (hi - lo < 1e-12) return { scale: 1 / 255, zeroPoint: -128 };
  const scale = (hi - lo) / 255;
  const zp = Math.round(-128 - lo / scale);
  return { scale, zeroPoint: Math.max(-128, Math.min(127, zp)) };
}

export function quantParams(p: QParams, min?: number, max?: number): TflQuantization {
  const q: TflQuantization = { scale: [p.scale], zeroPoint: [p.zeroPoint], quantizedDimension: 0 };
  if (min !== undefined && max !== undefined) { q.min = [min]; q.max = [max]; }
  return q;
}

export function floatData(t: TflTensor): Float32Array {
  const d = t.data!;
  if (t.type !== 'FLOAT32') throw new Error(`tensor ${t.name} is ${t.type}, not FLOAT32`);
  const copy = new Uint8Array(d.byteLength);
  copy.set(d);
  return new Float32Array(copy.buffer);
}

export function elementCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Symmetric int8 quantization ([-127, 127], zero point 0), per channel along `axis` or per tensor (axis undefined);
 *  `minScales` (one per channel, or one) raises the scales where a bias needs it (biasScaleFloors). */
export function quantizeSymmetric(values: Float32Array, shape: number[], axis: number | undefined, minScales?: number[]): { data: Int8Array; scales: number[] } {
  const channels = axis === undefined ? 1 : shape[axis];
  const inner = axis === undefined ? values.length : elementCount(shape.slice(axis + 1));
  const maxAbs = new Float64Array(channels);
  const chanOf = (i: number) => (axis === undefined ? 0 : Math.floor(i / inner) % channels);
  for (let i = 0; i < values.length; i++) {
    const c = chanOf(i);
    const a = Math.abs(values[i]);
    if (a > maxAbs[c]) maxAbs[c] = a;
  }
  // A channel whose weights are (almost) zero next to the layer's largest keeps a scale no smaller than 2^-16 of the
  // largest (and 1e-8): its weights round to 0 either way, but a denormal scale (trained weights decayed to ~1e-40)
  // drops the op off XNNPack onto a slow kernel and its int32 bias (scale input × weight) saturates.
  const top = maxAbs.reduce((a, b) => Math.max(a, b), 0) / 127;
  const floor = top > 0 ? Math.max(top * 2 ** -16, Math.min(1e-8, top)) : 1e-8;
  const scales = Array.from(maxAbs, (m, c) => Math.max(m / 127, floor, minScales?.[minScales.length === 1 ? 0 : c] ?? 0));
  const data = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const q = roundAway(values[i] / scales[chanOf(i)]);
    data[i] = Math.max(-127, Math.min(127, q));
  }
  return { data, scales };
}

/** Symmetric int8 values back to float32 (one scale, or one per channel along `axis`). */
export function dequantized(q: { data: Int8Array; scales: number[] }, shape: number[], axis: number | undefined): Float32Array {
  const channels = q.scales.length;
  const inner = channels > 1 && axis !== undefined ? elementCount(shape.slice(axis + 1)) : q.data.length;
  return Float32Array.from(q.data, (v, i) => v * q.scales[channels > 1 ? Math.floor(i / inner) % channels : 0]);
}

/** Per-channel scales cost a weight scale and a bias scale (float32) per output channel, and an int64 zero point for
 *  each channel count: on a layer with few inputs per channel (PP-OCR's direction classifier: 9-80) that is 10-90% of
 *  its int8 weights. Such a layer takes per-tensor scales when those still round each output channel's weights to
 *  this signal-to-noise ratio on average (dB; a channel much smaller than the largest rounds to nearly nothing and
 *  pulls the mean down): the level of int8 activations' own rounding (PP-OCR cls: 96/96 same class). */
export const PER_TENSOR_MIN_SQNR_DB = 34;
/** Inputs per output channel below which a channel's 8 bytes of scales are over a tenth of its int8 weights. */
export const PER_TENSOR_MAX_FAN_IN = 80;

/** Mean over output channels (along `axis`) of the signal-to-noise ratio (dB) of per-tensor symmetric int8 rounding. */
function perTensorChannelSqnr(values: Float32Array, shape: number[], axis: number): number {
  const channels = shape[axis];
  const inner = elementCount(shape.slice(axis + 1));
  const q = quantizeSymmetric(values, shape, undefined);
  const signal = new Float64Array(channels);
  const noise = new Float64Array(channels);
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / inner) % channels;
    const d = values[i] - q.data[i] * q.scales[0];
    signal[c] += values[i] * values[i];
    noise[c] += d * d;
  }
  let db = 0;
  // An all-zero channel counts as well kept; noise is floored so an exact channel counts as 100 dB.
  for (let c = 0; c < channels; c++) db += signal[c] > 0 ? 10 * Math.log10(signal[c] / Math.max(noise[c], signal[c] * 1e-10)) : 100;
  return db / channels;
}

/** The axis for a weight's scales: `axis` (per channel), or undefined (per tensor) for a layer with fewer than
 *  PER_TENSOR_MAX_FAN_IN inputs per channel whose per-tensor rounding keeps PER_TENSOR_MIN_SQNR_DB. One rule for
 *  the int8 pass and GPTQ, so both round with the same scales. */
export function weightScaleAxis(values: Float32Array, shape: number[], axis: number | undefined): number | undefined {
  if (axis === undefined) return undefined;
  const channels = shape[axis];
  if (channels <= 1 || values.length / channels >= PER_TENSOR_MAX_FAN_IN) return axis;
  return perTensorChannelSqnr(values, shape, axis) >= PER_TENSOR_MIN_SQNR_DB ? undefined : axis;
}

/** Asymmetric int8 quantization of a constant with given parameters. */
export function quantizeWith(values: Float32Array, p: QParams): Int8Array {
  const out = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const q = roundAway(values[i] / p.scale) + p.zeroPoint;
    out[i] = Math.max(-128, Math.min(127, Number.isNaN(q) ? p.zeroPoint : q));
  }
  return out;
}

/** The smallest weight scales (one per bias value, or one for a per-tensor weight) at which an int32 bias with scale
 *  inputScale × weightScale still holds each bias value with a 2× margin, as TFLite's AdjustWeightsForBiasScale does.
 *  Undefined when no scale in `scales` is under them. A layer whose weights decayed to ~0 next to a bias that is all
 *  it still computes (SSR-Net's last stage in faceplugin-face-recognition-js' age / gender models: weights under 4e-8,
 *  biases up to 0.46) otherwise got a bias scale of 1e-12 (or a denormal one), its bias saturated at 2^31 steps and the
 *  output collapsed (guard cosine 0). In 16x8 (int64 biases) the same floor keeps the weight scale from being denormal
 *  (4.8e-43): LiteRT refused to prepare such a FULLY_CONNECTED ("scale_diff / output_scale <= 0.02"). */
export function biasScaleFloors(bias: Float32Array, inputScale: number, scales: number[]): number[] | undefined {
  const per = bias.length === scales.length ? Array.from(bias, (b) => Math.abs(b) / (inputScale * 2 ** 30))
    : [Math.max(0, ...Array.from(bias, (b) => Math.abs(b) / (inputScale * 2 ** 30)))];
  return per.some((f, c) => scales[per.length === 1 ? 0 : c] < f) ? per : undefined;
}

/** int32 bias with scale inputScale × weightScale[c] per output channel. */
export function quantizeBias(values: Float32Array, inputScale: number, weightScales: number[]): { data: Int32Array; scales: number[] } {
  const scales = values.length === weightScales.length ? weightScales.map((w) => inputScale * w) : [inputScale * weightScales[0]];
  const data = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const q = roundAway(values[i] / scales[scales.length === 1 ? 0 : i]);
    data[i] = Math.max(-2147483647, Math.min(2147483647, q));
  }
  return { data, scales };
}

export function float16Bytes(values: Float32Array): Uint8Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = floatToHalf(values[i]);
  return new Uint8Array(out.buffer);
}

export function bytesOf(a: Int8Array | Int32Array | Uint8Array | Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Which input of an op is its weight, and along which axis per-channel scales go. */
export function weightAxis(opcode: string): number | undefined {
  switch (opcode) {
    case 'CONV_2D': case 'FULLY_CONNECTED': case 'TRANSPOSE_CONV': return 0;
    case 'DEPTHWISE_CONV_2D': case 'CONV_3D_TRANSPOSE': return 3;
    case 'CONV_3D': return 4;
    default: return undefined;
  }
}
