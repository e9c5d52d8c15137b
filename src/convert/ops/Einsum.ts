// ONNX Einsum → BATCH_MATMUL (FULLY_CONNECTED when one operand is a constant without batch labels), SUM and RESHAPE.
// Labels in both operands and the output are batch dims, in both but not the output are contracted, in one operand
// only are free (summed first with SUM when the output drops them). Each operand is asked for in the order
// [batch, free, contracted] (or [batch, contracted, free], read with adj_x / adj_y, when that is how it is stored), so
// the context adds a TRANSPOSE only where the stored order does not fit; the product comes out as
// [batch, freeA, freeB] and is declared in that order (a following op may cancel the layout). One operand: SUM over
// the dropped labels and a relabelling, no op. Three or more: pairwise, left to right. A label repeated in one term
// (a diagonal) is taken first: MUL by a constant identity mask, SUM over the repeat.
import { toFloat32 } from '../../ir/tensor';
import { attrString } from '../attrs';
import { transposeData } from '../constdata';
import type { ConvertContext } from '../context';
import { channelLast, identity, samePerm } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { EinsumSpec, isRefusal, labelSizes, parseEinsum } from './_einsum';
import { feedsContractions, mulSum } from './_einsum-mulsum';

/** An ONNX value (the node's input or a value made here) with one label per ONNX dim. */
interface Operand { name: string; labels: string[] }

function spec(node: Parameters<OpConverter['convert']>[0], ctx: ConvertContext) {
  const ranks = node.inputs.map((n) => ctx.rank(n));
  const s = parseEinsum(attrString(node, 'equation', ''), ranks);
  if (isRefusal(s)) return s;
  const sizes = labelSizes(s, node.inputs.map((n) => ctx.shape(n)));
  if (isRefusal(sizes)) return sizes;
  return { ...s, sizes };
}

const Einsum: OpConverter = {
  op: 'Einsum', emits: ['BATCH_MATMUL', 'FULLY_CONNECTED', 'SUM', 'RESHAPE', 'SQUEEZE', 'MUL'], opset: [12, MAX_OPSET], inputs: [1, 8],
  dtypes: ['float32', 'float64'], layout: 'axis',
  check(node, ctx) {
    const bad = node.inputs.find((n) => ctx.dtype(n) !== 'float32' && ctx.dtype(n) !== 'float64');
    if (bad !== undefined) return refuse('dtype', `Einsum on ${ctx.dtype(bad)} is not supported (float32, float64 as float32)`);
    const s = spec(node, ctx);
    return isRefusal(s) ? s : undefined;
  },
  convert(node, ctx) {
    const s = spec(node, ctx);
    if (isRefusal(s)) return ctx.fail(s.message, s.code);
    const y = node.outputs[0];
    const ops = s.terms.map((labels, t) => diagonal(ctx, `${node.name}/diagonal${t}`, { name: node.inputs[t], labels }, s.diagonals[t], s));
    const terms = ops.map((o) => o.labels);
    let cur = ops[0];
    for (let t = 1; t < ops.length; t++) {
      const later = new Set([...s.out, ...terms.slice(t + 1).flat()]);
      const last = t === ops.length - 1;
      cur = contract(ctx, `${node.name}/einsum${t}`, cur, ops[t], later, last ? { y, out: s.out } : undefined, s);
    }
    if (s.terms.length === 1) single(ctx, node.name, cur, y, s.out, s);
  },
};

type Spec = EinsumSpec & { sizes: Map<string, number> };

/** Sums `x` over the labels `drop` (SUM in its stored layout); the result is a declared value stored in that layout. */
function reduce(ctx: ConvertContext, name: string, x: Operand, drop: string[], s: Spec): Operand {
  if (drop.length === 0) return x;
  const v = ctx.inputAny(x.name);
  const axes = drop.map((l) => x.labels.indexOf(l));
  const labels = x.labels.filter((l) => !drop.includes(l));
  const stored = v.perm.filter((d) => !axes.includes(d)).map((d) => labels.indexOf(x.labels[d]));
  ctx.declare(name, 'float32', labels.map((l) => s.sizes.get(l)!));
  const out = ctx.output(name, stored);
  ctx.emit('SUM', [v.index, ctx.constInt32(axes.map((a) => v.perm.indexOf(a)), `${name}/axes`)], [out], { keepDims: false });
  return { name, labels };
}

