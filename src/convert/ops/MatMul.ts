// ONNX MatMul → TFLite FULLY_CONNECTED when B is a constant matrix (keep_num_dims for batched A) or vector,
// otherwise BATCH_MATMUL. Both operands in ONNX order, except that an operand stored with its last two dims swapped
// (attention's Kᵀ after the head split; a flattened channel-last map times constant weights) is read as it is with
// adj_x / adj_y instead of through a TRANSPOSE.
import { toFloat32 } from '../../ir/tensor';
import { transposeData } from '../constdata';
import type { ConvertContext } from '../context';
import type { Node } from '../../ir/types';
import { channelLast, identity, invert, isIdentity, permute, reshapeLayout, sameMemoryOrder, samePerm } from '../layout';
import type { Perm } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse, takesDtype } from '../types';
import { reduceAxes } from './_reduce';
import { weightsLeftAsStored, weightsLeftIntoMove } from './_matmul-left';

const MatMul: OpConverter = {
  op: 'MatMul', emits: ['FULLY_CONNECTED', 'BATCH_MATMUL', 'RESHAPE'], opset: [1, MAX_OPSET], inputs: [2, 2], dtypes: ['float32'],
  layout: 'onnx',
  check(node, ctx) {
    if (!takesDtype(['float32'], ctx.dtype(node.inputs[0]))) return refuse('dtype', `MatMul on ${ctx.dtype(node.inputs[0])} is not supported (float32 only)`);
    if (ctx.rank(node.inputs[0]) < 1 || ctx.rank(node.inputs[1]) < 1) return refuse('rank', 'MatMul of a scalar is not valid ONNX');
    return undefined;
  },
  convert(node, ctx) {
    const [a, b] = node.inputs;
    const y = node.outputs[0];
    // A 1-D operand follows numpy's rules (vectorMatMul; a constant vector B is a one-row FULLY_CONNECTED there).
    if (ctx.rank(a) === 1 || ctx.rank(b) === 1) { vectorMatMul(ctx, a, b, y); return; }
    const B = ctx.constant(b);
    if (B && B.dims.length === 2) {
      // FULLY_CONNECTED works on the last axis alone: A stored in another order of its leading axes (a window / grid
      // swap left lazy) is read as it is, and the output keeps that order, when nothing else reads A in ONNX order.
      const kept = leadingOrder(ctx, a, y);
      if (!kept && (weightsLeftAsStored(ctx, node, a, B, y) || weightsLeftIntoMove(ctx, node, a, B, y))) return;
      const ga = kept ? undefined : operand(ctx, a);
      if (ga?.adj && swappedChainEnds(ctx, y)) {
        // A stored with its last two dims swapped whose product is moved back by the model (TimeMixer's
        // `linear(x.permute(0, 2, 1)).permute(0, 2, 1)`: a Linear over the time axis of [B, T, d]): (A·W)ᵀ = Wᵀ·Aᵀ,
        // the constant on the left, is the product stored swapped, which that move then takes as it is.
        const r = ctx.rank(a);
        const [k, n] = B.dims;
        const wt = transposeData(toFloat32(B), B.dims, [1, 0], (m) => new Float32Array(m));
        const w = ctx.constFloat32(wt, [...new Array<number>(r - 2).fill(1), n, k], `${node.name}/weights_left`);
        ctx.emit('BATCH_MATMUL', [w, ga.index], [ctx.output(y, swappedLast(ctx.rank(y)))], { adjX: false, adjY: false });
        return;
      }
      if (ga?.adj) {
        // A stored with its last two dims swapped (a channel-last map flattened, read along H·W: RTMPose's SimCC
        // head): BATCH_MATMUL reads it as it is (adj_x) against the constant weights, with no TRANSPOSE of A.
        const r = ctx.rank(a);
        const w = ctx.constFloat32(toFloat32(B), [...new Array<number>(r - 2).fill(1), ...B.dims], `${node.name}/weights`);
        ctx.emit('BATCH_MATMUL', [ga.index, w], [ctx.output(y, identity(ctx.rank(y)))], { adjX: true, adjY: false });
        return;
      }
      const A = kept ? ctx.input(a, kept) : ga!.index;
      const out = ctx.output(y, kept ?? identity(ctx.rank(y)));
      const [k, n] = B.dims;
      const w = transposeData(toFloat32(B), B.dims, [1, 0], (m) => new Float32Array(m));
      ctx.emit('FULLY_CONNECTED', [A, ctx.constFloat32(w, [n, k], `${node.name}/weights`), -1], [out],
        { fusedActivationFunction: 'NONE', weightsFormat: 'DEFAULT', keepNumDims: ctx.rank(a) > 2 });
      return;
    }
    const lead = sharedLeadingOrder(ctx, a, b);
    if (lead) {
      // Both operands stored with their batch dims in one other order (Reformer's chunks sorted per [head, batch]
      // after its hashing Einsum batched over the heads): the product is taken in that order and stored so.
      const pb = ctx.primaryOf(b)!;
      const r = lead.length;
      ctx.emit('BATCH_MATMUL', [ctx.primaryOf(a)!.index, pb.index], [ctx.output(y, lead)], { adjX: false, adjY: pb.perm[r - 2] === r - 1 });
      return;
    }
    const ga = operand(ctx, a, true);
    const gb = operand(ctx, b, true);
    if ((gb.adj || ga.adj) && (viewedAsMap(ctx, y) || joinsSwapped(ctx, y) || swappedBack(ctx, y))) {
      // (A·B)ᵀ = Bᵀ·Aᵀ: the product stored with its last two dims swapped, which the view reads as channel-last, or
      // which its elementwise reader meets in the other operand's order (only when that adds no adj_x, which
      // XNNPack's delegate does not take).
      const out = ctx.output(y, swappedLast(ctx.rank(y)));
      ctx.emit('BATCH_MATMUL', [gb.index, ga.index], [out], { adjX: !gb.adj, adjY: !ga.adj });
      return;
    }
    if (ga.adj && gb.adj && !ctx.isDynamic(y) && sameMemoryOrder(ctx.shape(y), identity(ctx.rank(y)), swappedLast(ctx.rank(y)))) {
      // Both stored swapped and a product with a unit row or column (MASTER's context vectors [8, d, 1]): Bᵀ·Aᵀ is
      // its bytes, taken with no adj_x (which XNNPack's delegate does not take).
      ctx.emit('BATCH_MATMUL', [gb.index, ga.index], [ctx.output(y, swappedLast(ctx.rank(y)))], { adjX: false, adjY: false });
      return;
    }
    const out = ctx.output(y, identity(ctx.rank(y)));
    ctx.emit('BATCH_MATMUL', [ga.index, gb.index], [out], { adjX: ga.adj, adjY: gb.adj });
  },
};

