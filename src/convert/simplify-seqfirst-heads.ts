// ONNX-level pattern: a head split of nn.MultiheadAttention (batch_first=False) at batch B > 1 that no packing pass
// took (SASRec's q, projected from the LayerNorm of the stream the k / v projection reads raw): Reshape [T, B, E] →
// [T, B·H, d] → Transpose [1, 0, 2] (k: [1, 2, 0], kᵀ). B·H merges the batch with the heads, so when the projection
// keeps the model's batch-first stream in its stored [B, T, E] order, that view needs the stream in ONNX order first:
// two moves. Written as Reshape [T, B, H, d] → Transpose [1, 2, 0, 3] (kᵀ: [1, 2, 3, 0]) → Reshape [B·H, T, d]
// (the same numbers), the view only splits the last axis and the one move goes from whatever order the value is in.
import type { Graph, Node, Tensor } from '../ir/types';
import { node } from '../onnx/builder';
import { int64Const, permAttr, readersOf, spliceNodes } from './simplify-util';

export function seqFirstHeadViews(g: Graph, constants: Map<string, Tensor>): void {
  const { producer, only } = readersOf(g, constants);
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  for (const t of g.nodes) {
    const p = t.opType === 'Transpose' ? permAttr(t)?.join() : undefined;
    if (p !== '1,0,2' && p !== '1,2,0') continue;
    const rs = producer.get(t.inputs[0]);
    if (rs?.opType !== 'Reshape' || only(rs.outputs[0]) !== t) continue;
    const [xd, vd] = [dims(rs.inputs[0]), dims(rs.outputs[0])];
    if (!xd || !vd || xd.length !== 3 || vd.length !== 3 || [...xd, ...vd].some((d) => typeof d !== 'number' || d <= 0)) continue;
    const [T, B, E] = xd;
    const [T2, BH, d] = vd;
    if (B <= 1 || T2 !== T || BH % B !== 0 || (BH / B) * d !== E || BH === B) continue;
    const H = BH / B;
    const dtype = g.values.get(rs.inputs[0])?.dtype ?? 'float32';
    const key = `${t.name || t.outputs[0]}/seq_first_heads`;
    const view = `${key}/view`;
    const moved = `${key}/moved`;
    const kT = p === '1,2,0';
    g.values.set(view, { name: view, dtype, shape: [T, B, H, d] });
    g.values.set(moved, { name: moved, dtype, shape: kT ? [B, H, d, T] : [B, H, T, d] });
    replace.set(t, [
      node('Reshape', [rs.inputs[0], int64Const(g, constants, `${key}/shape`, [T, B, H, d])], [view], {}, rs.name),
      node('Transpose', [view], [moved], { perm: kT ? [1, 2, 3, 0] : [1, 2, 0, 3] }, moved),
      node('Reshape', [moved, int64Const(g, constants, `${key}/merged`, kT ? [BH, d, T] : [BH, T, d])], [t.outputs[0]], {}, t.name),
    ]);
    skip.add(rs);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, skip);
}
