// Reads ONNX TensorProto / SparseTensorProto (initializers, attribute tensors, external data, test_data_set .pb files)
// into IR tensors; the model reader (reader.ts) calls it for every tensor it meets.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from '../generated/onnx/onnx.js';
import { numberReader } from './number-reader';
import { ONNX_DTYPES, arrayTypeFor, bytesPerElement, unpackNibbles, valuesFromBytes } from '../ir/tensor';
import { DType, ModelError, Tensor, TensorValues } from '../ir/types';

/** protobufjs gives int64 as Long objects (or numbers); this turns them into safe JavaScript numbers. */
export type LongLike = number | { toNumber(): number; high: number; low: number; unsigned?: boolean };

export function num(v: LongLike | null | undefined, what: string): number {
  if (v === null || v === undefined) return 0;
  const n = typeof v === 'number' ? v : v.toNumber();
  if (!Number.isSafeInteger(n)) throw new ModelError(`${what} ${n} does not fit a 53-bit integer (overflow)`);
  return n;
}

/** Attribute ints may legitimately be INT64_MAX/MIN (Slice ends); keep them as the nearest double. */
export function looseNum(v: LongLike): number {
  return typeof v === 'number' ? v : v.toNumber();
}

/**
 * An int64_data / uint64_data entry as the exact 64-bit integer. Through a double, INT64_MAX (tf2onnx's and
 * keras2onnx's "to the end" Slice bound) rounds up to 2^63, which BigInt64Array wraps to INT64_MIN: a Keras
 * Cropping2D's Slice came out empty.
 */
export function exactBig(v: LongLike, unsigned: boolean): bigint {
  if (typeof v === 'number') {
    const b = BigInt(Math.trunc(v));
    const lo = unsigned ? 0n : -(2n ** 63n);
    const hi = unsigned ? 2n ** 64n - 1n : 2n ** 63n - 1n;
    return b < lo ? lo : b > hi ? hi : b;
  }
  const bits = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return unsigned ? bits : BigInt.asIntN(64, bits);
}

/** Where a tensor's external data is resolved (the model's folder) and whether to load it at all. */
export interface ReadCtx {
  baseDir?: string;
  skipExternal: boolean;
}

export function readTensor(t: onnx.ITensorProto, ctx: ReadCtx = { skipExternal: false }): Tensor {
  const name = t.name ?? '';
  const code = t.dataType ?? 0;
  const dtype: DType | undefined = ONNX_DTYPES[code];
  if (!dtype) throw new ModelError(`tensor ${name || '(unnamed)'} has unknown data type ${code}`);
  const dims = (t.dims ?? []).map((d) => num(d as LongLike, `dimension of tensor ${name}`));
  let count = 1;
  for (const d of dims) {
    if (d < 0) throw new ModelError(`tensor ${name} has a negative dimension ${d}`);
    count *= d;
    if (!Number.isSafeInteger(count)) throw new ModelError(`tensor ${name} dims ${JSON.stringify(dims)} overflow`);
  }
  const bpe = bytesPerElement(dtype);
  const lanes = dtype === 'complex64' || dtype === 'complex128' ? 2 : 1;
  const raw = t.rawData && t.rawData.length > 0 && t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL ? t.rawData : undefined;
  if ((dtype === 'int4' || dtype === 'uint4') && raw) {
    // Two values a byte (low nibble first): one a byte in memory.
    if (raw.length !== Math.ceil(count / 2)) throw new ModelError(`tensor ${name} has ${raw.length} bytes of raw data, dims ${JSON.stringify(dims)} of ${dtype} need ${Math.ceil(count / 2)}`);
    return { name, dtype, dims, data: unpackNibbles(dtype, raw, count) };
  }
  if (raw && raw.length === count * bpe && dtype !== 'string' && raw.byteOffset % bpe === 0 && lanes === 1) {
    // Aligned raw data is used in place: a typed view into the file's buffer, no copy.
    return { name, dtype, dims, data: new (arrayTypeFor(dtype))(raw.buffer as ArrayBuffer, raw.byteOffset, count) };
  }
  if (raw && raw.length >= LAZY_BYTES && raw.length === count * bpe && dtype !== 'string') {
    // Other large raw tensors are copied out of the file buffer only when first read (inspect never reads them).
    const tensor = { name, dtype, dims } as Tensor;
    let cached: TensorValues | undefined;
    Object.defineProperty(tensor, 'data', {
      enumerable: true, configurable: true,
      get: () => (cached ??= valuesFromBytes(dtype, raw, count)),
      set: (v: TensorValues) => { cached = v; },
    });
    return tensor;
  }
  const data = tensorValues(t, dtype, dims, count, bpe, lanes, ctx, name);
  return { name, dtype, dims, data };
}

