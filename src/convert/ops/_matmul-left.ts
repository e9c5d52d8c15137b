// A MatMul by constant weights [K, N] of an A stored with its contracted axis K neither last nor swapped with the one
// before it (TQNet's variates-as-tokens attention: x [1, T, V] moved by the model to [V, 1, T] and projected over T,
// stored [1, T, V]): W is taken on the left, Wᵀ [N, K] times A's stored bytes viewed [B, K, M] (B the stored dims
// before K, M those after it), and the product is stored in A's order with N in K's place, so A moves for nothing.
// FULLY_CONNECTED would read A in ONNX order: one TRANSPOSE of A per projection. Only when no copy of A in ONNX order
// exists already and N <= K (a reader that moves the product then moves no more than A's move would have).
import type { Node, Tensor } from '../../ir/types';
import { toFloat32 } from '../../ir/tensor';
import { transposeData } from '../constdata';
import type { ConvertContext } from '../context';
import { identity, isIdentity, permute, sameMemoryOrder } from '../layout';

export function weightsLeftAsStored(ctx: ConvertContext, node: Node, a: string, B: Tensor, y: string): boolean {
  const r = ctx.rank(a);
  const p = ctx.primaryOf(a);
  if (r < 3 || !p || ctx.isConstant(a) || ctx.isDynamic(a) || isIdentity(p.perm)) return false;
  const j = p.perm.indexOf(r - 1);
  // K last: FULLY_CONNECTED reads it; A swapped in its last two dims only (K before the rows): BATCH_MATMUL's adj_x.
  const swapped = [...identity(r - 2), r - 1, r - 2];
  if (j === r - 1 || sameMemoryOrder(ctx.shape(a), p.perm, swapped) || ctx.storedAs(a, identity(r)) !== undefined) return false;
  const [k, n] = B.dims;
  if (n > k || ctx.graph.outputs.some((o) => o.name === y)) return false;
  const stored = permute(ctx.shape(a), p.perm);
  const before = stored.slice(0, j).reduce((x, d) => x * d, 1);
  const after = stored.slice(j + 1).reduce((x, d) => x * d, 1);
  const view = ctx.temp([before, k, after], 'FLOAT32', `${a}__k_rows`);
  ctx.emit('RESHAPE', [p.index, ctx.constInt32([before, k, after], `${a}__k_rows_shape`)], [view], { newShape: [before, k, after] });
  const wt = transposeData(toFloat32(B), B.dims, [1, 0], (m) => new Float32Array(m));
  const w = ctx.constFloat32(wt, [1, n, k], `${node.name}/weights_left`);
  const prod = ctx.temp([before, n, after], 'FLOAT32', `${y}__k_rows`);
  ctx.emit('BATCH_MATMUL', [w, view], [prod], { adjX: false, adjY: false });
  const out = ctx.output(y, p.perm);
  const shape = ctx.tensors[out].shape;
  ctx.emit('RESHAPE', [prod, ctx.constInt32(shape, `${y}__shape`)], [out], { newShape: shape });
  return true;
}

/**
 * A MatMul by constant weights [K, N] of A [B, M..., K] stored in ONNX order whose only reader is the model's move of
 * the product's last axis to just after the batch ([0, r−1, 1, .., r−2]: AlphaFold's pair bias
 * `linear(z).permute(0, 3, 1, 2)`, heads first): Wᵀ [N, K] on the left times A viewed [B, M, K] with adj_y is the
 * product stored [B, N, M], which that move then takes as it is. FULLY_CONNECTED wrote [B, M, N] and the move was a
 * TRANSPOSE.
 */
export function weightsLeftIntoMove(ctx: ConvertContext, node: Node, a: string, B: Tensor, y: string): boolean {
  const r = ctx.rank(a);
  const p = ctx.primaryOf(a);
  if (r < 3 || !p || !isIdentity(p.perm) || ctx.isConstant(a) || ctx.isDynamic(a) || ctx.isDynamic(y)) return false;
  if (ctx.graph.outputs.some((o) => o.name === y)) return false;
  const readers = ctx.readersOf(y);
  const t = readers.length === 1 && readers[0].opType === 'Transpose' && readers[0].inputs[0] === y ? readers[0] : undefined;
  const perm = t?.attrs.get('perm');
  const heads = [0, r - 1, ...identity(r - 1).slice(1)];
  if (perm?.type !== 'ints' || perm.value.join() !== heads.join()) return false;
  // A moved product read into a convolution (a short conv over [B, L, C] moved to [B, C, L]: Gated DeltaNet's q, k, v)
  // is that conv's channel-last as FULLY_CONNECTED writes it.
  if (ctx.prefersChannelLast.has(t!.outputs[0]) || ctx.prefersChannelLast.has(y)) return false;
  const [k, n] = B.dims;
  const dims = ctx.shape(a);
  const m = dims.slice(1, r - 1).reduce((x, d) => x * d, 1);
  const view = ctx.temp([dims[0], m, k], 'FLOAT32', `${a}__rows`);
  ctx.emit('RESHAPE', [p.index, ctx.constInt32([dims[0], m, k], `${a}__rows_shape`)], [view], { newShape: [dims[0], m, k] });
  const wt = transposeData(toFloat32(B), B.dims, [1, 0], (x) => new Float32Array(x));
  const w = ctx.constFloat32(wt, [1, n, k], `${node.name}/weights_left`);
  const prod = ctx.temp([dims[0], n, m], 'FLOAT32', `${y}__heads_first`);
  ctx.emit('BATCH_MATMUL', [w, view], [prod], { adjX: false, adjY: true });
  const out = ctx.output(y, heads);
  const shape = ctx.tensors[out].shape;
  ctx.emit('RESHAPE', [prod, ctx.constInt32(shape, `${y}__shape`)], [out], { newShape: shape });
  return true;
}
