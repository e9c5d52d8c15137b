// Constant tensor data as TFLite wants it: permuted to a layout, with ONNX dtypes narrowed to TFLite's.
import type { DType, Tensor } from '../ir/types';
import { elementCount } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import type { TflType } from '../tflite/model';
import { Perm, isIdentity, permute } from './layout';
import type { Tensor as IrTensor } from '../ir/types';

/**
 * ONNX dtype → the TFLite type used for it (int64 and uint64 narrow to INT32, float64 to FLOAT32: TFLite's kernels
 * barely know FLOAT64). Undefined when TFLite has none.
 */
export function tflType(dtype: DType | undefined): TflType | undefined {
  switch (dtype) {
    case 'float32': case 'float64': return 'FLOAT32';
    case 'float16': return 'FLOAT16';
    case 'int64': case 'int32': case 'uint32': case 'uint64': return 'INT32';
    case 'int16': return 'INT16';
    case 'int8': return 'INT8';
    case 'uint8': return 'UINT8';
    case 'uint16': return 'UINT16';
    case 'bool': return 'BOOL';
    case 'string': return 'STRING';
    default: return undefined;
  }
}

/** Transposes row-major data of shape `dims` so that out dim i = in dim perm[i]. */
export function transposeData<T extends { length: number; [i: number]: unknown }>(
  data: T, dims: readonly number[], perm: Perm, make: (n: number) => T,
): T {
  const n = elementCount(dims as number[]);
  if (isIdentity(perm) || n <= 1) return data;
  const rank = dims.length;
  const outDims = permute(dims, perm);
  const inStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) { inStrides[i] = s; s *= dims[i]; }
  const stepIn = perm.map((p) => inStrides[p]);
  const out = make(n);
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < n; o++) {
    out[o] = data[src];
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      src += stepIn[d];
      if (idx[d] < outDims[d]) break;
      src -= stepIn[d] * outDims[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** numpy.transpose for a whole tensor: out dim i = in dim perm[i]; same dtype and element storage type. */
export function transposeTensor(t: IrTensor, perm: readonly number[]): IrTensor {
  if (perm.length !== t.dims.length || isIdentity([...perm])) return t;
  const Ctor = t.data.constructor as new (n: number) => typeof t.data;
  const data = transposeData(t.data as Float32Array, t.dims, [...perm], (n) => new Ctor(n) as Float32Array) as unknown as IrTensor['data'];
  return { name: t.name, dtype: t.dtype, dims: permute(t.dims, [...perm]), data };
}

const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

/** Element bytes for TFLite of an ONNX constant, permuted to `perm`. */
export function constantBytes(t: Tensor, perm: Perm): { type: TflType; shape: number[]; bytes: Uint8Array } {
  const type = tflType(t.dtype);
  if (!type || type === 'STRING') throw new Error(`constant ${t.name} of type ${t.dtype} has no TFLite equivalent`);
  const shape = permute(t.dims, perm);
  let arr: Float32Array | Int32Array | Uint8Array | Int8Array | Int16Array | Uint16Array;
  switch (type) {
    case 'FLOAT32': arr = t.data instanceof Float32Array ? t.data : Float32Array.from(toNumbers(t)); break;
    case 'INT32': {
      if (t.data instanceof Int32Array) arr = t.data;
      else arr = Int32Array.from(toNumbers(t), (v) => Math.max(INT32_MIN, Math.min(INT32_MAX, v)));
      break;
    }
    case 'FLOAT16': case 'UINT16': arr = t.data as Uint16Array; break;
    case 'INT16': arr = t.data as Int16Array; break;
    case 'INT8': arr = t.data as Int8Array; break;
    default: arr = t.data instanceof Uint8Array ? t.data : Uint8Array.from(toNumbers(t)); break;
  }
  const Ctor = arr.constructor as new (n: number) => typeof arr;
  const permuted = transposeData(arr, t.dims, perm, (n) => new Ctor(n));
  return { type, shape, bytes: new Uint8Array(permuted.buffer.slice(permuted.byteOffset, permuted.byteOffset + permuted.byteLength)) };
}

export function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const f = Float32Array.from(values);
  return new Uint8Array(f.buffer);
}

export function int32Bytes(values: ArrayLike<number>): Uint8Array {
  const f = Int32Array.from(values, (v) => Math.max(INT32_MIN, Math.min(INT32_MAX, v)));
  return new Uint8Array(f.buffer);
}
