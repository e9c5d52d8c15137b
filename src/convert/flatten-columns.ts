// A flatten of a map stored in another order than ONNX's ([N,C,H,W] kept NHWC → [N, C·H·W]) whose only readers are
// matrix products by a constant (Gemm with transA = 0, MatMul by a constant 2-D matrix): a classifier's or an R-CNN
// box head's flatten. Moving the data back to CHW order would cost a TRANSPOSE; instead the RESHAPE reads the stored
// order and each reader's constant weight has its input rows (the K axis) permuted to match, so every product gives
// the same numbers. The flattened value gets a name of its own (it is not the ONNX value: its columns are in stored
// order), and the readers read that name and the permuted weight.
// A reader may also be an elementwise Mul / Add / Sub of the flatten with another flatten of a map of the same dims
// whose result only such products read (SSR-Net's stage features: `flatten(a) * flatten(b)` into a Dense, beside
// each flatten's own Dense): the other flatten is then stored in the same order when its turn comes (`pending`,
// through a TRANSPOSE if its map is stored otherwise), the Mul runs on the stored columns and its readers' weights are
// permuted likewise. Six GATHERs of 160- / 640-long int32 index vectors left faceplugin's SSR-Net heads.
import { makeTensor, toFloat32 } from '../ir/tensor';
import type { Node } from '../ir/types';
import { attrInt } from './attrs';
import type { ConvertContext } from './context';
import { identity, isIdentity } from './layout';

/** The ONNX flat index (over dims 1..) of each element of the stored order (dims `perm[1..]`), row-major. */
export function storedColumns(dims: readonly number[], perm: readonly number[]): Int32Array {
  const axes = perm.slice(1);
  const sizes = axes.map((a) => dims[a]);
  const strides = new Array<number>(dims.length).fill(1);
  for (let a = dims.length - 2; a >= 1; a--) strides[a] = strides[a + 1] * dims[a + 1];
  const total = sizes.reduce((p, s) => p * s, 1);
  const out = new Int32Array(total);
  const idx = new Array<number>(axes.length).fill(0);
  for (let j = 0; j < total; j++) {
    let k = 0;
    for (let t = 0; t < axes.length; t++) k += idx[t] * strides[axes[t]];
    out[j] = k;
    for (let t = idx.length - 1; t >= 0; t--) { if (++idx[t] < sizes[t]) break; idx[t] = 0; }
  }
  return out;
}

/** The reader's constant weight and whether its K axis is the first (MatMul, Gemm transB = 0) or the second one. */
function weightOf(ctx: ConvertContext, n: Node, y: string): { name: string; kFirst: boolean } | undefined {
  if (n.inputs[0] !== y || n.inputs[1] === y) return undefined;
  const w = ctx.constant(n.inputs[1]);
  if (!w || w.dims.length !== 2 || w.dtype !== 'float32') return undefined;
  if (n.opType === 'MatMul') return { name: n.inputs[1], kFirst: true };
  // onnxruntime's FusedGemm (a Gemm with its activation folded in: Faster R-CNN's box head at level extended) alike.
  const gemm = n.opType === 'Gemm' || (n.opType === 'FusedGemm' && n.domain === 'com.microsoft');
  if (gemm && attrInt(n, 'transA', 0) === 0) return { name: n.inputs[1], kFirst: attrInt(n, 'transB', 0) === 0 };
  return undefined;
}

/** Flattens a partner already committed to a stored order, by conversion context: the ONNX value and the stored
 *  order (perm of its map) that its `__stored_order` twin must have. */
const pendingOrders = new WeakMap<ConvertContext, Map<string, number[]>>();
const pendingOf = (ctx: ConvertContext) => pendingOrders.get(ctx) ?? pendingOrders.set(ctx, new Map()).get(ctx)!;

const ELEMENTWISE = new Set(['Mul', 'Add', 'Sub']);

/** The flatten (a Reshape / Flatten node not converted yet) that writes `v`, with its map's name, when that map has
 *  `inDims` and `v` has `outDims`. */
function partnerFlatten(ctx: ConvertContext, v: string, inDims: readonly number[], outDims: readonly number[]): string | undefined {
  const p = ctx.graph.nodes.find((n) => n.outputs.includes(v));
  if (!p || (p.opType !== 'Reshape' && p.opType !== 'Flatten') || ctx.has(v) || ctx.graph.outputs.some((o) => o.name === v)) return undefined;
  const x2 = p.inputs[0]!;
  if (ctx.isConstant(x2) || ctx.dims(x2).join() !== inDims.join() || ctx.dims(v).join() !== outDims.join()) return undefined;
  return x2;
}

/** Rewires the product readers of `v` (each `weights[r]`) to `stored` and their weights permuted by `cols`. */
function permuteReaders(ctx: ConvertContext, readers: Node[], weights: { name: string; kFirst: boolean }[], stored: string, cols: Int32Array): void {
  const k = cols.length;
  readers.forEach((n, r) => {
    const { name, kFirst } = weights[r]!;
    const w = ctx.constant(name)!;
    const src = toFloat32(w);
    const m = kFirst ? w.dims[1] : w.dims[0];
    const out = new Float32Array(src.length);
    for (let j = 0; j < k; j++) {
      const c = cols[j];
      if (kFirst) for (let i = 0; i < m; i++) out[j * m + i] = src[c * m + i];
      else for (let i = 0; i < m; i++) out[i * k + j] = src[i * k + c];
    }
    const permuted = `${name}__stored_order_${n.name}`;
    ctx.constants.set(permuted, makeTensor(permuted, 'float32', [...w.dims], out));
    n.inputs = n.inputs.map((v, i) => (i === 0 ? stored : i === 1 ? permuted : v));
  });
}