/** The diagonal over each [label, repeat] pair: MUL by a constant identity mask, SUM over the repeats. */
function diagonal(ctx: ConvertContext, name: string, x: Operand, pairs: [string, string][], s: Spec): Operand {
  if (pairs.length === 0) return x;
  const dims = x.labels.map((l) => s.sizes.get(l)!);
  const n = dims.reduce((p, q) => p * q, 1);
  const mask = new Float32Array(n);
  const strides = dims.map((_, i) => dims.slice(i + 1).reduce((p, q) => p * q, 1));
  for (let f = 0; f < n; f++) {
    const at = (l: string) => Math.floor(f / strides[x.labels.indexOf(l)]) % dims[x.labels.indexOf(l)];
    mask[f] = pairs.every(([l, r]) => at(l) === at(r)) ? 1 : 0;
  }
  const masked = `${name}_masked`;
  ctx.declare(masked, 'float32', dims);
  const out = ctx.output(masked, identity(dims.length));
  ctx.emit('MUL', [ctx.inputOnnx(x.name), ctx.constFloat32(mask, dims, `${name}/mask`)], [out], { fusedActivationFunction: 'NONE' });
  return reduce(ctx, name, { name: masked, labels: x.labels }, pairs.map(([, r]) => r), s);
}

function single(ctx: ConvertContext, base: string, x: Operand, y: string, out: string[], s: Spec): void {
  const r = reduce(ctx, `${base}/einsum_sum`, x, x.labels.filter((l) => !out.includes(l)), s);
  const v = ctx.inputAny(r.name);
  ctx.bind(y, v.index, v.perm.map((d) => out.indexOf(r.labels[d])));
}

/** Stored order of an operand's labels. */
function storedLabels(ctx: ConvertContext, x: Operand): string[] {
  return ctx.permOf(x.name).map((d) => x.labels[d]);
}

/** The operand stored with its labels in `order`. */
function inOrder(ctx: ConvertContext, x: Operand, order: string[]): number {
  return ctx.input(x.name, order.map((l) => x.labels.indexOf(l)));
}

/** The last label of size > 1 (a unit label's place moves no data: FSA-Net's 'kpdc,bpc->bkpd' at b = 1 writes
 *  [p, k, d, b], which holds [b, p, k, d]'s bytes, its last real label the output's). */
function lastReal(labels: string[], s: Spec): string | undefined {
  return labels.filter((l) => s.sizes.get(l) !== 1).pop();
}

function product(s: Spec, labels: string[]): number {
  return labels.reduce((p, l) => p * s.sizes.get(l)!, 1);
}

function reshape(ctx: ConvertContext, src: number, dims: number[], name: string): number {
  const t = ctx.temp(dims, 'FLOAT32', name);
  ctx.emit('RESHAPE', [src, ctx.constInt32(dims, `${name}/shape`)], [t], { newShape: dims });
  return t;
}

/** RESHAPE into `out`; to a scalar by SQUEEZE (LiteRT sizes a RESHAPE to [] only at run time). */
function reshapeInto(ctx: ConvertContext, src: number, out: number, dims: number[], name: string): void {
  if (dims.length === 0) ctx.emit('SQUEEZE', [src], [out], { squeezeDims: [] });
  else ctx.emit('RESHAPE', [src, ctx.constInt32(dims, `${name}/out_shape`)], [out], { newShape: dims });
}

/**
 * A constant's contraction with x whose contracted labels lie together between free ones as x is stored (ST-GCN's
 * graph conv 'nkctv,kvw->nctw' on a conv's channel-last output, stored [n, t, v, k, c]): x is read as stored,
 * [pre, contracted, post], with the constant on the left, instead of moved to [free, contracted] for a
 * FULLY_CONNECTED (and its [n, t, c, w] product moved back for the next conv). Undefined when the FULLY_CONNECTED
 * reads x as stored (the contracted labels last) or they are not adjacent.
 */
