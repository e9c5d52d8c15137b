// int64 constants of integer arithmetic, narrowed to INT32 by wrapping rather than clamping.
//
// The converter stores int64 as INT32 (constdata.ts), clamping constants to INT32's range: right for sentinels (a
// Slice's INT64_MAX end, a clamp bound), wrong for a multiplier or an addend. Instant-NGP's spatial hash multiplies
// integer grid coordinates by 2654435761 and reduces the sum mod 2^T: clamped to 2^31 − 1, every hash was another
// table row. INT32's ADD / SUB / MUL wrap modulo 2^32, so an operand congruent to the constant modulo 2^32 gives the
// int64 result modulo 2^32 — exactly it whenever that fits INT32, or is then reduced by a power of two (a hash) —
// where the clamped one gives neither.
import type { ConvertContext } from '../context';

const WIDE = new Set(['int64', 'uint64']);

/** `name` itself, or, for an int64 / uint64 constant with a value outside INT32's range, the name of a copy whose
 *  values are wrapped to INT32 (two's complement, modulo 2^32). */
export function wrappedInt64(ctx: ConvertContext, name: string): string {
  const c = ctx.constant(name);
  if (!c || !WIDE.has(c.dtype) || !(c.data instanceof BigInt64Array || c.data instanceof BigUint64Array)) return name;
  const data = c.data;
  let outside = false;
  for (let i = 0; i < data.length && !outside; i++) outside = data[i] > 2147483647n || data[i] < -2147483648n;
  if (!outside) return name;
  const key = `${ctx.resolve(name)}__wrap32`;
  if (!ctx.constants.has(key)) {
    const wrapped = BigInt64Array.from(data, (v) => BigInt.asIntN(32, v));
    ctx.constants.set(key, { ...c, name: key, dtype: 'int64', data: wrapped });
  }
  return key;
}
