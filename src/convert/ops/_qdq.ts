// Shared by QuantizeLinear and DequantizeLinear: constant scale / zero point (per tensor or per axis) and the
// element arithmetic for constant inputs.
import { toNumbers } from '../../ir/tensor';
import type { DType, Node, Tensor } from '../../ir/types';
import { attrInt, normAxis } from '../attrs';
import type { ConvertContext } from '../context';

export interface QdqParams {
  scale: number[];
  zeroPoint: number[];
  /** Axis of per-axis parameters (normalized); undefined per tensor. */
  axis?: number;
  outType: DType;
}

export function qdqParams(node: Node, ctx: ConvertContext): QdqParams | string {
  const s = ctx.constant(node.inputs[1]);
  if (!s) return `${node.opType} needs a constant scale`;
  const zpName = node.inputs[2];
  const z = zpName ? ctx.constant(zpName) : undefined;
  if (zpName && !z) return `${node.opType} needs a constant zero point`;
  const scale = toNumbers(s).map(Number);
  const zeroPoint = z ? toNumbers(z).map(Number) : scale.map(() => 0);
  const rank = ctx.rank(node.inputs[0]);
  const axis = scale.length > 1 ? normAxis(attrInt(node, 'axis', 1), rank) : undefined;
  if (attrInt(node, 'block_size', 0) > 0) return `blocked ${node.opType} (block_size) is not supported`;
  return { scale, zeroPoint, axis, outType: z?.dtype ?? 'uint8' };
}

function channelOf(dims: number[], axis: number | undefined): (i: number) => number {
  if (axis === undefined) return () => 0;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  return (i) => Math.floor(i / inner) % dims[axis];
}

export function quantizeValues(v: Float32Array, dims: number[], p: QdqParams): Int8Array | Uint8Array {
  const ch = channelOf(dims, p.axis);
  const [lo, hi] = p.outType === 'int8' ? [-128, 127] : [0, 255];
  const out = p.outType === 'int8' ? new Int8Array(v.length) : new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const c = ch(i);
    // ONNX rounds half to even.
    const x = v[i] / p.scale[c];
    const r = Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x);
    out[i] = Math.max(lo, Math.min(hi, r + p.zeroPoint[c]));
  }
  return out;
}

export function dequantizeValues(q: number[], dims: number[], p: QdqParams): Float32Array {
  const ch = channelOf(dims, p.axis);
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) {
    const c = ch(i);
    out[i] = (Number(q[i]) - p.zeroPoint[c]) * p.scale[c];
  }
  return out;
}

/** The parameters, and for a constant input its quantized / dequantized value registered as a constant (true). */
export function convertConstant(node: Node, ctx: ConvertContext, make: (c: Tensor, p: QdqParams) => { dtype: DType; data: Tensor['data'] }):
  { p: QdqParams; done: boolean } {
  const p = qdqParams(node, ctx);
  if (typeof p === 'string') return ctx.fail(p);
  const c = ctx.constant(node.inputs[0]);
  if (!c) return { p, done: false };
  ctx.constants.set(node.outputs[0], { name: node.outputs[0], dims: [...c.dims], ...make(c, p) });
  return { p, done: true };
}