const swappedLast = (r: number): number[] => [...identity(r - 2), r - 1, r - 2];

/**
 * The stored order of A when A and B, two activations of one rank > 2 with the same batch dims, are both stored with
 * those batch dims in one order other than ONNX's and the matrix dims last (B's maybe swapped: adj_y; A's not, adj_x
 * being what XNNPack's delegate does not take). Undefined otherwise.
 */
function sharedLeadingOrder(ctx: ConvertContext, a: string, b: string): Perm | undefined {
  const r = ctx.rank(a);
  if (r < 3 || ctx.rank(b) !== r || ctx.isConstant(a) || ctx.isConstant(b) || ctx.isDynamic(a) || ctx.isDynamic(b)) return undefined;
  const pa = ctx.primaryOf(a)?.perm;
  const pb = ctx.primaryOf(b)?.perm;
  if (!pa || !pb || pa[r - 2] !== r - 2 || pa[r - 1] !== r - 1 || isIdentity(pa)) return undefined;
  if (!samePerm(pa.slice(0, r - 2), pb.slice(0, r - 2)) || Math.min(pb[r - 2], pb[r - 1]) !== r - 2) return undefined;
  const da = ctx.shape(a);
  const db = ctx.shape(b);
  return da.slice(0, r - 2).every((d, i) => d === db[i]) ? pa : undefined;
}

/**
 * A product of two activations viewed as a channel-first map for convolutions (NanoTrack's pixel-wise correlation:
 * `zᵀ · x` [B, Hz·Wz, Hx·Wx] viewed [B, Hz·Wz, Hx, Wx]): its only reader is a Reshape whose output is wanted
 * channel-last and which reads the product's transpose in that order. The product is then computed transposed (no
 * TRANSPOSE of the map after the view).
 */