/** Raw tensors from this size on are decoded lazily. */
const LAZY_BYTES = 256;

function tensorValues(t: onnx.ITensorProto, dtype: DType, dims: number[], count: number, bpe: number, lanes: number,
  ctx: ReadCtx, name: string): TensorValues {
  const external = t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL;
  if (external) {
    if (ctx.skipExternal) return lazyEmpty(dtype);
    return valuesFromBytes(dtype, readExternal(t, count * bpe, ctx, name), count);
  }
  if (dtype === 'string') {
    const dec = new TextDecoder();
    const s = (t.stringData ?? []).map((b) => dec.decode(b));
    if (s.length !== count) throw new ModelError(`string tensor ${name} has ${s.length} elements, dims say ${count}`);
    return s;
  }
  if (t.rawData && t.rawData.length > 0) {
    if (t.rawData.length !== count * bpe) {
      throw new ModelError(`tensor ${name} has ${t.rawData.length} bytes of raw data, dims ${JSON.stringify(dims)} of ${dtype} need ${count * bpe}`);
    }
    return valuesFromBytes(dtype, t.rawData, count);
  }
  const want = count * lanes;
  const check = (len: number) => {
    if (len !== want) throw new ModelError(`tensor ${name} holds ${len} values, dims ${JSON.stringify(dims)} need ${want}`);
  };
  switch (dtype) {
    case 'float32': case 'complex64': check(t.floatData?.length ?? 0); return Float32Array.from(t.floatData ?? []);
    case 'float64': case 'complex128': check(t.doubleData?.length ?? 0); return Float64Array.from(t.doubleData ?? []);
    case 'int64': check(t.int64Data?.length ?? 0); return BigInt64Array.from(t.int64Data ?? [], (v) => exactBig(v as LongLike, false));
    case 'uint64': case 'uint32': {
      check(t.uint64Data?.length ?? 0);
      const vals = t.uint64Data ?? [];
      return dtype === 'uint32' ? Uint32Array.from(vals, (v) => looseNum(v as LongLike))
        : BigUint64Array.from(vals, (v) => exactBig(v as LongLike, true));
    }
    default: {
      check(t.int32Data?.length ?? 0);
      const vals = t.int32Data ?? [];
      switch (dtype) {
        case 'int32': return Int32Array.from(vals);
        case 'int16': return Int16Array.from(vals);
        case 'uint16': case 'float16': case 'bfloat16': return Uint16Array.from(vals);
        case 'int8': return Int8Array.from(vals);
        default: return Uint8Array.from(vals);
      }
    }
  }
}

function lazyEmpty(dtype: DType): TensorValues {
  return dtype === 'string' ? [] : new Uint8Array(0);
}

