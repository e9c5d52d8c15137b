// A two-operand Einsum as a broadcast MUL over the union of its labels and a SUM over the contracted ones, each
// operand read as it is stored (viewed with unit dims for the labels it lacks): the same multiply-adds as a
// BATCH_MATMUL, which needs its batch labels leading and may move an operand for it. TiSASRec's interval-aware
// attention 'bihe,bijhe->bhij' (the queries against per-pair key embeddings [b, i, j, h, e]) moved the whole table
// to [b, i, h, j, e]; XLNet's segment term 'ijbs,ibns->bnij' (s = 2) moved both operands and its product, and its
// 'ibnd,snd->ibns' against the constant segment embeddings moved q heads-first. Taken only when that makes fewer
// moves than the BATCH_MATMUL would — its operands moved (a copy already made for another reader, or a constant,
// counts as not moved) and its product's order, unless that is ONNX order, channel-last where wanted, the order of
// the one elementwise partner it meets, or it flows into further products — and its MUL's terms are no more than the
// largest operand or output (the smaller operand broadcast into the larger), or at most twice that and two fewer
// moves: a MUL and a SUM over more terms ran slower than the moves they saved (paired LiteRT latency, s24-xpose9:
// Monarch Mixer's block-diagonal products at 4x 1.19-1.29x, XLNet's segment term at 2x saving one move 1.25x).
// Operands whose shared labels are stored in different orders: the smaller one is moved to the larger one's order.
// Unit labels are views, out of the MUL (rank 5 at most) and the SUM; a constant's own labels are laid out where the
// product then needs no move (MTA's head mixing 'bgink,gij->bgjnk': 2 moves a layer -> 0).
// The product comes out in the union order less the contracted labels, moved to ONNX order at once when that order
// counted as a move (its elementwise partner would otherwise vote for it and the softmax after move it back).
import type { ConvertContext } from '../context';
import { constantBytes } from '../constdata';
import { type Perm, channelLast, identity, isIdentity, sameMemoryOrder, samePerm } from '../layout';
import type { EinsumSpec } from './_einsum';

interface Operand { name: string; labels: string[] }

/** The operand must move (a computed value with no copy stored with its labels in `order`). */
function moves(ctx: ConvertContext, x: Operand, order: string[]): boolean {
  if (ctx.isConstant(x.name)) return false;
  const perm = order.map((l) => x.labels.indexOf(l));
  return !ctx.copiesOf(x.name).some((p) => samePerm(p, perm)) && !sameMemoryOrder(ctx.dims(x.name), ctx.permOf(x.name), perm);
}

/** The BATCH_MATMUL's move of the operand would serve another product too (LoFTR's linear attention: q moved
 *  heads-first for 'nlhd,nhd->nlh' is the copy 'nlhd,nhdv,nlh->nlhv' reads next): not counted against it. */
function sharedMove(ctx: ConvertContext, x: Operand): boolean {
  return ctx.readersOf(x.name).some((n) => n !== ctx.current && (n.opType === 'MatMul' || (n.opType === 'Einsum' && n.inputs.length !== 2)));
}

const UNARY = new Set(['Reciprocal', 'Neg', 'Exp', 'Log', 'Sqrt', 'Abs', 'Relu', 'Sigmoid', 'Tanh']);
const BINARY = new Set(['Add', 'Sub', 'Mul', 'Div']);

/** Every reader of `v`, through unary ops and ones with a constant other operand (LoFTR's linear attention:
 *  Z = 1 / (einsum + eps)), is another Einsum or MatMul, which reads any stored order: no partner that would move. */
export function feedsContractions(ctx: ConvertContext, v: string, depth = 0): boolean {
  const readers = ctx.readersOf(v);
  if (depth > 4 || readers.length === 0 || ctx.graph.outputs.some((o) => o.name === v)) return false;
  return readers.every((r) => r.opType === 'Einsum' || r.opType === 'MatMul'
    || ((UNARY.has(r.opType) || (BINARY.has(r.opType) && r.inputs.every((i) => i === v || ctx.isConstant(i))))
      && feedsContractions(ctx, r.outputs[0], depth + 1)));
}

/** 1 when `y` stored in `perm` is likely to be moved again downstream, else 0 (see the header). */
function orderMoves(ctx: ConvertContext, y: string, perm: Perm): number {
  if (isIdentity(perm) || (ctx.prefersChannelLast.has(y) && samePerm(perm, channelLast(perm.length)))) return 0;
  if (feedsContractions(ctx, y)) return 0;
  const readers = ctx.readersOf(y);
  const n = readers.length === 1 && BINARY.has(readers[0].opType) ? readers[0] : undefined;
  const other = n?.inputs.find((i) => i && i !== y && !ctx.isConstant(i));
  return other && ctx.has(other) && ctx.rank(other) === perm.length && samePerm(ctx.permOf(other), perm) ? 0 : 1;
}

/** The labels of both stored orders in one order of which each is a subsequence, or undefined when their shared
 *  labels run in different orders. */
function merged(sa: string[], sb: string[]): string[] | undefined {
  const out: string[] = [];
  let j = 0;
  for (const l of sa) {
    if (sb.includes(l)) {
      const at = sb.indexOf(l, j);
      if (at < 0) return undefined;
      out.push(...sb.slice(j, at));
      j = at + 1;
    }
    out.push(l);
  }
  return [...out, ...sb.slice(j)];
}

/**
 * A constant's own labels (those the computed operand lacks) may go anywhere in the union order (it is laid out to
 * fit): placed together, in the output's order, where the product then needs no move (MTA's head mixing
 * 'bgink,gij->bgjnk': j between g and the map, [b, g, j, n, k] in ONNX order), else after the operand's labels.
 */
