// Shared pieces of QuantizeLinear / DequantizeLinear, computed in float with plain (unquantized) 8-bit integer
// tensors: scale and zero point may be constant or computed, per tensor (scalars) or per axis (vectors broadcast
// along `axis`). This reproduces ONNX's numbers; it does not turn the model into a TFLite-quantized one.
import type { Node } from '../../ir/types';
import { attrInt, normAxis } from '../attrs';
import type { ConvertContext } from '../context';
import type { Perm } from '../layout';
import type { Emitter } from './_emit';
import { channelVector } from './_norm';

export const QTYPES = ['uint8', 'int8'];
export const QRANGE: Record<string, [number, number]> = { uint8: [0, 255], int8: [-128, 127] };

export function qdqCheck(node: Node, ctx: ConvertContext, qtype: string): string | undefined {
  if (!QTYPES.includes(qtype)) return `${node.opType} to or from ${qtype} is not supported (uint8 and int8 only)`;
  if (node.attrs.has('block_size') && attrInt(node, 'block_size', 0) !== 0) return `${node.opType} with blocked quantization is not supported`;
  const s = ctx.shape(node.inputs[1]);
  if (s.length > 1) return `${node.opType} with a rank-${s.length} scale is not supported (scalar or per-axis vector only)`;
  return undefined;
}

/** A scale or zero-point input as FLOAT32, broadcasting against a value of rank `rank` stored in `perm`. */
export function qparam(e: Emitter, name: string | undefined, rank: number, perm: Perm, dflt: number): number {
  const { ctx, node } = e;
  if (!name) return e.scalar(dflt);
  let t: number;
  const dims = ctx.shape(name);
  if (dims.length === 0 || dims.reduce((a, b) => a * b, 1) === 1) t = dims.length === 0 ? ctx.inputOnnx(name) : e.reshape(ctx.inputOnnx(name), []);
  else t = channelVector(ctx, e, name, rank, perm, normAxis(attrInt(node, 'axis', 1), rank));
  return e.type(t) === 'FLOAT32' ? t : e.cast(t, 'FLOAT32');
}
