// NumPy .npy (format 1.0/2.0/3.0, C order, little-endian): how tensors travel to and from the device's runner.
import type { DType, Tensor } from '../ir/types';
import { bytesPerElement, valuesFromBytes } from '../ir/tensor';

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

export function decodeNpy(bytes: Uint8Array, name: string): Tensor {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new Error(`${name} is not a .npy file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new Error(`${name}: unreadable .npy header`);
  if (fortran) throw new Error(`${name}: Fortran-order .npy is not supported`);
  const dims = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const norm = descr.replace(/^=/, '<');
  const dtype = (Object.keys(DESCR) as DType[]).find((d) => DESCR[d] === norm || DESCR[d] === norm.replace('<', '|'));
  if (!dtype) throw new Error(`${name}: .npy dtype ${descr} is not supported`);
  const count = dims.reduce((a, b) => a * b, 1);
  const nbytes = count * bytesPerElement(dtype);
  const body = bytes.subarray(start + headerLen, start + headerLen + nbytes);
  if (body.length !== nbytes) throw new Error(`${name}: .npy file is truncated`);
  return { name, dtype, dims, data: valuesFromBytes(dtype, body, count) };
}