function viewedAsMap(ctx: ConvertContext, y: string): boolean {
  const r = ctx.rank(y);
  if (r < 3 || ctx.isDynamic(y) || ctx.graph.outputs.some((o) => o.name === y)) return false;
  const readers = ctx.readersOf(y);
  if (readers.length !== 1 || readers[0].opType !== 'Reshape' || readers[0].inputs[0] !== y || readers[0].inputs[1] === y) return false;
  const z = readers[0].outputs[0];
  if (!z || ctx.isDynamic(z) || ctx.rank(z) < 3 || ctx.graph.outputs.some((o) => o.name === z)) return false;
  const p = reshapeLayout(ctx.shape(y), ctx.shape(z), swappedLast(r));
  if (!p) return false;
  if (ctx.prefersChannelLast.has(z)) return samePerm(p, channelLast(ctx.rank(z)));
  // The view moved by the model's own Transpose into a map for convolutions (CCNet's criss-cross attention along W:
  // `bmm(v_W, att_Wᵀ).view(B, H, C, W).permute(0, 2, 1, 3)`): the product transposed is that map channel-last.
  const zr = ctx.readersOf(z);
  const t = zr.length === 1 && zr[0].opType === 'Transpose' ? zr[0] : undefined;
  const tp = t ? (t.attrs.get('perm')?.value as number[] | undefined) : undefined;
  if (!t || !tp || tp.length !== p.length || !ctx.prefersChannelLast.has(t.outputs[0])) return false;
  const back = invert(tp);
  return samePerm(p.map((d) => back[d]), channelLast(p.length));
}

/**
 * The product's only reader is an elementwise op whose other operand, computed and of the same dims, is stored with
 * its last two dims swapped (PCT's offset-attention `x - v·A` with x a Conv1d's channel-last [B, N, C] output):
 * computed transposed, the product meets it as stored (no TRANSPOSE before the op).
 */
function joinsSwapped(ctx: ConvertContext, y: string): boolean {
  const r = ctx.rank(y);
  if (r < 3 || ctx.isDynamic(y) || ctx.graph.outputs.some((o) => o.name === y)) return false;
  const readers = ctx.readersOf(y);
  if (readers.length !== 1 || !['Add', 'Sub', 'Mul', 'Div'].includes(readers[0].opType)) return false;
  const ins = readers[0].inputs;
  if (ins.length !== 2 || ins[0] === ins[1]) return false;
  const other = ins[ins[0] === y ? 1 : 0];
  if (ctx.isConstant(other) || ctx.isDynamic(other) || ctx.dims(other).join() !== ctx.dims(y).join()) return false;
  const p = ctx.primaryOf(other);
  return p !== undefined && samePerm(p.perm, swappedLast(r));
}

/**
 * The product's only reader swaps its last two dims back (the Transpose an einsum 'bij,bnj->bni' becomes: Titans'
 * memory read, M · qᵀ moved to [b, n, i]): computed transposed, the product is stored in that Transpose's order and
 * the move is free.
 */
function swappedBack(ctx: ConvertContext, y: string): boolean {
  const r = ctx.rank(y);
  if (r < 3 || ctx.isDynamic(y) || ctx.graph.outputs.some((o) => o.name === y)) return false;
  const readers = ctx.readersOf(y);
  const perm = readers.length === 1 && readers[0].opType === 'Transpose' ? readers[0].attrs.get('perm')?.value as number[] | undefined : undefined;
  return perm !== undefined && samePerm(perm, swappedLast(r));
}

/** A's stored layout when it keeps the last axis last but is not ONNX order, A has rank > 2 and the MatMul is its
 *  only reader (so no other reader would need its own TRANSPOSE of the output instead of one shared of A). */
