// The layout an elementwise op's inputs share (ConvertContext.commonPerm): the stored order most of them already
// have, and the channel-last rules beside the vote (a per-channel value broadcast against a constant map, a result
// that flows into a convolution, one value every reader transposes by the same perm).
import type { Node } from '../ir/types';
import type { ConvertContext } from './context';
import { einsumOperandOrder } from './einsum-reader';
import { Perm, channelLast, identity, invert, isIdentity, sameMemoryOrder, samePerm, unitsInOnnxPlace } from './layout';
import { attrInts } from './attrs';
import { filterOrder } from './filter-layout';
import { reducedInOnnxOrder } from './reduced-order';
import { regatherable } from './regather';
import { sharedCopyOrder } from './shared-copy-order';

/**
 * Picks one layout for the inputs of a layout-agnostic op (elementwise): the layout most of its non-constant
 * full-rank inputs already have (channel-last wins ties, ONNX order beats other orders). Lower-rank inputs broadcast
 * from the right.
 */
export function commonPerm(ctx: ConvertContext, names: string[], rank: number): Perm {
  const freeCl = broadcastChannelLast(ctx, names, rank);
  if (freeCl) return freeCl;
  const outer = outerReaderOrder(ctx, names, rank) ?? sharedCopyOrder(ctx, names, rank);
  if (outer) return outer;
  const votes = new Map<string, { perm: Perm; n: number }>();
  // A rank-3 value stored [0, 2, 1] by the model's own Transpose (a padding mask [B, T, T] and-ed with its
  // transpose: FastConformer), directly or through the ops after it (a [B, C, T] input moved to [B, T, C], normed
  // and summed: htdemucs), is no 1-D signal's channel-last unless the result flows into a convolution. Nor is a rank-4
  // value stored [0, 2, 3, 1] by the model's own [0, 3, 1, 2] (LayoutLMv3's relative-position bias computed
  // [B, N, N, H] and moved heads-first): the attention scores it is added to stay in ONNX order for the softmax, and the
  // bias is moved once for every layer that reads it, instead of the scores moved to it and back in each layer.
  const spatial = (rank !== 3 && rank !== 4) || (ctx.current?.outputs.some((o) => ctx.prefersChannelLast.has(o)) ?? true);
  // A result read only by a softmax over its last axis (attention scores plus a bias a conv computed per head:
  // Relation-DETR's box-pair relations [B, H, Q, Q] stored channel-last) wants that axis last: channel-last loses its
  // tie bonus there, so the bias moves once instead of the scores moved to it and back for the softmax.
  const softmaxed = softmaxReader(ctx, rank);
  for (const n of names) {
    if (!n || ctx.isConstant(n) || ctx.rank(n) !== rank) continue;
    // A lazy order that moves only unit dims from ONNX order holds its bytes in ONNX order: it votes for that when
    // a constant broadcasts the result larger, which would then really be stored in the lazy order (a chunk Gathered
    // from a value stored [b, n, 1, h, d], [b, h, d, 1] in ONNX order, times a constant [b, h, d, e]: GLA's decay of
    // the state). Otherwise (an Expand's vote, Retinexformer's norms expanded to the map they divide) as it was.
    const p0 = ctx.permOf(n);
    const out = ctx.current?.outputs[0];
    const grown = out !== undefined && ctx.rank(out) === rank && !sameMemoryOrder(ctx.dims(out), p0, identity(rank))
      && names.some((c) => c && ctx.isConstant(c));
    const p = grown && unitsMoved(ctx, n, p0) ? unitsInOnnxPlace(ctx.dims(n), p0) : p0;
    const k = p.join(',');
    const v = votes.get(k) ?? { perm: p, n: 0 };
    // Channel-last (what convolutions keep) wins ties; any other stored order (a transpose left lazy) loses them
    // to ONNX order, which matrix products and reshapes read without a TRANSPOSE.
    // Among other orders, one that keeps the last axis last wins ties (matrix products and LayerNorm read it
    // without a move: MobileViT's residual after attention, where the patches come in reversed).
    const last = samePerm(p, channelLast(rank)) && (spatial || !movedByModel(ctx, n, p)) && !softmaxed;
    v.n += isIdentity(p) ? 1 : last ? 1.5 : p[rank - 1] === rank - 1 ? 0.95 : 0.9;
    votes.set(k, v);
  }
  let best: Perm = identity(rank);
  let bestN = -1;
  for (const v of votes.values()) if (v.n > bestN) { best = v.perm; bestN = v.n; }
  // A layout the other inputs reach by moving unit dims only (a RESHAPE, no TRANSPOSE: rotary's cos [B, 1, S, d]
  // against q stored [B, S, N, d]) beats a voted one that would TRANSPOSE a larger input.
  const moved = (p: Perm) => names.filter((n) => n && !ctx.isConstant(n) && ctx.rank(n) === rank)
    .filter((n) => !sameMemoryOrder(ctx.dims(n), ctx.permOf(n), p)).length;
  // A result a convolution reads as its computed filter (a modulated conv's weights): the filter's order, when that
  // moves no more inputs (the style's per-channel values move unit dims only; constants are stored in any order).
  const fp = filterOrder(ctx, rank);
  if (fp && moved(fp) <= moved(best)) return fp;
  // A result read only by the model's Transpose, in that Transpose's order when an input is stored so and no more
  // inputs move: the Transpose is then free (Nyströmformer's attention output plus the conv on V, stored [B, L, h, d]
  // by its rows, before the head merge's move back to [B, L, h, d]: the attention output moves once, not the sum twice).
  const tq = transposedReaderOrder(ctx, rank);
  if (tq && votes.has(tq.join(',')) && !samePerm(tq, best) && moved(tq) <= moved(best)) return tq;
  if (votes.size > 1 && moved(best) > 0) {
    for (const v of votes.values()) if (moved(v.perm) === 0) return v.perm;
  }
  // A result that flows into a convolution when no input is stored channel-last (Zipformer's conv cache [N, C, T]
  // concatenated with the new frames, which the model moved from [T, N, C]): channel-last when it moves no more
  // inputs, and no more of their elements, than the voted order, whose result the convolution would move again (not
  // SKNet's branch maps [B, M, C, H, W] stored [B, M, H, W, C] times their softmaxed weights [B, M, C, 1, 1]: the
  // maps would move for the weights' sake, and their sum over M is channel-last as stored).
  // A frame Gathered from a stacked clip that other Gathers slice too ([B, T, C, H, W] video restoration input:
  // BasicVSR's frames normalized before SpyNet's pools, concatenated before its convs) moves by no TRANSPOSE of its
  // own: it is Gathered again from the clip moved once (regather.ts), so it does not count against channel-last.
  const cl = channelLast(rank);
  const counted = (p: Perm, forCl: boolean) => names.filter((n) => n && !ctx.isConstant(n) && ctx.rank(n) === rank)
    .filter((n) => !sameMemoryOrder(ctx.dims(n), ctx.permOf(n), p) && !(forCl && regatherable(ctx, n)));
  const movedElements = (p: Perm, forCl = false) => counted(p, forCl).reduce((a, n) => a + ctx.dims(n).reduce((x, d) => x * d, 1), 0);
  // Not when the result is read only by a reduction that drops axes and leaves ONNX order from the voted order but not
  // from channel-last (FOMM's heatmap times its coordinate grid summed into keypoints: `reduced-order.ts`).
  if (rank >= 3 && !votes.has(cl.join(',')) && ctx.current?.outputs.some((o) => ctx.prefersChannelLast.has(o))
    && counted(cl, true).length <= moved(best) && movedElements(cl, true) <= movedElements(best)
    && !(reducedInOnnxOrder(ctx, rank, best) === true && !reducedInOnnxOrder(ctx, rank, cl))) return cl;
  return hoistedPerm(ctx, names, rank) ?? fewerElements(ctx, best, [...votes.values()].map((v) => v.perm), counted, movedElements) ?? best;
}