function leftSplit(sx: string[], con: string[]): { pre: string[]; post: string[] } | undefined {
  if (con.length === 0) return undefined;
  const at = sx.findIndex((l) => con.includes(l));
  if (!sx.slice(at, at + con.length).every((l) => con.includes(l))) return undefined;
  const post = sx.slice(at + con.length);
  return post.length === 0 ? undefined : { pre: sx.slice(0, at), post };
}

/** The product's natural order is the output's channel-last order and an operand of rank >= 3 is stored channel-last. */
function keepsImageLayout(ctx: ConvertContext, operands: Operand[], natural: string[], out: string[]): boolean {
  const last = channelLast(out.length);
  return samePerm(natural.map((l) => out.indexOf(l)), last)
    && operands.some((o) => o.labels.length >= 3 && samePerm(ctx.permOf(o.name), channelLast(o.labels.length)));
}

/**
 * An operand's free labels (those the other operand lacks) in its stored order; when it is moved anyway (the stored
 * order is not [batch, free, contracted] nor [batch, contracted, free]), in the output's order instead, which costs
 * the same move and keeps the product in an order the output can be stored in (UniVNet's location-variable conv
 * 'bildsk,biokl->bolsd': x moved to [b, l, s, d, i, k] makes [b, l, s, d, o], the output's channel-last).
 */
function freeOrder(stored: string[], other: string[], batch: string[], con: string[], out: string[] | undefined): string[] {
  const free = stored.filter((l) => !other.includes(l));
  if (!out || free.length < 2) return free;
  const fits = (order: string[]) => order.every((l, i) => l === stored[i]);
  if (fits([...batch, ...free, ...con]) || fits([...batch, ...con, ...free])) return free;
  return [...free].sort((p, q) => out.indexOf(p) - out.indexOf(q));
}

/**
 * The product comes out `[b, last, mid...]` (natural order `perm` = [0, r-1, 1, ..., r-2]) and every reader is a
 * Reshape to `[b, prod(mid), last]` read only by convolutions: stored so, it is the convs' channel-last input as it
 * stands (xDeepFM's compressed interaction network 'bhd,bmd->bhmd' viewed [b, h·m, d] into a 1×1 Conv1d).
 */
function feedsConvChannels(ctx: ConvertContext, v: string, perm: number[]): boolean {
  const r = perm.length;
  if (!samePerm(perm, [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)])) return false;
  const dims = ctx.shape(v);
  const mid = dims.slice(1, r - 1).reduce((p, d) => p * d, 1);
  const readers = ctx.readersOf(v);
  return readers.length > 0 && !ctx.graph.outputs.some((o) => o.name === v) && readers.every((rd) => {
    if (rd.opType !== 'Reshape') return false;
    const out = ctx.shape(rd.outputs[0]);
    const convs = ctx.readersOf(rd.outputs[0]);
    return out.length === 3 && out[0] === dims[0] && out[1] === mid && out[2] === dims[r - 1]
      && convs.length > 0 && convs.every((c) => c.opType === 'Conv');
  });
}

/**
 * Every reader of `v` is a view or the model's Transpose ending, through more of them, in convolutions (MS-G3D's graph
 * conv 'vu,nctu->nctv', its product viewed [n, c, t, scales, u], moved scales-first and viewed into the MLP conv's
 * channels): the Reshape that must move it into the conv's channel-last order moves it once from any stored order,
 * so a move to ONNX order here would be one more.
 */
function viewedIntoConvs(ctx: ConvertContext, v: string, depth = 0): boolean {
  const readers = ctx.readersOf(v);
  if (depth > 4 || readers.length === 0 || ctx.graph.outputs.some((o) => o.name === v)) return false;
  return readers.every((r) => (depth > 0 && r.opType === 'Conv' && r.inputs[0] === v)
    || ((r.opType === 'Reshape' || r.opType === 'Transpose') && r.inputs[0] === v && viewedIntoConvs(ctx, r.outputs[0], depth + 1)));
}

/**
 * Two run-time operands with batch labels whose product flows into a convolution and comes out channel-last only
 * with the second operand's free labels first (DDColor's colour map 'bqc,bchw->bqhw' of its queries and the
 * channel-last features, into the refine conv): taken as B · A, it is written NHWC, where A · B was moved.
 */
