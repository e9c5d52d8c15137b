// An Einsum of two run-time operands where one holds every label of the other and the output is the larger one less
// the contracted labels (TiSASRec's interval-aware attention 'bihe,bijhe->bhij': the queries [b, i, h, e] against
// per-pair key embeddings [b, i, j, h, e]) is a broadcast MUL and a SUM over the contracted labels, reading the large
// operand as it is stored. As a BATCH_MATMUL it needs its batch labels leading, [b, i, h, j, e]: a TRANSPOSE of the
// whole [b, i, j, h, e] embedding table. Taken only when that makes fewer moves than the BATCH_MATMUL would: its
// operands moved (a copy already made for another reader counts as not moved) and its product's order, unless that
// is ONNX order, channel-last where wanted, or the order of the one elementwise partner it meets. The product comes
// out in the large operand's stored order less the contracted labels, moved to ONNX order at once when that order
// counted as a move (its elementwise partner would otherwise vote for it and the softmax after move it back).
import type { ConvertContext } from '../context';
import { type Perm, channelLast, identity, isIdentity, sameMemoryOrder, samePerm } from '../layout';
import type { EinsumSpec } from './_einsum';

interface Operand { name: string; labels: string[] }

/** The operand must move (no copy of it stored with its labels in `order`). */
function moves(ctx: ConvertContext, x: Operand, order: string[]): boolean {
  const perm = order.map((l) => x.labels.indexOf(l));
  return !ctx.copiesOf(x.name).some((p) => samePerm(p, perm)) && !sameMemoryOrder(ctx.dims(x.name), ctx.permOf(x.name), perm);
}

const BINARY = new Set(['Add', 'Sub', 'Mul', 'Div']);

/** 1 when `y` stored in `perm` is likely to be moved again downstream, else 0 (see the header). */
function orderMoves(ctx: ConvertContext, y: string, perm: Perm): number {
  if (isIdentity(perm) || (ctx.prefersChannelLast.has(y) && samePerm(perm, channelLast(perm.length)))) return 0;
  const readers = ctx.readersOf(y);
  const n = readers.length === 1 && BINARY.has(readers[0].opType) ? readers[0] : undefined;
  const other = n?.inputs.find((i) => i && i !== y && !ctx.isConstant(i));
  return other && ctx.has(other) && ctx.rank(other) === perm.length && samePerm(ctx.permOf(other), perm) ? 0 : 1;
}

/**
 * Emits `final.y` as SUM(big ⊙ small) and returns true when the operands are such a pair and the MUL reads fewer moved
 * operands than the BATCH_MATMUL with operands in `aOrder` / `bOrder` and its product in `natural` would; else false,
 * nothing emitted.
 */
export function mulSum(ctx: ConvertContext, name: string, a: Operand, b: Operand, aOrder: string[], bOrder: string[],
  natural: string[], final: { y: string; out: string[] }, s: EinsumSpec & { sizes: Map<string, number> }): boolean {
  if (ctx.isConstant(a.name) || ctx.isConstant(b.name) || ctx.isDynamic(a.name) || ctx.isDynamic(b.name)) return false;
  const [big, small] = a.labels.length >= b.labels.length ? [a, b] : [b, a];
  if (big.labels.length > 5 || !small.labels.every((l) => big.labels.includes(l))) return false;
  const con = big.labels.filter((l) => !final.out.includes(l));
  if (!con.length || con.some((l) => !small.labels.includes(l)) || final.out.length !== big.labels.length - con.length) return false;
  const sb = ctx.permOf(big.name).map((d) => big.labels[d]);
  const smallOrder = sb.filter((l) => small.labels.includes(l));
  const kept = sb.filter((l) => !con.includes(l));
  const keptPerm = kept.map((l) => final.out.indexOf(l));
  const outMoves = orderMoves(ctx, final.y, keptPerm);
  const bmmMoves = Number(moves(ctx, a, aOrder)) + Number(moves(ctx, b, bOrder)) + orderMoves(ctx, final.y, natural.map((l) => final.out.indexOf(l)));
  if (Number(moves(ctx, small, smallOrder)) + outMoves >= bmmMoves) return false;
  const size = (l: string) => s.sizes.get(l)!;
  const si = ctx.input(small.name, smallOrder.map((l) => small.labels.indexOf(l)));
  const spread = sb.map((l) => (small.labels.includes(l) ? size(l) : 1));
  const view = ctx.temp(spread, 'FLOAT32', `${name}/broadcast`);
  ctx.emit('RESHAPE', [si, ctx.constInt32(spread, `${name}/broadcast_shape`)], [view], { newShape: spread });
  const prod = ctx.temp(sb.map(size), 'FLOAT32', `${name}/terms`);
  ctx.emit('MUL', [ctx.input(big.name, ctx.permOf(big.name)), view], [prod], { fusedActivationFunction: 'NONE' });
  const sum = outMoves ? `${name}/mulsum` : final.y;
  if (outMoves) ctx.declare(sum, 'float32', kept.map(size));
  const out = ctx.output(sum, outMoves ? identity(kept.length) : keptPerm);
  ctx.emit('SUM', [prod, ctx.constInt32(con.map((l) => sb.indexOf(l)), `${name}/sum_axes`)], [out], { keepDims: false });
  if (outMoves) ctx.bind(final.y, ctx.input(sum, final.out.map((l) => kept.indexOf(l))), identity(final.out.length));
  return true;
}