function leadingOrder(ctx: ConvertContext, a: string, y: string): number[] | undefined {
  const p = ctx.primaryOf(a);
  const r = ctx.rank(a);
  if (!p || ctx.isConstant(a) || r <= 2 || p.perm[r - 1] !== r - 1 || p.perm.every((d, i) => d === i)) return undefined;
  const root = ctx.resolve(a);
  const names = new Set([root, ...ctx.aliasNames().filter((n) => ctx.resolve(n) === root)]);
  if (ctx.graph.outputs.some((o) => names.has(o.name))) return undefined;
  const readers = [...names].flatMap((v) => ctx.readersOf(v).flatMap((n) => n.inputs.filter((i) => i === v).map(() => n)));
  // Other readers that take any layout as it is (a pre-norm stream's LayerNorm and residual Add: SASRec's time-first
  // nn.MultiheadAttention on the model's batch-first stream) need no ONNX-order copy of A either.
  // So do other Linears of A whose products go on the same way (MusicGen's cross-attention memory, the k / v projection
  // of every decoder layer reading one time-first view of the batch-first conditioning).
  const linear = (n: Node) => n.opType === 'MatMul' && n.inputs[0] !== n.inputs[1] && names.has(n.inputs[0])
    && ctx.constant(n.inputs[1])?.dims.length === 2 && chainEndsWell(ctx, n.outputs[0]);
  const others = readers.filter((n) => !linear(n));
  return readers.some((n) => n.outputs.includes(y)) && !others.some((n) => n.outputs.includes(y))
    && others.every((n) => anyLayout(ctx, n, r)) ? p.perm : undefined;
}

/** An op that reads a rank-r value in any stored order that keeps its last axis last: a binary elementwise op of two
 *  computed operands of rank r, a reduction over the last axis alone (a written-out LayerNorm's ReduceMean). */
function anyLayout(ctx: ConvertContext, n: Node, r: number): boolean {
  if (['Add', 'Sub', 'Mul', 'Div'].includes(n.opType)) return n.inputs.length === 2 && n.inputs.every((i) => !ctx.isConstant(i) && ctx.rank(i) === r);
  if (n.opType !== 'ReduceMean') return false;
  const axes = reduceAxes(n, ctx, r);
  return axes?.length === 1 && axes[0] === r - 1;
}

const UNARY = new Set(['Gelu', 'Relu', 'Sigmoid', 'Tanh', 'Erf', 'HardSwish', 'HardSigmoid', 'Neg', 'Abs', 'Exp', 'Sqrt', 'Softplus']);

/**
 * The MatMul's output goes, one reader at a time, through ops that keep its layout (elementwise ops with a constant or
 * alone, more projections, LayerNormalization) into one that takes any layout as it is: a Reshape or Transpose (they
 * move it once, where needed) or a binary op with another computed operand (a residual Add). Anything else (several
 * readers: q, k and v sliced out of one projection) would need one TRANSPOSE each where a single one of A does.
 */
function chainEndsWell(ctx: ConvertContext, y: string): boolean {
  let cur = y;
  for (let step = 0; step < 16; step++) {
    if (ctx.graph.outputs.some((o) => o.name === cur)) return false;
    const readers = ctx.readersOf(cur);
    const gated = gatedBy(ctx, cur, readers);
    if (gated) { cur = gated; continue; }
    if (readers.length !== 1 || readers[0].inputs.filter((i) => i === cur).length !== 1) return false;
    const n = readers[0];
    if (n.opType === 'Reshape' || n.opType === 'Transpose') return n.inputs[0] === cur;
    const binary = ['Add', 'Sub', 'Mul', 'Div'].includes(n.opType) && n.inputs.length === 2;
    if (binary && !ctx.isConstant(n.inputs[n.inputs[0] === cur ? 1 : 0])) return ctx.rank(n.outputs[0]) === ctx.rank(cur);
    const through = binary || UNARY.has(n.opType) || (n.opType === 'LayerNormalization' && n.inputs[0] === cur)
      || (n.opType === 'MatMul' && n.inputs[0] === cur && ctx.constant(n.inputs[1])?.dims.length === 2);
    if (!through || !n.outputs[0] || ctx.rank(n.outputs[0]) !== ctx.rank(cur)) return false;
    cur = n.outputs[0];
  }
  return false;
}

/**
 * The MatMul's output goes, one reader at a time, through ops that keep any layout (unary ops, elementwise ops with a
 * constant, more projections by constant weights, which take it swapped the same way) into a Transpose that swaps
 * its last two dims back, or a binary op with a computed operand stored swapped: stored swapped, neither moves it.
 */
