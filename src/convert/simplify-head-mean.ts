// ONNX-level pattern: per-head products averaged over the heads (YOLOv13's adaptive hyperedge generation, HyperACE:
// `logits = (X_h @ P_hᵀ).mean(dim=1)` with X [B, N, C] and the prototypes P [B, M, C] each viewed [.., H, d] and
// moved heads-first, k straight to kᵀ): Σ_h Σ_d X[n, h, d]·P[m, h, d] is the product over the whole C = H·d, so
// MatMul(moved heads of X, moved heads of Pᵀ) → ReduceMean over the heads is MatMul(X, Pᵀ) / H — no head split, two
// TRANSPOSEs fewer and H times fewer outputs to reduce. ReduceSum is the same without the division.
import { isStaticShape, type Graph, type Node, type Tensor } from '../ir/types';
import { node } from '../onnx/builder';
import { intsArg, permAttr, readersOf, spliceNodes } from './simplify-util';

const SCALINGS = new Set(['Mul', 'Div']);

/** `y` [B, N, M] goes, through scalings by scalar constants, into a Softmax / LogSoftmax over axis 1 (N) alone. */
function softmaxOverRows(g: Graph, y: string, only: (v: string) => Node | undefined, constants: Map<string, Tensor>): boolean {
  for (let n = only(y), v = y; n; v = n.outputs[0], n = only(v)) {
    if (n.opType === 'Softmax' || n.opType === 'LogSoftmax') {
      const axis = n.attrs.get('axis')?.value as number | undefined;
      return axis === 1 || axis === -2;
    }
    const other = n.inputs.find((i) => i !== v);
    const c = other ? constants.get(other) : undefined;
    if (!SCALINGS.has(n.opType) || n.inputs[0] !== v || !c || c.dims.reduce((a, d) => a * d, 1) !== 1) return false;
  }
  return false;
}

export function headMeanAsProduct(g: Graph, constants: Map<string, Tensor>): void {
  const { producer, only, outs } = readersOf(g, constants);
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  // A head view moved by `perm` (X: (0, 2, 1, 3) to [B, H, N, d]; Pᵀ: (0, 2, 3, 1) to [B, H, d, M]) of a rank-3
  // [B, L, H·d] value, read only by the product: that value and the view's nodes.
  const heads = (v: string, perm: string): { src: string; nodes: Node[]; h: number } | undefined => {
    const t = producer.get(v);
    const rs = t?.opType === 'Transpose' && permAttr(t)?.join() === perm && only(v) ? producer.get(t.inputs[0]) : undefined;
    const sd = rs?.opType === 'Reshape' ? dims(rs.inputs[0]) : undefined;
    const rd = rs ? dims(rs.outputs[0]) : undefined;
    if (!rs || !only(rs.outputs[0]) || !isStaticShape(sd) || !isStaticShape(rd) || sd.length !== 3 || rd.length !== 4) return undefined;
    if (rd[0] !== sd[0] || rd[1] !== sd[1] || rd[2] * rd[3] !== sd[2] || g.values.get(rs.inputs[0])?.dtype !== 'float32') return undefined;
    return { src: rs.inputs[0], nodes: [t!, rs], h: rd[2] };
  };
  for (const red of g.nodes) {
    if (red.opType !== 'ReduceMean' && red.opType !== 'ReduceSum') continue;
    const mm = producer.get(red.inputs[0]);
    if (mm?.opType !== 'MatMul' || !only(mm.outputs[0]) || outs.has(mm.outputs[0])) continue;
    const axes = intsArg(red, 1, 'axes', constants);
    const keep = (red.attrs.get('keepdims')?.value as number | undefined) ?? 1;
    if (!axes || axes.length !== 1 || (axes[0] !== 1 && axes[0] !== -3) || dims(mm.outputs[0])?.length !== 4) continue;
    const x = heads(mm.inputs[0], '0,2,1,3');
    const p = heads(mm.inputs[1], '0,2,3,1');
    if (!x || !p || x.h !== p.h || dims(x.src)![2] !== dims(p.src)![2] || dims(x.src)![0] !== dims(p.src)![0]) continue;
    const [B, N] = dims(x.src)!;
    const M = dims(p.src)![1];
    const y = red.outputs[0];
    const key = `${mm.name}/head_${red.opType === 'ReduceMean' ? 'mean' : 'sum'}`;
    const val = (name: string, shape: number[]) => { g.values.set(name, { name, dtype: 'float32', shape }); return name; };
    // Read by a softmax over N (through scalings): the product computed transposed (P·Xᵀ, [B, M, N]) and moved back
    // by a Transpose the converter keeps lazy, so that the softmax's axis is last as stored.
    const t = !keep && softmaxOverRows(g, y, only, constants);
    const [lhs, rhs] = t ? [p.src, x.src] : [x.src, p.src];
    const rt = val(`${key}/rhs_t`, [B, dims(rhs)![2], dims(rhs)![1]]);
    const out = t ? [B, M, N] : [B, N, M];
    const nodes: Node[] = [node('Transpose', [rhs], [rt], { perm: [0, 2, 1] }, `${key}/rhs_t`)];
    let cur = val(`${key}/product`, out);
    nodes.push(node('MatMul', [lhs, rt], [cur], {}, mm.name));
    if (red.opType === 'ReduceMean') {
      const sc = `${key}/scale`;
      constants.set(sc, { name: sc, dtype: 'float32', dims: [], data: Float32Array.of(1 / x.h) });
      g.values.set(sc, { name: sc, dtype: 'float32', shape: [] });
      const next = val(`${key}/reduced`, out);
      nodes.push(node('Mul', [cur, sc], [next], {}, `${key}/mul`));
      cur = next;
    }
    const shape = `${key}/out_shape`;
    constants.set(shape, { name: shape, dtype: 'int64', dims: [keep ? 4 : 3], data: BigInt64Array.from((keep ? [B, 1, N, M] : [B, N, M]).map(BigInt)) });
    g.values.set(shape, { name: shape, dtype: 'int64', shape: [keep ? 4 : 3] });
    // The node that makes the original output keeps the original node's name (the accuracy diff joins on it).
    nodes.push(t ? node('Transpose', [cur], [y], { perm: [0, 2, 1] }, red.name) : node('Reshape', [cur, shape], [y], {}, red.name));
    replace.set(red, nodes);
    for (const n of [mm, ...x.nodes, ...p.nodes]) skip.add(n);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, skip);
}
