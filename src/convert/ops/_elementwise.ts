// Factories for the many ONNX ops that map one-to-one onto a TFLite elementwise op. Each op still has its
// own file (src/convert/ops/<Op>.ts) that declares it with one of these.
import { ONNX_DTYPES } from '../../ir/tensor';
import type { DType, Node } from '../../ir/types';
import type { ConvertContext } from '../context';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import type { Refusal } from '../types';
import { isLegacyBroadcast, legacyShape, reshapedValue } from './_legacy';
import { wrappedInt64 } from './_int64-wrap';

export const FLOAT: DType[] = ['float32', 'float16'];
export const NUMERIC: DType[] = ['float32', 'float16', 'int32', 'int64', 'int8', 'uint8', 'int16'];
/** What the arithmetic ops take: their plain 8- and 16-bit integers go through INT32 (emitArith). */
export const ARITHMETIC: DType[] = [...NUMERIC, 'float64', 'uint16', 'uint32', 'uint64'];
/** Every ONNX element type: for converters whose `check` sorts the element types out itself (Cast). */
export const ANY_DTYPE: DType[] = Object.values(ONNX_DTYPES);

interface Decl {
  dtypes?: DType[];
  int8?: boolean;
  micro?: boolean;
  opset?: [number, number];
  /** The TFLite op takes fused_activation_function. */
  fused?: boolean;
  /** Integer ADD / SUB / MUL: int64 constants beyond INT32 are wrapped, not clamped (_int64-wrap.ts). */
  wraps?: boolean;
  check?: OpConverter['check'];
}

/** y = op(x), layout-agnostic. */
export function unary(op: string, tfl: string, d: Decl = {}): OpConverter {
  return {
    op, emits: [tfl], opset: d.opset ?? [1, MAX_OPSET], inputs: [1, 1], dtypes: d.dtypes ?? FLOAT, int8: d.int8,
    micro: d.micro, layout: 'any', check: d.check,
    convert(node, ctx) {
      emitUnary(ctx, node, tfl);
    },
  };
}

export function emitUnary(ctx: ConvertContext, node: Node, tfl: string, options?: Record<string, number | string | boolean>): void {
  const x = ctx.inputAny(node.inputs[0]);
  const y = ctx.output(node.outputs[0], x.perm);
  ctx.emit(tfl, [x.index], [y], options);
}

/** y = op(a, b) with ONNX (numpy) broadcasting, layout-agnostic. */
export function binary(op: string, tfl: string, d: Decl = {}): OpConverter {
  return {
    op, emits: [tfl], opset: d.opset ?? [1, MAX_OPSET], inputs: [2, 2], dtypes: d.dtypes ?? ARITHMETIC, int8: d.int8,
    micro: d.micro, layout: 'any', check: d.check ?? checkBroadcast,
    convert(node, ctx) {
      const w = d.wraps ? (n: string) => wrappedInt64(ctx, n) : (n: string) => n;
      emitBinary(ctx, w(node.inputs[0]), w(numpyB(ctx, node)), node.outputs[0], tfl, d.fused);
    },
  };
}

/** Old opsets (< 7) used `broadcast`/`axis` attributes instead of numpy broadcasting: B must fit A at `axis`. */
export function checkBroadcast(node: Node, ctx: ConvertContext): Refusal | undefined {
  if (!isLegacyBroadcast(node)) return undefined;
  const s = legacyShape(node, ctx.shape(node.inputs[0]), ctx.shape(node.inputs[1]));
  return typeof s === 'string' ? refuse('attribute', s) : undefined;
}

/** Input B of a binary op, reshaped for numpy broadcasting when the node uses legacy broadcasting. */
export function numpyB(ctx: ConvertContext, node: Node): string {
  const b = node.inputs[1];
  if (!isLegacyBroadcast(node)) return b;
  const s = legacyShape(node, ctx.shape(node.inputs[0]), ctx.shape(b));
  return typeof s === 'string' ? ctx.fail(s) : reshapedValue(ctx, b, s);
}

/** The inputs of a two-input op with ONNX (numpy) broadcasting, in one layout at the rank of its output `out`, and
 *  that output's TFLite tensor in the same layout. */
