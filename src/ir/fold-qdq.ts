/** Quantize/DequantizeLinear folds' helpers: integer saturation bounds and which scale each element reads. */
import { norm } from './fold-kernels';
import type { V } from './fold-kernels';
import { numAttr } from './fold-size';
import { DType, Node, elementCount } from './types';

/** Saturation bounds of QuantizeLinear's integer types. */
export const QRANGES: Partial<Record<DType, [number, number]>> = { int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535], int4: [-8, 7], uint4: [0, 15] };


/** Element index → index into a Quantize/DequantizeLinear scale (a scalar, a vector along `axis`, or from opset 21
 *  blocks of `block_size` along `axis`: a scale of x's rank with ceil(dim / block_size) entries on that axis). */
export function perAxis(n: Node, x: V, s: V): ((i: number) => number) | undefined {
  const block = numAttr(n, 'block_size', 0);
  if (s.v.length === 1 && block === 0) return () => 0;
  const r = x.dims.length;
  const axis = norm(numAttr(n, 'axis', 1), r);
  if (block > 0) return perBlock(x.dims, s.dims, axis, block);
  if (s.dims.length !== 1 || x.dims[axis] !== s.v.length) return undefined;
  const inner = elementCount(x.dims.slice(axis + 1));
  return (i) => Math.floor(i / inner) % s.v.length;
}

function perBlock(xd: number[], sd: number[], axis: number, block: number): ((i: number) => number) | undefined {
  if (sd.length !== xd.length || sd.some((d, k) => (k === axis ? d !== Math.ceil(xd[k] / block) : d !== xd[k]))) return undefined;
  const inner = elementCount(xd.slice(axis + 1));
  const along = xd[axis];
  return (i) => {
    const outer = Math.floor(i / (inner * along));
    const c = Math.floor(i / inner) % along;
    return (outer * sd[axis] + Math.floor(c / block)) * inner + (i % inner);
  };
}