/** Reads an external-data tensor, refusing any location outside the model's folder. */
function readExternal(t: onnx.ITensorProto, nbytes: number, ctx: ReadCtx, name: string): Uint8Array {
  const kv = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const location = kv.get('location');
  if (!location) throw new ModelError(`tensor ${name}: external data without a location`);
  if (!ctx.baseDir) throw new ModelError(`tensor ${name}: external data needs the model's folder; read the model from a file`);
  if (path.isAbsolute(location) || /^[a-zA-Z]:[\\/]/.test(location)) {
    throw new ModelError(`tensor ${name}: external data location "${location}" is an absolute path; it must be relative to the model's folder`);
  }
  const base = fs.realpathSync(ctx.baseDir);
  const target = path.resolve(base, location);
  const inside = (p: string) => p === base || p.startsWith(base + path.sep);
  if (!inside(target)) throw new ModelError(`tensor ${name}: external data location "${location}" escapes the model's folder`);
  let real: string;
  try {
    real = fs.realpathSync(target);
  } catch {
    throw new ModelError(`tensor ${name}: external data file "${location}" does not exist`);
  }
  if (!inside(real)) throw new ModelError(`tensor ${name}: external data location "${location}" links outside the model's folder`);
  const offset = Number(kv.get('offset') ?? '0');
  const length = kv.has('length') ? Number(kv.get('length')) : nbytes;
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new ModelError(`tensor ${name}: external data offset/length are not valid byte counts`);
  }
  if (length !== nbytes) throw new ModelError(`tensor ${name}: external data length ${length} does not match its dims (${nbytes} bytes)`);
  const st = fs.statSync(real);
  // A directory fails to read; a FIFO or a device would block or never end.
  if (!st.isFile()) throw new ModelError(`tensor ${name}: external data location "${location}" is not a regular file`);
  const size = st.size;
  if (offset + length > size) {
    throw new ModelError(`tensor ${name}: external data "${location}" is ${size} bytes, too short for offset ${offset} + length ${length}`);
  }
  const buf = Buffer.allocUnsafe(length);
  const fd = fs.openSync(real, 'r');
  try {
    let done = 0;
    while (done < length) {
      const n = fs.readSync(fd, buf, done, length - done, offset + done);
      if (n <= 0) throw new ModelError(`tensor ${name}: external data "${location}" ended early`);
      done += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return buf;
}

export function readSparse(s: onnx.ISparseTensorProto, ctx: ReadCtx): Tensor {
  const values = readTensor(s.values ?? {}, ctx);
  const indices = readTensor(s.indices ?? {}, ctx);
  const dims = (s.dims ?? []).map((d) => num(d as LongLike, 'sparse tensor dimension'));
  let count = 1;
  for (const d of dims) count *= d;
  if (!Number.isSafeInteger(count) || count > 2 ** 31) throw new ModelError(`sparse tensor ${values.name} dims overflow`);
  const Dense = (values.data as unknown as { constructor: new (n: number) => Exclude<TensorValues, string[]> }).constructor;
  const dense = new Dense(count * (values.dtype === 'int64' ? 1 : 1));
  const idx = (indices.data as BigInt64Array);
  const nnz = values.dims[0] ?? 0;
  const rank = dims.length;
  const strides = dims.map((_, i) => dims.slice(i + 1).reduce((a, b) => a * b, 1));
  for (let k = 0; k < nnz; k++) {
    let flat = 0;
    if (indices.dims.length === 1) flat = Number(idx[k]);
    else for (let r = 0; r < rank; r++) flat += Number(idx[k * rank + r]) * strides[r];
    if (flat < 0 || flat >= count) throw new ModelError(`sparse tensor ${values.name} has an index out of range`);
    (dense as unknown as number[])[flat] = (values.data as unknown as number[])[k];
  }
  return { name: values.name, dtype: values.dtype, dims, data: dense };
}

/** Reads a serialized ONNX TensorProto (.pb, as in ONNX's test_data_set_N folders). */
export function readTensorFile(file: string): Tensor {
  const bytes = fs.readFileSync(file);
  let proto: onnx.TensorProto;
  try {
    proto = onnx.TensorProto.decode(numberReader(bytes));
  } catch (e) {
    throw new ModelError(`${file} is not an ONNX TensorProto (${(e as Error).message})`);
  }
  return readTensor(proto, { baseDir: path.dirname(path.resolve(file)), skipExternal: false });
}