function swappedChainEnds(ctx: ConvertContext, y: string): boolean {
  let cur = y;
  for (let step = 0; step < 16; step++) {
    const r = ctx.rank(cur);
    if (r < 3 || ctx.isDynamic(cur) || ctx.graph.outputs.some((o) => o.name === cur)) return false;
    const readers = ctx.readersOf(cur);
    const gated = gatedBy(ctx, cur, readers);
    if (gated) { cur = gated; continue; }
    if (readers.length !== 1 || readers[0].inputs.filter((i) => i === cur).length !== 1) return false;
    const n = readers[0];
    if (n.opType === 'Transpose') {
      const p = n.attrs.get('perm');
      return n.inputs[0] === cur && p?.type === 'ints' && samePerm(p.value, swappedLast(r));
    }
    const other = ['Add', 'Sub', 'Mul', 'Div'].includes(n.opType) && n.inputs.length === 2 ? n.inputs[n.inputs[0] === cur ? 1 : 0] : undefined;
    // A computed partner already stored swapped (TimeMixer's next-scale season, itself a permuted value) takes it too.
    if (other !== undefined && !ctx.isConstant(other)) {
      const p = ctx.primaryOf(other)?.perm;
      if (ctx.rank(n.outputs[0]) !== r || ctx.rank(other) !== r) return false;
      if (p) return samePerm(p, swappedLast(r));
      // Not made yet: a sibling projection of the same swapped input (a SwiGLU over the time axis: TRM's token-mixing
      // `w2(silu(w1 xᵀ) · w3 xᵀ)ᵀ`), which takes this branch too and so is stored swapped: the join goes on.
      if (!siblingProjection(ctx, y, other)) return false;
      cur = n.outputs[0];
      continue;
    }
    const binary = other !== undefined;
    const through = binary || UNARY.has(n.opType) || (n.opType === 'MatMul' && n.inputs[0] === cur && ctx.constant(n.inputs[1])?.dims.length === 2);
    if (!through || !n.outputs[0] || ctx.rank(n.outputs[0]) !== r) return false;
    cur = n.outputs[0];
  }
  return false;
}

/** `other` is made by a MatMul of the same A as `y`'s by constant 2-D weights, maybe through a unary op or its
 *  SiLU `m · σ(m)`. */
function siblingProjection(ctx: ConvertContext, y: string, other: string): boolean {
  const made = (v: string) => ctx.graph.nodes.find((n) => n.outputs[0] === v);
  const mine = made(y);
  let cur = other;
  for (let step = 0; step < 3; step++) {
    const n = made(cur);
    if (!n || !mine) return false;
    if (n.opType === 'MatMul') return n.inputs[0] === mine.inputs[0] && ctx.constant(n.inputs[1])?.dims.length === 2;
    if (UNARY.has(n.opType)) { cur = n.inputs[0]; continue; }
    const f = n.opType === 'Mul' && n.inputs.length === 2 ? n.inputs.map(made).find((m) => m && UNARY.has(m.opType)) : undefined;
    if (!f || !n.inputs.includes(f.inputs[0])) return false;
    cur = f.inputs[0];
  }
  return false;
}

/** `x · f(x)` (SiLU / Swish: x · sigmoid(x), as PyTorch exports it; GELU's tanh form folds earlier): the two
 *  readers of x are a unary op and the Mul of x by its result, which keep x's layout. The Mul's output, or undefined. */
function gatedBy(ctx: ConvertContext, x: string, readers: Node[]): string | undefined {
  if (readers.length !== 2) return undefined;
  const f = readers.find((n) => UNARY.has(n.opType) && n.inputs[0] === x);
  const mul = readers.find((n) => n !== f && n.opType === 'Mul' && n.inputs.length === 2);
  if (!f || !mul || !f.outputs[0] || !mul.inputs.includes(x) || !mul.inputs.includes(f.outputs[0])) return undefined;
  if (ctx.readersOf(f.outputs[0]).length !== 1 || ctx.graph.outputs.some((o) => o.name === f.outputs[0])) return undefined;
  return ctx.rank(mul.outputs[0]) === ctx.rank(x) ? mul.outputs[0] : undefined;
}

/**
 * A 1-D operand (numpy rules: a vector A is a row [1, K], a vector B a column [K, 1], and that unit dim is dropped
 * from the result; a scripted attention's `mem @ q` and `att @ mem`): RESHAPE to 2-D, the product, RESHAPE back. A
 * constant B (paddle2onnx's F.linear by a 1-D projection, PicoDet's distribution integral) is FULLY_CONNECTED's
 * weights: one row for a vector.
 */
