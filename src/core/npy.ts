// NumPy .npy (format 1.0–3.0, C order, little-endian): calibration samples, --inputs files, and how tensors travel
// to and from a device's runner.
import type { DType, Tensor } from '../ir/types';
import { ModelError } from '../ir/types';

const DESCR: Partial<Record<DType, string>> = {
  float32: '<f4', float64: '<f8', float16: '<f2', int8: '|i1', uint8: '|u1', int16: '<i2', uint16: '<u2',
  int32: '<i4', uint32: '<u4', int64: '<i8', uint64: '<u8', bool: '|b1',
};

export function encodeNpy(t: Tensor): Uint8Array {
  const descr = DESCR[t.dtype];
  if (!descr || Array.isArray(t.data)) throw new Error(`cannot write ${t.dtype} tensor ${t.name} as .npy`);
  const shape = t.dims.length === 1 ? `(${t.dims[0]},)` : `(${t.dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const data = t.data as Exclude<Tensor['data'], string[]>;
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(10 + header.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(body, 10 + header.length);
  return out;
}

const FROM_DESCR: Record<string, DType> = {
  f4: 'float32', f8: 'float64', f2: 'float16', i1: 'int8', u1: 'uint8', i2: 'int16', u2: 'uint16',
  i4: 'int32', u4: 'uint32', i8: 'int64', u8: 'uint64', b1: 'bool',
};

/** Reads a .npy array; `name` names the tensor, `label` (default: name) starts every error message. */
export function decodeNpy(bytes: Uint8Array, name: string, label = name): Tensor {
  const bad = (why: string) => new ModelError(`${label}: ${why}`);
  if (bytes.length < 10 || bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY') throw bad('not a .npy file');
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + hlen));
  const descr = /'descr'\s*:\s*'([<>|=])(\w+)'/.exec(header);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !shape) throw bad('unreadable .npy header');
  if (/'fortran_order'\s*:\s*True/.test(header)) throw bad('Fortran-ordered arrays are not supported (save with np.ascontiguousarray)');
  if (descr[1] === '>' && !descr[2].endsWith('1')) throw bad('big-endian arrays are not supported');
  const dtype = FROM_DESCR[descr[2]];
  if (!dtype) throw bad(`unsupported element type '${descr[1]}${descr[2]}'`);
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  const n = dims.reduce((a, b) => a * b, 1);
  const size = Number(descr[2].slice(1));
  const off = start + hlen;
  if (bytes.length - off < n * size) throw bad(`truncated: ${n} elements of ${size} bytes announced, ${bytes.length - off} bytes present`);
  const raw = new Uint8Array(n * size);
  raw.set(bytes.subarray(off, off + n * size));
  const b = raw.buffer;
  const data = ({
    float32: () => new Float32Array(b), float64: () => new Float64Array(b), float16: () => new Uint16Array(b),
    int8: () => new Int8Array(b), uint8: () => new Uint8Array(b), int16: () => new Int16Array(b), uint16: () => new Uint16Array(b),
    int32: () => new Int32Array(b), uint32: () => new Uint32Array(b), int64: () => new BigInt64Array(b),
    uint64: () => new BigUint64Array(b), bool: () => new Uint8Array(b),
  } as Record<string, () => Tensor['data']>)[dtype]();
  return { name, dtype, dims, data };
}