const JOINS = new Set(['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Sum']);

/** The op's one output is read only by Softmax / LogSoftmax nodes over its last axis (opset 13 on), and flows into
 *  no convolution. */
function softmaxReader(ctx: ConvertContext, rank: number): boolean {
  const node = ctx.current;
  if (!node || node.outputs.length !== 1 || ctx.prefersChannelLast.has(node.outputs[0])) return false;
  const readers = ctx.readersOf(node.outputs[0]);
  return readers.length > 0 && !ctx.graph.outputs.some((o) => o.name === node.outputs[0]) && readers.every((n) => {
    const a = n.attrs.get('axis');
    const axis = a?.type === 'int' ? a.value : -1;
    return (n.opType === 'Softmax' || n.opType === 'LogSoftmax') && ctx.opset >= 13 && (axis + rank) % rank === rank - 1;
  });
}

/**
 * A join that broadcasts small inputs into a result at least 4 times larger than each (an outer difference: the
 * Forgetting Transformer's decay bias `c[..., :, None] - c[..., None, :]` of cumulative forget gates [B, H, N] the
 * model moved from [B, N, H]), whose only reader joins it with values all stored in one other order (the attention
 * scores in ONNX order): computed in that order, moving the small inputs, instead of the scores moved to the bias's
 * order and back for the softmax (FoX 12 -> 8 TRANSPOSE). Not for a result that flows into a convolution.
 */
