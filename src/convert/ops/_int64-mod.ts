// Integer hashes reduced by a modulus that is not a power of two, computed in INT64.
//
// The converter stores int64 as INT32 (constdata.ts), and _int64-wrap.ts wraps wide constants modulo 2^32 so that
// ADD / SUB / MUL give the int64 result modulo 2^32 — exact after a reduction by a power of two (Instant-NGP's hash).
// A reduction by any other modulus needs the whole int64 value: BLT's byte n-gram hash
// `Σ byte_i · prime^i  mod 500` (primes ~1e9, their powers wrapping modulo 2^64) took another table row for almost
// every n-gram in INT32. When a Mod's divisor is a constant that does not divide 2^32 (or is known only at run time) and its dividend is integer
// arithmetic (Mul / Add / Sub / Neg / ReduceSum) over an int64 constant outside INT32's range, the chain is emitted
// again in INT64 from its non-constant leaves (CAST up), the FLOOR_MOD taken in INT64 and its result cast down; the
// INT32 copies of the chain, read by nothing else, are pruned. LiteRT's INT64 MUL / ADD / SUM wrap as torch and numpy
// do; onnxruntime's int64 ReduceSum saturates at 2^63 − 1 instead, so its reference differs (docs/model-sweep.md).
import type { Node } from '../../ir/types';
import type { ConvertContext } from '../context';
import { attrInt, attrInts } from '../attrs';
import { Emitter } from './_emit';
import { identity } from '../layout';

const ARITH: Record<string, string> = { Mul: 'MUL', Add: 'ADD', Sub: 'SUB' };
const WIDE = new Set(['int64', 'uint64']);
const MAX_DEPTH = 12;

function producer(ctx: ConvertContext, name: string): Node | undefined {
  const r = ctx.resolve(name);
  return ctx.graph.nodes.find((n) => n.outputs.some((o) => o && ctx.resolve(o) === r));
}

function wideConstant(ctx: ConvertContext, name: string): boolean {
  const c = ctx.constant(name);
  if (!c || !(c.data instanceof BigInt64Array || c.data instanceof BigUint64Array)) return false;
  return c.data.some((v) => v > 2147483647n || v < -2147483648n);
}

/** ReduceSum's axes (attribute before opset 13, input after) when constant; undefined otherwise. */
function sumAxes(ctx: ConvertContext, node: Node): number[] | undefined {
  if (node.inputs[1]) {
    const c = ctx.constant(node.inputs[1]);
    return c ? Array.from(c.data as ArrayLike<number | bigint>, Number) : undefined;
  }
  return attrInts(node, 'axes') ?? [];
}

/** Does `name`'s integer chain read an int64 constant outside INT32's range (the sign of a hash)? */
function readsWideConstant(ctx: ConvertContext, name: string, depth = 0): boolean {
  if (wideConstant(ctx, name)) return true;
  const p = depth < MAX_DEPTH ? producer(ctx, name) : undefined;
  if (!p) return false;
  if (ARITH[p.opType]) return p.inputs.some((i) => readsWideConstant(ctx, i, depth + 1));
  if (p.opType === 'Neg') return readsWideConstant(ctx, p.inputs[0], depth + 1);
  if (p.opType === 'ReduceSum') return sumAxes(ctx, p) !== undefined && readsWideConstant(ctx, p.inputs[0], depth + 1);
  return false;
}

/** True when Mod(a, b) must run in INT64: a is int64 arithmetic over a wide constant and b a constant whose
 *  values do not all divide 2^32 (a power of two up to 2^31 keeps the INT32 wrap exact), or b is computed at run
 *  time (any divisor may come: a bucket count the app passes in). */