function mapsSwapped(ctx: ConvertContext, a: Operand, b: Operand, keep: Set<string>, final: { y: string; out: string[] } | undefined): boolean {
  if (!final || final.out.length < 3 || ctx.isConstant(a.name) || ctx.isConstant(b.name) || !ctx.prefersChannelLast.has(final.y)) return false;
  const batch = final.out.filter((l) => a.labels.includes(l) && b.labels.includes(l));
  if (!batch.length || batch.some((l) => !keep.has(l))) return false;
  const free = (p: Operand, q: Operand) => final.out.filter((l) => p.labels.includes(l) && !q.labels.includes(l));
  const is = (ls: string[]) => samePerm(ls.map((l) => final.out.indexOf(l)), channelLast(final.out.length));
  return !is([...batch, ...free(a, b), ...free(b, a)]) && is([...batch, ...free(b, a), ...free(a, b)]);
}

/**
 * A ⋅ B keeping the labels in `keep`: the node's output `final.y` (labels `final.out`) or a declared value `name`
 * with labels [batch, freeA, freeB].
 */
function contract(ctx: ConvertContext, name: string, a0: Operand, b0: Operand, keep: Set<string>,
  final: { y: string; out: string[] } | undefined, s: Spec): Operand {
  const a = reduce(ctx, `${name}_a`, a0, a0.labels.filter((l) => !b0.labels.includes(l) && !keep.has(l)), s);
  const b = reduce(ctx, `${name}_b`, b0, b0.labels.filter((l) => !a0.labels.includes(l) && !keep.has(l)), s);
  // A constant weight goes second, where FULLY_CONNECTED wants it; with batch labels it stays a BATCH_MATMUL operand,
  // and first keeps the product in the equation's order (Crossformer's router queries: swapped, the scores came out
  // [b, h, s, l] and took a TRANSPOSE back).
  const batchOf = (p: Operand, q: Operand) => p.labels.some((l) => q.labels.includes(l) && keep.has(l));
  const swap = (ctx.isConstant(a.name) && !ctx.isConstant(b.name) && !batchOf(a, b)) || mapsSwapped(ctx, a, b, keep, final);
  const [x, w] = swap ? [b, a] : [a, b];
  const sx = storedLabels(ctx, x);
  const sw = storedLabels(ctx, w);
  const batch = sx.filter((l) => w.labels.includes(l) && keep.has(l));
  const con = sx.filter((l) => w.labels.includes(l) && !keep.has(l));
  const freeX = freeOrder(sx, w.labels, batch, con, final?.out);
  const freeW = freeOrder(sw, x.labels, batch, con, final?.out);
  const W = ctx.constant(w.name);
  const left = W && batch.length === 0 ? leftSplit(sx, con) : undefined;
  const natural = left ? [...left.pre, ...freeW, ...left.post] : [...batch, ...freeX, ...freeW];
  const dimsOf = (ls: string[]) => ls.map((l) => s.sizes.get(l)!);
  let out: number;
  let result: Operand;
  if (final && batch.length === 0 && (W ? leftProduct(ctx, name, x, w, sx, con, freeW, final, s)
    : leftProduct(ctx, name, x, w, sx, con, freeW, final, s)
      || leftProduct(ctx, name, w, x, sw, sw.filter((l) => x.labels.includes(l)), sx.filter((l) => !w.labels.includes(l)), final, s))) {
    return { name: final.y, labels: final.out };
  }
  // BATCH_MATMUL: x as [batch, M, K] (adj_x: [batch, K, M]), w as [batch, K, N] (adj_y: [batch, N, K]), each in
  // the order it is stored in when that order allows.
  const adjX = freeX.length > 0 && con.length > 0 && sx.indexOf(con[0]) < sx.indexOf(freeX[0]);
  const adjY = freeW.length > 0 && con.length > 0 && sw.indexOf(freeW[0]) < sw.indexOf(con[0]);
  const xOrder = [...batch, ...(adjX ? [...con, ...freeX] : [...freeX, ...con])];
  const wOrder = [...batch, ...(adjY ? [...freeW, ...con] : [...con, ...freeW])];
  if (final && !(W && batch.length === 0) && mulSum(ctx, name, x, w, xOrder, wOrder, natural, final, s)) return { name: final.y, labels: final.out };
  // A result whose last label of size > 1 would not be last (Mamba-2's 'bln,bsn,bdls,bsd->bld': batch over d) moves once, here,
  // to ONNX order: left lazy, each elementwise partner downstream (residual, gate) would move instead. Not when the
  // result comes out channel-last from a channel-last image operand (YOLO-World's contrastive head
  // 'bchw,bkc->bkhw': its partners are the convs' channel-last maps, the move would come straight back).
  if (final && natural.length >= 3 && lastReal(natural, s) !== lastReal(final.out, s)
    && !(left && samePerm(natural.map((l) => final.out.indexOf(l)), channelLast(final.out.length)))
    && !keepsImageLayout(ctx, [x, w], natural, final.out) && !feedsContractions(ctx, final.y)
    && !(ctx.prefersChannelLast.has(final.y) && samePerm(natural.map((l) => final.out.indexOf(l)), channelLast(final.out.length)))
    && !feedsConvChannels(ctx, final.y, natural.map((l) => final.out.indexOf(l))) && !viewedIntoConvs(ctx, final.y)) {
    const r = contract(ctx, `${name}/natural`, a, b, keep, undefined, s);
    ctx.bind(final.y, ctx.input(r.name, final.out.map((l) => r.labels.indexOf(l))), identity(final.out.length));
    return { name: final.y, labels: final.out };
  }
  if (final) {
    out = ctx.output(final.y, natural.map((l) => final.out.indexOf(l)));
    result = { name: final.y, labels: final.out };
  } else {
    ctx.declare(name, 'float32', dimsOf(natural));
    out = ctx.output(name, identity(natural.length));
    result = { name, labels: natural };
  }
  const [M, K, N] = [product(s, freeX), product(s, con), product(s, freeW)];
  if (W && left) {
    // BATCH_MATMUL(W [1, N, K], x as stored [pre, K, post]): the constant on the left, x read where it lies.
    const order = [...freeW, ...con].map((l) => w.labels.indexOf(l));
    const data = transposeData(toFloat32(W), W.dims, order, (n) => new Float32Array(n));
    const [P, Q] = [product(s, left.pre), product(s, left.post)];
    const xin = reshape(ctx, inOrder(ctx, x, sx), [P, K, Q], `${name}/x3d`);
    const mm = ctx.temp([P, N, Q], 'FLOAT32', `${name}/bmm`);
    ctx.emit('BATCH_MATMUL', [ctx.constFloat32(data, [1, N, K], `${name}/left_weights`), xin], [mm], { adjX: false, adjY: false });
    reshapeInto(ctx, mm, out, dimsOf(natural), name);
    return result;
  }
  if (W && batch.length === 0) {
    // FULLY_CONNECTED: weights [N, K] in the contracted order of x.
    const order = [...freeW, ...con].map((l) => w.labels.indexOf(l));
    const data = transposeData(toFloat32(W), W.dims, order, (n) => new Float32Array(n));
    const xin = reshape(ctx, inOrder(ctx, x, [...freeX, ...con]), [M, K], `${name}/x2d`);
    const fc = ctx.temp([M, N], 'FLOAT32', `${name}/fc`);
    ctx.emit('FULLY_CONNECTED', [xin, ctx.constFloat32(data, [N, K], `${name}/weights`), -1], [fc],
      { fusedActivationFunction: 'NONE', weightsFormat: 'DEFAULT', keepNumDims: false });
    reshapeInto(ctx, fc, out, dimsOf(natural), name);
    return result;
  }
  let xi = inOrder(ctx, x, xOrder);
  let wi = inOrder(ctx, w, wOrder);
  const direct = freeX.length === 1 && con.length === 1 && freeW.length === 1 && batch.length <= 3;
  if (direct) {
    ctx.emit('BATCH_MATMUL', [xi, wi], [out], { adjX, adjY });
    return result;
  }
  const Bt = product(s, batch);
  xi = reshape(ctx, xi, adjX ? [Bt, K, M] : [Bt, M, K], `${name}/x3d`);
  wi = reshape(ctx, wi, adjY ? [Bt, N, K] : [Bt, K, N], `${name}/w3d`);
  const mm = ctx.temp([Bt, M, N], 'FLOAT32', `${name}/bmm`);
  ctx.emit('BATCH_MATMUL', [xi, wi], [mm], { adjX, adjY });
  reshapeInto(ctx, mm, out, dimsOf(natural), name);
  return result;
}
/**
 * A constant matrix applied along a middle axis of x as stored, x [pre, con, post] with `post` non-empty (Graph
 * WaveNet's diffusion step 'ncvl,vw->ncwl' on channel-last [n, v, l, c] maps): BATCH_MATMUL(Wᵀ [1, N, K],
 * x [P, K, Q]) leaves the product [pre, freeW, post] in x's stored order, where FULLY_CONNECTED would move x's
 * contracted axis last and the product back (2 TRANSPOSEs a step). Only when that stored order is the output's ONNX
 * or channel-last order, so readers take it as it stands. A matrix computed at run time (MTGNN's learned graph
 * 'ncwl,vw->ncvl', DCRNN's random-walk supports 'nm,bmf->bnf') is read as it is stored, [freeW, con] or, with adj_x,
 * [con, freeW]; any other stored order is left to the general product.
 */