function outerReaderOrder(ctx: ConvertContext, names: string[], rank: number): Perm | undefined {
  const node = ctx.current;
  if (!node || !JOINS.has(node.opType) || node.outputs.length !== 1 || ctx.prefersChannelLast.has(node.outputs[0])) return undefined;
  const y = node.outputs[0];
  if (!ctx.graph.values.get(y)?.shape) return undefined;
  const size = (n: string) => ctx.dims(n).reduce((a, d) => a * d, 1);
  const ins = names.filter((n) => n && !ctx.isConstant(n));
  const out = ctx.graph.values.get(y)!.shape!.reduce<number>((a, d) => a * (typeof d === 'number' ? d : -Infinity), 1);
  if (!ins.length || !(out > 0) || ins.some((n) => size(n) * 4 > out)) return undefined;
  const readers = ctx.readersOf(y);
  if (readers.length !== 1 || !JOINS.has(readers[0].opType) || ctx.graph.outputs.some((o) => o.name === y)) return undefined;
  // A partner not converted yet (the scores' scaling comes after the bias in the converter's order) will be in ONNX
  // order unless it flows into a convolution.
  const others = readers[0].inputs.filter((i) => i && i !== y && !ctx.isConstant(i) && ctx.rank(i) === rank)
    .map((i) => (ctx.has(i) ? ctx.permOf(i) : ctx.prefersChannelLast.has(i) ? undefined : identity(rank)));
  const p = others[0];
  if (!p || !others.every((o) => o && samePerm(o, p))) return undefined;
  return ins.every((n) => ctx.rank(n) === rank && samePerm(ctx.permOf(n), p)) ? undefined : p;
}

const REDUCES = new Set(['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2',
  'ReduceSumSquare', 'ReduceLogSumExp']);

/**
 * A result that the model only reduces (HDRNet's bilateral-grid coefficients [B, 12, 8, H, W], stored as upsampled
 * [B, H, W, 12, 8], times the guide's tent weights [B, 1, 8, H, W], summed over the 8 bins): a stored order that moves
 * no more inputs than the voted one and at most half its elements wins, since no reader wants the result in the voted
 * order. Before: the full grid moved for weights an eighth its size (0.73x latency after, paired, load 20). Not for a
 * result the model moves back by its own Transpose: triplet attention's rotated map times its 7x7 gate ran 1.10-1.14x
 * slower on LiteRT in the map's stored order (the gate broadcast over the outer axis) than moved whole and back.
 */