function constantPlaced(order: string[], sBig: string[], small: Operand, con: string[], final: { out: string[] },
  stays: (kept: string[]) => boolean): [string[], string[]] {
  const mine = final.out.filter((l) => small.labels.includes(l) && !sBig.includes(l));
  const sums = small.labels.filter((l) => !sBig.includes(l) && !final.out.includes(l));
  const at = (p: number) => [...sBig.slice(0, p), ...mine, ...sums, ...sBig.slice(p)];
  const p = Array.from({ length: sBig.length + 1 }, (_, k) => k).find((k) => stays(at(k).filter((l) => !con.includes(l))));
  const best = p === undefined || stays(order.filter((l) => !con.includes(l))) ? order : at(p);
  return [best, best.filter((l) => small.labels.includes(l))];
}

/**
 * Emits `final.y` as SUM(a ⊙ b) and returns true when that makes fewer moves than the BATCH_MATMUL with operands in
 * `aOrder` / `bOrder` and its product in `natural` would; else false, nothing emitted.
 */
export function mulSum(ctx: ConvertContext, name: string, a: Operand, b: Operand, aOrder: string[], bOrder: string[],
  natural: string[], final: { y: string; out: string[] }, s: EinsumSpec & { sizes: Map<string, number> }): boolean {
  if ((ctx.isConstant(a.name) && ctx.isConstant(b.name)) || ctx.isDynamic(a.name) || ctx.isDynamic(b.name)) return false;
  const size = (l: string) => s.sizes.get(l)!;
  const count = (ls: string[]) => ls.reduce((p, l) => p * size(l), 1);
  // The larger computed operand stays as stored; a constant is laid out in whatever order the other needs.
  const [big, small] = ctx.isConstant(b.name) || (!ctx.isConstant(a.name) && count(a.labels) >= count(b.labels)) ? [a, b] : [b, a];
  const union = [...big.labels, ...small.labels.filter((l) => !big.labels.includes(l))];
  const con = union.filter((l) => !final.out.includes(l));
  const spread = count(union) / Math.max(count(a.labels), count(b.labels), count(final.out));
  // Unit labels (MTA's batch of 1 in 'bgink,gij->bgjnk') are left out of the MUL and the SUM: views.
  const dropUnits = con.some((l) => size(l) > 1);
  const inCore = (l: string) => !dropUnits || size(l) > 1;
  if (!con.length || union.filter(inCore).length > 5 || spread > 2) return false;
  const sBig = ctx.permOf(big.name).map((d) => big.labels[d]);
  const shared = sBig.filter((l) => small.labels.includes(l));
  const own = ctx.isConstant(small.name) ? undefined : ctx.permOf(small.name).map((d) => small.labels[d]);
  let sSmall = own && merged(sBig, own) ? own : [...shared, ...(own ?? small.labels).filter((l) => !shared.includes(l))];
  let order = merged(sBig, sSmall)!;
  if (!own) [order, sSmall] = constantPlaced(order, sBig, small, con, final, (kept) => orderMoves(ctx, final.y, kept.map((l) => final.out.indexOf(l))) === 0);
  const kept = order.filter((l) => !con.includes(l));
  const keptPerm = kept.map((l) => final.out.indexOf(l));
  const outMoves = orderMoves(ctx, final.y, keptPerm);
  const bmmMove = (x: Operand, o: string[]) => Number(moves(ctx, x, o) && !sharedMove(ctx, x));
  const bmmMoves = bmmMove(a, aOrder) + bmmMove(b, bOrder) + orderMoves(ctx, final.y, natural.map((l) => final.out.indexOf(l)));
  if (bmmMoves - Number(moves(ctx, small, sSmall)) - outMoves < (spread > 1 ? 2 : 1)) return false;
  const core = order.filter(inCore);
  const viewed = (x: Operand, stored: string[]): number => {
    const perm = stored.map((l) => x.labels.indexOf(l));
    const dims = core.map((l) => (x.labels.includes(l) ? size(l) : 1));
    const c = ctx.constant(x.name);
    if (c) {
      const { type, bytes } = constantBytes(c, perm);
      return ctx.constTensor({ name: `${name}/broadcast_${x.name}`, type, shape: dims, data: bytes });
    }
    const view = ctx.temp(dims, 'FLOAT32', `${name}/broadcast`);
    ctx.emit('RESHAPE', [ctx.input(x.name, perm), ctx.constInt32(dims, `${name}/broadcast_shape`)], [view], { newShape: dims });
    return view;
  };
  const prod = ctx.temp(core.map(size), 'FLOAT32', `${name}/terms`);
  ctx.emit('MUL', [viewed(big, sBig), viewed(small, sSmall)], [prod], { fusedActivationFunction: 'NONE' });
  const sum = outMoves ? `${name}/mulsum` : final.y;
  if (outMoves) ctx.declare(sum, 'float32', kept.map(size));
  const out = ctx.output(sum, outMoves ? identity(kept.length) : keptPerm);
  const axes = ctx.constInt32(con.filter(inCore).map((l) => core.indexOf(l)), `${name}/sum_axes`);
  const keptCore = kept.filter(inCore);
  if (keptCore.length === kept.length) ctx.emit('SUM', [prod, axes], [out], { keepDims: false });
  else {
    const summed = ctx.temp(keptCore.map(size), 'FLOAT32', `${name}/summed`);
    ctx.emit('SUM', [prod, axes], [summed], { keepDims: false });
    ctx.emit('RESHAPE', [summed, ctx.constInt32(kept.map(size), `${name}/sum_shape`)], [out], { newShape: kept.map(size) });
  }
  if (outMoves) ctx.bind(final.y, ctx.input(sum, final.out.map((l) => kept.indexOf(l))), identity(final.out.length));
  return true;
}
