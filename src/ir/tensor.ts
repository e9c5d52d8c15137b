// Tensor helpers shared by the reader, shape inference, constant folding and the converter.
import { DType, ModelError, Tensor, TensorValues, elementCount } from './types';

/** ONNX TensorProto.DataType code → DType. */
export const ONNX_DTYPES: Record<number, DType> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string',
  9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 14: 'complex64', 15: 'complex128',
  16: 'bfloat16', 17: 'float8e4m3fn', 18: 'float8e4m3fnuz', 19: 'float8e5m2', 20: 'float8e5m2fnuz',
  21: 'uint4', 22: 'int4',
};

export const DTYPE_TO_ONNX: Record<DType, number> = Object.fromEntries(
  Object.entries(ONNX_DTYPES).map(([k, v]) => [v, Number(k)]),
) as Record<DType, number>;

/** Bytes per element as stored in raw_data (sub-byte types round up to 1; string is 0 = variable). */
export function bytesPerElement(dtype: DType): number {
  switch (dtype) {
    case 'float64': case 'int64': case 'uint64': case 'complex64': return 8;
    case 'complex128': return 16;
    case 'float32': case 'int32': case 'uint32': return 4;
    case 'float16': case 'bfloat16': case 'int16': case 'uint16': return 2;
    case 'string': return 0;
    default: return 1;
  }
}

type TypedCtor = { new (n: number): Exclude<TensorValues, string[]>; new (b: ArrayBuffer, o?: number, n?: number): Exclude<TensorValues, string[]> };

export function arrayTypeFor(dtype: DType): TypedCtor {
  switch (dtype) {
    case 'float32': return Float32Array as unknown as TypedCtor;
    case 'float64': return Float64Array as unknown as TypedCtor;
    case 'int8': case 'int4': return Int8Array as unknown as TypedCtor;
    case 'int16': return Int16Array as unknown as TypedCtor;
    case 'uint16': case 'float16': case 'bfloat16': return Uint16Array as unknown as TypedCtor;
    case 'int32': return Int32Array as unknown as TypedCtor;
    case 'uint32': return Uint32Array as unknown as TypedCtor;
    case 'int64': return BigInt64Array as unknown as TypedCtor;
    case 'uint64': return BigUint64Array as unknown as TypedCtor;
    case 'complex64': return Float32Array as unknown as TypedCtor;
    case 'complex128': return Float64Array as unknown as TypedCtor;
    default: return Uint8Array as unknown as TypedCtor;
  }
}

/** Copies little-endian element bytes into a fresh, aligned typed array of the dtype. */
export function valuesFromBytes(dtype: DType, bytes: Uint8Array, count: number): Exclude<TensorValues, string[]> {
  const bpe = bytesPerElement(dtype);
  const lanes = dtype === 'complex64' || dtype === 'complex128' ? 2 : 1;
  if (bytes.byteLength !== count * bpe) {
    throw new ModelError(`tensor data has ${bytes.byteLength} bytes where ${count} ${dtype} elements need ${count * bpe}`);
  }
  const Ctor = arrayTypeFor(dtype);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Ctor(copy.buffer, 0, count * lanes);
}

/** 4-bit values (int4 / uint4, one per element in memory) packed two per byte, low nibble first, as ONNX stores them. */
export function packNibbles(v: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(Math.ceil(v.length / 2));
  for (let i = 0; i < v.length; i++) out[i >> 1] |= (v[i] & 15) << ((i & 1) * 4);
  return out;
}

/** ONNX's packed int4 / uint4 bytes as one value per element (sign-extended for int4). */
export function unpackNibbles(dtype: 'int4' | 'uint4', bytes: Uint8Array, count: number): Int8Array | Uint8Array {
  const out = dtype === 'int4' ? new Int8Array(count) : new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const n = (bytes[i >> 1] >> ((i & 1) * 4)) & 15;
    out[i] = dtype === 'int4' && n > 7 ? n - 16 : n;
  }
  return out;
}

export function tensorBytes(t: Tensor): Uint8Array {
  if (Array.isArray(t.data)) throw new ModelError(`string tensor ${t.name} has no fixed byte layout`);
  const d = t.data as Exclude<TensorValues, string[]>;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** Elements as JavaScript numbers (int64 converted; float16/bfloat16 decoded). */
export function toNumbers(t: Tensor): number[] {
  const d = t.data;
  if (Array.isArray(d)) throw new ModelError(`string tensor ${t.name} has no numeric value`);
  // Loops into a sized array: Array.from on a typed array is ~4× slower in Node 20 (constant folding converts
  // every folded weight, e.g. Silero's LSTM weights, on each shape-inference pass).
  const n = d.length;
  const out = new Array<number>(n);
  if (t.dtype === 'float16') for (let i = 0; i < n; i++) out[i] = halfToFloat((d as Uint16Array)[i]);
  else if (t.dtype === 'bfloat16') for (let i = 0; i < n; i++) out[i] = bfloat16ToFloat((d as Uint16Array)[i]);
  else if (d instanceof BigInt64Array || d instanceof BigUint64Array) for (let i = 0; i < n; i++) out[i] = Number(d[i]);
  else for (let i = 0; i < n; i++) out[i] = (d as ArrayLike<number>)[i];
  return out;
}

/** Elements as a Float32Array (a view when already float32). */
export function toFloat32(t: Tensor): Float32Array {
  if (t.data instanceof Float32Array && t.dtype === 'float32') return t.data;
  return Float32Array.from(toNumbers(t));
}

export function makeTensor(name: string, dtype: DType, dims: number[], values: ArrayLike<number> | ArrayLike<bigint>): Tensor {
  const Ctor = arrayTypeFor(dtype);
  const n = elementCount(dims);
  const out = new Ctor(n);
  if (dtype === 'int64' || dtype === 'uint64') {
    for (let i = 0; i < n; i++) (out as BigInt64Array)[i] = BigInt(Math.trunc(Number((values as ArrayLike<number>)[i])));
  } else if (dtype === 'float16') {
    for (let i = 0; i < n; i++) (out as Uint16Array)[i] = floatToHalf(Number((values as ArrayLike<number>)[i]));
  } else {
    for (let i = 0; i < n; i++) (out as Float32Array)[i] = Number((values as ArrayLike<number>)[i]);
  }
  return { name, dtype, dims: [...dims], data: out };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

export function floatToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

export function bfloat16ToFloat(h: number): number {
  u32[0] = h << 16;
  return f32[0];
}