function fewerElements(ctx: ConvertContext, best: Perm, perms: Perm[], counted: (p: Perm, forCl: boolean) => string[],
  movedElements: (p: Perm) => number): Perm | undefined {
  const node = ctx.current;
  if (!node || node.outputs.length !== 1 || perms.length < 2) return undefined;
  const readers = ctx.readersOf(node.outputs[0]);
  if (!readers.length || !readers.every((r) => REDUCES.has(r.opType))) return undefined;
  if (ctx.graph.outputs.some((o) => o.name === node.outputs[0])) return undefined;
  const n = counted(best, false).length;
  let pick: Perm | undefined;
  let least = movedElements(best) / 2;
  for (const p of perms) {
    if (counted(p, false).length > n) continue;
    const e = movedElements(p);
    if (e <= least) { pick = p; least = e; }
  }
  return pick && !samePerm(pick, best) ? pick : undefined;
}

/**
 * Rank-4 inputs of one value per channel ([N, C, 1, 1], channel-last by moving unit dims only: MoveNet's regressed
 * keypoint places)
 * broadcast against a constant map (its coordinate grids) into a full map: channel-last, as the image maps it meets are
 * (their ONNX order would vote the result into ONNX order, and the map it is divided into would move it back).
 */
function broadcastChannelLast(ctx: ConvertContext, names: string[], rank: number): Perm | undefined {
  const out = ctx.current?.outputs.length === 1 ? ctx.current.outputs[0] : undefined;
  const inputs = names.filter((n) => n && !ctx.isConstant(n));
  // A constant with spatial extent shared by every channel, broadcast from the right (MoveNet's grids are [H, W]); not
  // one with a channel extent of its own (Gated DeltaNet's zero state [B, H, dk, dv] decayed by a per-head [B, H, 1, 1]
  // gate: a recurrent state, no image map, which stored heads-last moved every step's key and update to it).
  const grid = names.some((n) => {
    if (!n || !ctx.isConstant(n)) return false;
    const d = ctx.dims(n);
    return d.slice(-2).reduce((a, x) => a * x, 1) > 1 && (d.length < 3 || d[d.length - 3] === 1);
  });
  if (rank !== 4 || !out || !grid || !inputs.length || inputs.some((n) => ctx.rank(n) !== rank)) return undefined;
  const cl = channelLast(rank);
  const perChannel = (dims: number[]) => dims[2] === 1 && dims[3] === 1;
  if (!inputs.every((n) => perChannel(ctx.dims(n))) || sameMemoryOrder(ctx.dims(out), identity(rank), cl)) return undefined;
  return cl;
}

/** `n` is stored in an order other than ONNX whose unit dims are not where ONNX order has them relative to the other
 *  dims (`unitsInOnnxPlace`); not channel-last holding ONNX order's bytes (a per-channel gate [1, C, 1, 1]: SATRN's
 *  positional scales times a constant map keep channel-last, the map they are added to). */
function unitsMoved(ctx: ConvertContext, n: string, p: Perm): boolean {
  const dims = ctx.dims(n);
  if (isIdentity(p) || (samePerm(p, channelLast(p.length)) && sameMemoryOrder(dims, p, identity(p.length)))) return false;
  return !samePerm(p, unitsInOnnxPlace(dims, p));
}

/**
 * One value x read by several elementwise ops (the others' inputs constant), each of whose result the model
 * transposes by the same perm p (NeMo's q + pos_bias_u and q + pos_bias_v, each moved heads-first for its
 * MatMul): the ops run in layout p, so x is moved once (the copy is shared) and each Transpose costs nothing,
 * instead of a TRANSPOSE after every op. Not when each moved result flows into a convolution whose channel-last order
 * is x's own: MGP-STR's three A^3 modules, `norm_i(x).transpose(1, 2).unsqueeze(-1)` into 1x1 convs, read the tokens
 * [B, N, C] as they lie (hoisted, x was moved [B, C, N] and each conv's input back: 4 TRANSPOSE for none).
 */