function vectorMatMul(ctx: ConvertContext, a: string, b: string, y: string): void {
  const as = ctx.shape(a);
  const bs = ctx.shape(b);
  const a2 = as.length === 1 ? [1, as[0]] : as;
  const b2 = bs.length === 1 ? [bs[0], 1] : bs;
  const two = (name: string, dims: number[], to: number[]): number => {
    if (dims.length !== 1) return ctx.inputOnnx(name);
    const src = ctx.inputOnnx(name);
    const t = ctx.temp(to, ctx.tensors[src].type, `${name}__2d`);
    ctx.emit('RESHAPE', [src, ctx.constInt32(to, `${name}__2d_shape`)], [t], { newShape: to });
    return t;
  };
  const yDims = ctx.shape(y);
  // The product's dims with the dropped unit dims back: [..., 1, N] for a vector A, [..., M, 1] for a vector B.
  const prod = [...yDims];
  if (as.length === 1) prod.splice(bs.length === 1 ? prod.length : prod.length - 1, 0, 1);
  if (bs.length === 1) prod.push(1);
  const t = ctx.temp(prod, 'FLOAT32', `${y}__product`);
  const B = ctx.constant(b);
  if (B && b2.length === 2) {
    const w = bs.length === 1 ? toFloat32(B) : transposeData(toFloat32(B), B.dims, [1, 0], (m) => new Float32Array(m));
    ctx.emit('FULLY_CONNECTED', [two(a, as, a2), ctx.constFloat32(w, [b2[1], b2[0]], `${y}/weights`), -1], [t],
      { fusedActivationFunction: 'NONE', weightsFormat: 'DEFAULT', keepNumDims: a2.length > 2 });
  } else {
    ctx.emit('BATCH_MATMUL', [two(a, as, a2), two(b, bs, b2)], [t], { adjX: false, adjY: false });
  }
  const out = ctx.output(y, identity(yDims.length));
  ctx.emit('RESHAPE', [t, ctx.constInt32(yDims, `${y}__shape`)], [out], { newShape: yDims });
}

/** The operand in ONNX order, or as stored when only its last two dims are swapped (then `adj`). `reuse`: also a
 *  copy with the last two dims swapped already made for another reader, when none in ONNX order is (Mobile-Former's
 *  map read as keys [B, H, d, N] and, through a Transpose, as values [B, H, N, d]: one TRANSPOSE, not two). */
export function operand(ctx: ConvertContext, name: string, reuse = false): { index: number; adj: boolean } {
  const r = ctx.rank(name);
  const swapped = swappedLast(r);
  const p = ctx.primaryOf(name);
  if (p && !ctx.isConstant(name) && samePerm(p.perm, swapped)) return { index: p.index, adj: true };
  // Stored swapped but for where its unit dims sit (AdaBins' queries: `tgt[1:q+1].permute(1, 0, 2).permute(0, 2, 1)`,
  // [q, 1, d] stored for [1, d, q]): a RESHAPE to the swapped dims, read with adj.
  const dims = p && !ctx.isConstant(name) && !ctx.isDynamic(name) && !samePerm(p.perm, identity(r)) ? ctx.shape(name) : undefined;
  if (p && dims && sameBesidesUnitDims(p.perm, swapped, dims)) {
    const shape = permute(dims, swapped);
    const t = ctx.temp(shape, ctx.tensors[p.index].type, `${name}__swapped_view`);
    ctx.emit('RESHAPE', [p.index, ctx.constInt32(shape, `${name}__swapped_view_shape`)], [t], { newShape: shape });
    return { index: t, adj: true };
  }
  if (reuse && p && !ctx.isConstant(name) && ctx.storedAs(name, identity(r)) === undefined) {
    const made = ctx.storedAs(name, swapped);
    if (made !== undefined) return { index: made, adj: true };
  }
  return { index: ctx.inputOnnx(name), adj: false };
}
/** Two orders of `dims` that differ only in where dims of size 1 go (one is a RESHAPE of the other). */
function sameBesidesUnitDims(a: Perm, b: Perm, dims: number[]): boolean {
  const keep = (p: Perm) => p.filter((d) => dims[d] !== 1);
  return samePerm(keep(a), keep(b));
}
export default MatMul;