export function needsInt64Mod(ctx: ConvertContext, node: Node): boolean {
  const [a, b] = node.inputs;
  if (!WIDE.has(ctx.dtype(a)) || !WIDE.has(ctx.dtype(b))) return false;
  const m = ctx.constant(b);
  if (m && !(m.data instanceof BigInt64Array || m.data instanceof BigUint64Array)) return false;
  const pow2 = m !== undefined && Array.from(m.data as ArrayLike<bigint>).every((v) => v > 0n && v <= 2147483648n && (v & (v - 1n)) === 0n);
  return !pow2 && readsWideConstant(ctx, a);
}

/** An INT64 tensor of an int64 constant's exact values. */
function constInt64(ctx: ConvertContext, name: string): number {
  const c = ctx.constant(name)!;
  const data = BigInt64Array.from(c.data as ArrayLike<bigint>, (v) => BigInt.asIntN(64, BigInt(v)));
  return ctx.constTensor({ name: `${ctx.resolve(name)}__int64`, type: 'INT64', shape: ctx.shape(name), data: new Uint8Array(data.buffer) });
}

/** `name` in INT64, in ONNX order: constants exact, the chain's ops again in INT64, other values cast up. */
function int64Value(e: Emitter, name: string, memo: Map<string, number>, depth = 0): number {
  const ctx = e.ctx;
  const key = ctx.resolve(name);
  const seen = memo.get(key);
  if (seen !== undefined) return seen;
  let t: number;
  const p = ctx.isConstant(name) || depth >= MAX_DEPTH ? undefined : producer(ctx, name);
  const axes = p?.opType === 'ReduceSum' ? sumAxes(ctx, p) : undefined;
  if (ctx.isConstant(name) && WIDE.has(ctx.dtype(name))) {
    t = constInt64(ctx, name);
  } else if (p && ARITH[p.opType] && WIDE.has(ctx.dtype(name))) {
    t = e.bin(ARITH[p.opType], int64Value(e, p.inputs[0], memo, depth + 1), int64Value(e, p.inputs[1], memo, depth + 1));
  } else if (p && p.opType === 'Neg' && WIDE.has(ctx.dtype(name))) {
    t = e.un('NEG', int64Value(e, p.inputs[0], memo, depth + 1));
  } else if (p && axes && WIDE.has(ctx.dtype(name))) {
    const x = int64Value(e, p.inputs[0], memo, depth + 1);
    const rank = ctx.rank(p.inputs[0]);
    const all = axes.length === 0 && attrInt(p, 'noop_with_empty_axes', 0) === 0;
    const norm = all ? [...Array(rank).keys()] : axes.map((a) => (a < 0 ? a + rank : a));
    t = norm.length === 0 ? x : e.reduce('SUM', x, norm, attrInt(p, 'keepdims', 1) === 1);
  } else {
    t = e.cast(ctx.inputOnnx(name), 'INT64');
  }
  memo.set(key, t);
  return t;
}

/** Emits Mod(a, b) (fmod 0 or 1) with its dividend's chain in INT64; the result cast to the output's INT32. */
export function emitInt64Mod(ctx: ConvertContext, node: Node, fmod: boolean): void {
  const e = new Emitter(ctx, node);
  const memo = new Map<string, number>();
  const a = int64Value(e, node.inputs[0], memo);
  // A run-time divisor is cast up (an int64 graph input is fed as INT32: its values are within INT32's range).
  const b = int64Value(e, node.inputs[1], memo);
  let r = e.bin('FLOOR_MOD', a, b);
  if (fmod) {
    const zero = ctx.constTensor({ name: `${node.name}__zero64`, type: 'INT64', shape: [], data: new Uint8Array(8) });
    const differ = e.bin('NOT_EQUAL', e.bin('LESS', r, zero), e.bin('LESS', a, zero));
    const fix = e.bin('LOGICAL_AND', e.bin('NOT_EQUAL', r, zero), differ);
    r = e.select(fix, e.bin('SUB', r, b), r);
  }
  const y = ctx.output(node.outputs[0], identity(ctx.rank(node.outputs[0])));
  e.cast(r, ctx.tensors[y].type, y);
}