/** Emits `y`'s stored-order twin (the RESHAPE of `x` stored as `perm`). */
function emitStored(ctx: ConvertContext, x: string, y: string, perm: number[]): string {
  const inDims = ctx.dims(x);
  const k = inDims.slice(1).reduce((p, d) => p * d, 1);
  const stored = `${y}__stored_order`;
  const xv = ctx.graph.values.get(ctx.resolve(x)) ?? ctx.graph.values.get(x);
  ctx.graph.values.set(stored, { name: stored, dtype: ctx.dtype(y), shape: [xv?.shape?.[0] ?? inDims[0], k] });
  const src = ctx.input(x, perm);
  const out = ctx.output(stored, identity(2));
  const shape = [inDims[0], k];
  ctx.emit('RESHAPE', [src, ctx.constInt32(shape, `${y}__shape`)], [out], { newShape: shape });
  return stored;
}

/**
 * A flatten `x` → `y` whose partner committed it to a stored order: emits that twin, moves its remaining readers that
 * are products by a constant onto it and returns true when none is left; false (the twin emitted all the same) when
 * other readers still want `y` itself, or when `y` has no such partner.
 */
export function pendingFlatten(ctx: ConvertContext, x: string, y: string): boolean {
  const perm = pendingOf(ctx).get(y);
  if (!perm) return false;
  pendingOf(ctx).delete(y);
  const stored = emitStored(ctx, x, y, perm);
  const readers = ctx.readersOf(y);
  const weights = readers.map((n) => weightOf(ctx, n, y));
  if (readers.length === 0 || weights.some((w) => !w)) return false;
  permuteReaders(ctx, readers, weights as { name: string; kFirst: boolean }[], stored, storedColumns(ctx.dims(x), perm));
  return true;
}

/**
 * When `x` → `y` is such a flatten, emits the RESHAPE of the stored tensor, rewires the readers to the new value and
 * their permuted weights, and returns true; otherwise emits nothing and returns false.
 */
export function flattenIntoColumns(ctx: ConvertContext, x: string, y: string): boolean {
  const inDims = ctx.dims(x);
  const outDims = ctx.dims(y);
  const have = ctx.permOf(x);
  if (isIdentity(have) || have[0] !== 0 || inDims.length < 3 || outDims.length !== 2) return false;
  if (inDims.slice(1).some((d) => d < 0) || outDims[0] !== inDims[0]) return false;
  const k = inDims.slice(1).reduce((p, d) => p * d, 1);
  if (outDims[1] !== k || ctx.graph.outputs.some((o) => o.name === y)) return false;
  const readers = ctx.readersOf(y);
  // Products by a constant, or an elementwise op with a partner flatten whose result only such products read.
  const pairs = readers.map((n) => {
    if (weightOf(ctx, n, y) || !ELEMENTWISE.has(n.opType) || n.inputs.length !== 2 || n.outputs.length !== 1) return undefined;
    const other = n.inputs[0] === y ? n.inputs[1]! : n.inputs[1] === y ? n.inputs[0]! : undefined;
    const z = n.outputs[0]!;
    if (!other || other === y || ctx.graph.outputs.some((o) => o.name === z)) return undefined;
    const x2 = partnerFlatten(ctx, other, inDims, outDims);
    const zReaders = ctx.readersOf(z);
    const zWeights = zReaders.map((m) => weightOf(ctx, m, z));
    if (!x2 || zReaders.length === 0 || zWeights.some((w) => !w) || ctx.dims(z).join() !== outDims.join()) return undefined;
    return { other, z, zReaders, zWeights: zWeights as { name: string; kFirst: boolean }[] };
  });
  const weights = readers.map((n) => weightOf(ctx, n, y));
  if (readers.length === 0 || weights.some((w, r) => !w && !pairs[r])) return false;
  const cols = storedColumns(inDims, have);
  const stored = emitStored(ctx, x, y, have);
  const products = readers.flatMap((n, r) => (weights[r] ? [n] : []));
  permuteReaders(ctx, products, weights.filter((w) => w) as { name: string; kFirst: boolean }[], stored, cols);
  readers.forEach((n, r) => {
    const p = pairs[r];
    if (weights[r] || !p) return;
    pendingOf(ctx).set(p.other, [...have]);
    const zs = `${p.z}__stored_order`;
    ctx.graph.values.set(zs, { name: zs, dtype: ctx.dtype(p.z), shape: [...(ctx.graph.values.get(stored)?.shape ?? [])] });
    n.inputs = n.inputs.map((v) => (v === y ? stored : v === p.other ? `${p.other}__stored_order` : v));
    n.outputs = [zs];
    permuteReaders(ctx, p.zReaders, p.zWeights, zs, cols);
  });
  return true;
}