function hoistedPerm(ctx: ConvertContext, names: string[], rank: number): Perm | undefined {
  const node = ctx.current;
  const inputs = names.filter((n) => n && !ctx.isConstant(n));
  if (!node || node.outputs.length !== 1 || inputs.length !== 1 || ctx.rank(inputs[0]) !== rank) return undefined;
  const x = inputs[0];
  const transposedBy = (n: Node): string | undefined => {
    const readers = n.outputs.length === 1 ? ctx.readersOf(n.outputs[0]) : [];
    // The model's Transpose, or an Einsum against a constant that takes the result in one order (XLNet's q plus each
    // relative bias: the content term's Transpose and the position term's Einsum both read it [b, n, i, d]).
    const p = readers.length !== 1 ? undefined : readers[0].opType === 'Transpose' ? attrInts(readers[0], 'perm')
      : einsumOperandOrder(ctx, readers[0], n.outputs[0]);
    if (p && samePerm(invert(p), channelLast(rank)) && ctx.prefersChannelLast.has(readers[0].outputs[0])) return undefined;
    return p && !isIdentity(p) && n.inputs.every((i) => !i || i === x || ctx.isConstant(i)) ? p.join(',') : undefined;
  };
  const p = transposedBy(node);
  if (!p || !isIdentity(ctx.permOf(x))) return undefined;
  const siblings = ctx.readersOf(x).filter((n) => n.opType === node.opType && transposedBy(n) === p);
  return siblings.length >= 2 ? p.split(',').map(Number) : undefined;
}

const RESHAPES = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze']);
const SPATIAL = new Set(['Conv', 'ConvTranspose', 'QLinearConv', 'ConvInteger', 'MaxPool', 'AveragePool', 'GlobalAveragePool',
  'GlobalMaxPool', 'LpPool', 'BatchNormalization', 'InstanceNormalization', 'Resize', 'Upsample', 'DepthToSpace',
  'SpaceToDepth', 'GridSample']);

const made = new WeakMap<ConvertContext, Map<string, Node>>();

/** The node producing `name` in the graph being converted, if any. */
export function producerOf(ctx: ConvertContext, name: string): Node | undefined {
  return producers(ctx).get(name);
}

/** Each value's producing node in the graph being converted (built once per conversion). */
function producers(ctx: ConvertContext): Map<string, Node> {
  let m = made.get(ctx);
  if (!m) {
    m = new Map();
    for (const n of ctx.graph.nodes) for (const o of n.outputs) if (o) m.set(o, n);
    made.set(ctx, m);
  }
  return m;
}

/**
 * The value's stored order `perm` comes from one of the model's own Transposes, through ops that kept it (a norm and
 * a residual over a [B, C, T] input the model moved to [B, T, C]: htdemucs' cross-transformer), not from a conv.
 */
function movedByModel(ctx: ConvertContext, name: string, perm: Perm): boolean {
  const seen = new Set<string>();
  const walk = (v: string, depth: number): boolean => {
    const r = ctx.resolve(v);
    if (depth > 24 || seen.has(r)) return false;
    seen.add(r);
    const made = producers(ctx).get(r);
    if (!made || SPATIAL.has(made.opType)) return false;
    if (made.opType === 'Transpose') return true;
    // A reshape of a moved map (htdemucs' [B, F, T, C] spectrogram tokens flattened to [B, F·T, C]).
    if (RESHAPES.has(made.opType)) return ctx.has(made.inputs[0]) && !ctx.isConstant(made.inputs[0]) && walk(made.inputs[0], depth + 1);
    return made.inputs.some((i) => i && !ctx.isConstant(i) && ctx.has(i) && ctx.rank(i) === perm.length
      && samePerm(ctx.permOf(i), perm) && walk(i, depth + 1));
  };
  return walk(name, 0);
}

/** The perm of the model's Transpose that alone reads the current op's one output (not a graph output, not carried on
 *  to a convolution), when it has the op's rank. */
function transposedReaderOrder(ctx: ConvertContext, rank: number): Perm | undefined {
  const y = ctx.current?.outputs.length === 1 ? ctx.current.outputs[0] : undefined;
  if (!y || ctx.graph.outputs.some((o) => o.name === y)) return undefined;
  const readers = ctx.readersOf(y);
  if (readers.length !== 1 || readers[0].opType !== 'Transpose' || ctx.prefersChannelLast.has(readers[0].outputs[0])) return undefined;
  const q = attrInts(readers[0], 'perm');
  return q && q.length === rank ? q : undefined;
}
