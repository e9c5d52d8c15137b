// Shared pieces of QuantizeLinear / DequantizeLinear (ONNX's and onnxruntime's com.microsoft ones, which its
// quantizer writes with UseQDQContribOps, also 16-bit), computed in float with plain (unquantized) 8- or 16-bit integer
// tensors: scale and zero point may be constant or computed, per tensor (scalars) or per axis (vectors broadcast
// along `axis`). This reproduces ONNX's numbers; it does not turn the model into a TFLite-quantized one.
import type { DType, Node } from '../../ir/types';
import { attrInt, normAxis } from '../attrs';
import type { ConvertContext } from '../context';
import type { Perm } from '../layout';
import type { Emitter } from './_emit';
import { channelVector } from './_norm';
import { refuse } from '../types';
import type { Refusal } from '../types';

export const QTYPES: DType[] = ['uint8', 'int8', 'uint16', 'int16'];
export const QRANGE: Record<string, [number, number]> = { uint8: [0, 255], int8: [-128, 127], uint16: [0, 65535], int16: [-32768, 32767] };
const RANGE_OF: Record<string, [number, number]> = { UINT8: QRANGE.uint8, INT8: QRANGE.int8, UINT16: QRANGE.uint16, INT16: QRANGE.int16 };

export function qdqCheck(node: Node, ctx: ConvertContext, qtype: string, allowed: string[] = QTYPES): Refusal | undefined {
  if (!allowed.includes(qtype)) return refuse('dtype', `${node.opType} to or from ${qtype} is not supported (${allowed.join(', ')} only)`);
  if (node.attrs.has('block_size') && attrInt(node, 'block_size', 0) !== 0) return refuse('unsupported', `${node.opType} with blocked quantization is not supported`);
  const s = ctx.shape(node.inputs[1]);
  if (s.length > 1) return refuse('rank', `${node.opType} with a rank-${s.length} scale is not supported (scalar or per-axis vector only)`);
  return undefined;
}

/** A scale or zero-point input as FLOAT32, broadcasting against a value of rank `rank` stored in `perm`. */
export function qparam(e: Emitter, name: string | undefined, rank: number, perm: Perm, dflt: number, axis?: number): number {
  const { ctx, node } = e;
  if (!name) return e.scalar(dflt);
  let t: number;
  const dims = ctx.shape(name);
  if (dims.length === 0 || dims.reduce((a, b) => a * b, 1) === 1) t = dims.length === 0 ? ctx.inputOnnx(name) : e.reshape(ctx.inputOnnx(name), []);
  else t = channelVector(ctx, e, name, rank, perm, axis ?? normAxis(attrInt(node, 'axis', 1), rank));
  return e.type(t) === 'FLOAT32' ? t : e.cast(t, 'FLOAT32');
}

/** saturate(round(x / scale) + zero point) of float `x` (stored in `perm`) into the 8- or 16-bit tensor `out`. */
export function emitQuantize(e: Emitter, x: number, perm: Perm, scale: string, zp: string | undefined, out: number, axis?: number): void {
  const rank = perm.length;
  const [lo, hi] = RANGE_OF[e.type(out)] ?? QRANGE.uint8;
  const q = e.un('ROUND', e.bin('DIV', x, qparam(e, scale, rank, perm, 1, axis)));
  const shifted = e.bin('ADD', q, qparam(e, zp, rank, perm, 0, axis));
  e.cast(e.bin('MINIMUM', e.bin('MAXIMUM', shifted, e.scalar(lo)), e.scalar(hi)), e.type(out), out);
}

/** (x - zero point) · scale of 8- or 16-bit `x` (stored in `perm`) as float32; `out` when given. */
export function emitDequantize(e: Emitter, x: number, perm: Perm, scale: string | undefined, zp: string | undefined, out?: number,
  axis?: number): number {
  const rank = perm.length;
  const centered = e.bin('SUB', e.cast(x, 'FLOAT32'), qparam(e, zp, rank, perm, 0, axis));
  return scale ? e.bin('MUL', centered, qparam(e, scale, rank, perm, 1, axis), out) : (out !== undefined ? e.reshape(centered, e.shape(centered), out) : centered);
}