function leftProduct(ctx: ConvertContext, name: string, x: Operand, w: Operand, sx: string[], con: string[],
  freeW: string[], final: { y: string; out: string[] }, s: Spec): boolean {
  const at = sx.indexOf(con[0]);
  if (con.length === 0 || freeW.length === 0 || !con.every((l, k) => sx[at + k] === l)) return false;
  let pre = sx.slice(0, at);
  let post = sx.slice(at + con.length);
  const fits = (ls: string[], orders: number[][]) => ls.length === final.out.length
    && orders.some((o) => samePerm(ls.map((l) => final.out.indexOf(l)), o));
  const onnx = identity(final.out.length);
  // x [pre, mid, con] (the contracted labels last) whose output is [pre, freeW, mid] in ONNX order, where the
  // FULLY_CONNECTED's [pre, mid, freeW] is not (BEVFormer's pillar projection 'nij,qzj->nqzi'): BATCH_MATMUL(W, x)
  // with adj_y writes it so.
  let adjY = false;
  if (post.length === 0) {
    if (fits(sx.slice(0, at).concat(freeW), [onnx])) return false;
    const k = Array.from({ length: at }, (_, i) => i).find((i) => fits([...sx.slice(0, i), ...freeW, ...sx.slice(i, at)], [onnx]));
    if (k === undefined) return false;
    [pre, post, adjY] = [sx.slice(0, k), sx.slice(k, at), true];
  }
  const stored = [...pre, ...freeW, ...post];
  const perm = stored.map((l) => final.out.indexOf(l));
  if (!fits(stored, [onnx, channelLast(perm.length)])) return false;
  const W = ctx.constant(w.name);
  const [P, K, N, Q] = [product(s, pre), product(s, con), product(s, freeW), product(s, post)];
  let wi: number;
  let adjX = false;
  if (W) {
    const order = [...freeW, ...con].map((l) => w.labels.indexOf(l));
    const data = transposeData(toFloat32(W), W.dims, order, (n) => new Float32Array(n));
    wi = ctx.constFloat32(data, [1, N, K], `${name}/weights_left`);
  } else {
    const sw = storedLabels(ctx, w);
    const is = (ls: string[]) => ls.length === sw.length && ls.every((l, k) => sw[k] === l);
    if (is([...con, ...freeW])) adjX = true;
    else if (!is([...freeW, ...con])) return false;
    wi = reshape(ctx, inOrder(ctx, w, sw), adjX ? [1, K, N] : [1, N, K], `${name}/w_left`);
  }
  const xi = reshape(ctx, inOrder(ctx, x, sx), adjY ? [P, Q, K] : [P, K, Q], `${name}/x_rows`);
  const mm = ctx.temp([P, N, Q], 'FLOAT32', `${name}/left_bmm`);
  ctx.emit('BATCH_MATMUL', [wi, xi], [mm], { adjX, adjY });
  reshapeInto(ctx, mm, ctx.output(final.y, perm), stored.map((l) => s.sizes.get(l)!), name);
  return true;
}

export default Einsum;
