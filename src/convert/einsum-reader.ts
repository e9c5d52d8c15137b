// What an Einsum reading a value against a constant asks of that value's layout, for the layout rules that decide
// before it converts (split-order.ts, elementwise-layout.ts): its batch labels (shared with the constant and kept in
// the output) and the order its BATCH_MATMUL takes the operand in (ops/Einsum.ts: batch, free, contracted labels).
import type { Node } from '../ir/types';
import type { ConvertContext } from './context';
import { parseEinsum, isRefusal } from './ops/_einsum';

/** The labels of `v` in an Einsum of `v` and a constant, and which of them are batch labels; undefined otherwise. */
function constantProduct(ctx: ConvertContext, n: Node, v: string): { mine: string[]; batch: string[]; con: string[] } | undefined {
  if (n.opType !== 'Einsum' || n.inputs.length !== 2 || !n.inputs.includes(v)) return undefined;
  const other = n.inputs[0] === v ? n.inputs[1] : n.inputs[0];
  if (other === v || !ctx.isConstant(other)) return undefined;
  const eq = n.attrs.get('equation');
  if (eq?.type !== 'string') return undefined;
  const spec = parseEinsum(eq.value, n.inputs.map((i) => ctx.rank(i)));
  if (isRefusal(spec) || spec.diagonals.some((d) => d.length)) return undefined;
  const k = n.inputs.indexOf(v);
  const [mine, theirs] = [spec.terms[k], spec.terms[1 - k]];
  if (new Set(mine).size !== mine.length) return undefined;
  const batch = mine.filter((l) => theirs.includes(l) && spec.out.includes(l));
  const con = mine.filter((l) => theirs.includes(l) && !spec.out.includes(l));
  return { mine, batch, con };
}

/** An Einsum reads `v` against a constant batched over `v`'s axis `axis` alone (Reformer's hashing rotations). */
export function batchedAlongAxis(ctx: ConvertContext, v: string, axis: number): boolean {
  return ctx.readersOf(v).some((n) => {
    const p = constantProduct(ctx, n, v);
    return p !== undefined && p.batch.length === 1 && p.mine.indexOf(p.batch[0]) === axis;
  });
}

/** The order (ONNX dims of `v`) in which an Einsum of `v` (stored in ONNX order) and a constant, batched, takes `v`
 *  for its BATCH_MATMUL: batch labels, then free, then contracted, each in ONNX order (XLNet's q + r_r_bias in
 *  'ibnd,jbnd->bnij' against the relative keys: [b, n, i, d]); undefined when `n` is no such Einsum. */
export function einsumOperandOrder(ctx: ConvertContext, n: Node, v: string): number[] | undefined {
  const p = constantProduct(ctx, n, v);
  if (!p || p.batch.length === 0 || p.con.length === 0) return undefined;
  const free = p.mine.filter((l) => !p.batch.includes(l) && !p.con.includes(l));
  if (free.length === 0 || p.mine.indexOf(p.con[0]) < p.mine.indexOf(free[0])) return undefined;
  return [...p.batch, ...free, ...p.con].map((l) => p.mine.indexOf(l));
}