export function broadcastPair(ctx: ConvertContext, a: string, b: string, out: string): { ia: number; ib: number; y: number } {
  const rank = ctx.rank(out);
  const perm = ctx.commonPerm([a, b], rank);
  const ia = ctx.inputBroadcast(a, rank, perm);
  const ib = ctx.inputBroadcast(b, rank, perm);
  return { ia, ib, y: ctx.output(out, perm) };
}

export function emitBinary(ctx: ConvertContext, a: string, b: string, out: string, tfl: string, fused?: boolean): number {
  const { ia, ib, y } = broadcastPair(ctx, a, b, out);
  emitArith(ctx, tfl, ia, ib, y, fused);
  return y;
}

/** Integer types whose TFLite arithmetic kernels are quantized-only (or missing): computed in INT32. */
const NARROW_INTS = new Set(['UINT8', 'INT8', 'UINT16', 'INT16']);
const ARITH = new Set(['ADD', 'SUB', 'MUL', 'DIV', 'MAXIMUM', 'MINIMUM', 'FLOOR_DIV', 'FLOOR_MOD']);

/**
 * y = tfl(a, b). Plain (unquantized) 8- and 16-bit integers go through INT32 with CASTs: TFLite's kernels for those
 * types expect quantized tensors; the CAST back wraps like ONNX's integer arithmetic. DIV goes through FLOAT32 (exact
 * for these ranges, and the CAST back truncates like ONNX): LiteRT invokes a model once while loading it, with zero
 * inputs, and its INT32 DIV fails on a zero divisor.
 */
export function emitArith(ctx: ConvertContext, tfl: string, a: number, b: number, y: number, fused?: boolean): void {
  const opts = fused ? { fusedActivationFunction: 'NONE' } : undefined;
  const type = ctx.tensors[y].type;
  if (!NARROW_INTS.has(type) || !ARITH.has(tfl) || ctx.tensors[y].quantization) {
    ctx.emit(tfl, [a, b], [y], opts);
    return;
  }
  const wideType = tfl === 'DIV' ? 'FLOAT32' : 'INT32';
  const wide = (t: number) => {
    const w = ctx.temp(ctx.tensors[t].shape, wideType, `${ctx.tensors[t].name}__wide`);
    ctx.emit('CAST', [t], [w]);
    return w;
  };
  const r = ctx.temp(ctx.tensors[y].shape, wideType, `${ctx.tensors[y].name}__wide`);
  ctx.emit(tfl, [wide(a), wide(b)], [r], opts);
  ctx.emit('CAST', [r], [y]);
}

/** Variadic ops (Sum, Max, Min, Mean): a chain of binary ops. */
export function variadic(op: string, tfl: string, d: Decl = {}): OpConverter {
  return {
    op, emits: [tfl], opset: d.opset ?? [1, MAX_OPSET], inputs: [1, Infinity], dtypes: d.dtypes ?? ARITHMETIC, int8: d.int8,
    micro: d.micro, layout: 'any',
    convert(node, ctx) {
      emitVariadic(ctx, node, tfl);
    },
  };
}

export function emitVariadic(ctx: ConvertContext, node: Node, tfl: string, outName?: string): number {
  const inputs = node.inputs.filter(Boolean);
  const out = outName ?? node.outputs[0];
  const rank = ctx.rank(node.outputs[0]);
  const perm = ctx.commonPerm(inputs, rank);
  if (inputs.length === 1) {
    const x = ctx.inputBroadcast(inputs[0], rank, perm);
    const y = ctx.output(out, perm);
    const shape = ctx.tensors[y].shape;
    ctx.emit('RESHAPE', [x, ctx.constInt32(shape, `${out}__shape`)], [y], { newShape: shape });
    return y;
  }
  let acc = ctx.inputBroadcast(inputs[0], rank, perm);
  const type = ctx.tensors[acc].type;
  for (let k = 1; k < inputs.length; k++) {
    const b = ctx.inputBroadcast(inputs[k], rank, perm);
    const last = k === inputs.length - 1;
    const shapeK = last ? undefined : broadcastShape(ctx.tensors[acc].shape, ctx.tensors[b].shape);
    const y = last ? ctx.output(out, perm) : ctx.temp(shapeK!, type, `${out}__acc${k}`);
    emitArith(ctx, tfl, acc, b, y, tfl === 'ADD');
    acc = y;
  }
  return acc;
}

export function broadcastShape(a: number[], b: number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    out.push(x === 1 ? y : x);
  }
  return out;
}
