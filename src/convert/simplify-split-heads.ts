// ONNX-level pattern: q, k, v interleaved per head in one projection (LeViT's and TinyViT's / MobileSAM's attention:
// `qkv.view(B, N, H, kd + kd + d).split([kd, kd, d], dim=3)`, each part then `.permute(0, 2, 1, 3)`): a Split of the
// last axis of [B, N, H, P] whose every part is moved by its own Transpose (0, 2, 1, 3) — or (0, 2, 3, 1), k's head
// swap and kᵀ in one — three TRANSPOSEs (q, k, v). Rewritten as one Transpose (0, 2, 1, 3) of [B, N, H, P] and the
// Split of its last axis, k's part then swapping its last two dims (which BATCH_MATMUL reads as adj_y): one TRANSPOSE.
import type { Graph, Node, Tensor } from '../ir/types';
import { node } from '../onnx/builder';
import { permAttr, readersOf, spliceNodes } from './simplify-util';

const HEAD_SWAP = [0, 2, 1, 3].join();
const HEAD_SWAP_T = [0, 2, 3, 1].join();

export function fuseSplitHeads(g: Graph, constants: Map<string, Tensor>): void {
  const { uses, outs, only } = readersOf(g, constants);
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  for (const s of g.nodes) {
    if (s.opType !== 'Split' || s.outputs.length < 2 || s.outputs.some((o) => !o)) continue;
    const xd = dims(s.inputs[0]);
    const axis = s.attrs.get('axis')?.value ?? 0;
    if (!xd || xd.length !== 4 || xd.some((d) => typeof d !== 'number' || d < 1) || (axis !== 3 && axis !== -1)) continue;
    if (outs.has(s.inputs[0]) || (uses.get(s.inputs[0]) ?? []).length !== 1) continue;
    const moves = s.outputs.map((o) => only(o));
    if (moves.some((t) => t?.opType !== 'Transpose' || ![HEAD_SWAP, HEAD_SWAP_T].includes(permAttr(t)?.join() ?? ''))) continue;
    const [b, n, h, p] = xd as number[];
    const t = `${s.inputs[0]}/heads_first`;
    const dtype = g.values.get(s.inputs[0])?.dtype;
    g.values.set(t, { name: t, dtype, shape: [b, h, n, p] });
    // k's part (0, 2, 3, 1): the split gives [B, H, N, kd] under a new name, a swap of its last two dims the old one.
    const swaps: Node[] = [];
    const parts = moves.map((m) => {
      if (permAttr(m!)?.join() === HEAD_SWAP) return m!.outputs[0];
      const part = `${m!.outputs[0]}/heads_first`;
      const od = dims(m!.outputs[0]);
      g.values.set(part, { name: part, dtype, shape: od ? [od[0], od[1], od[3], od[2]] : undefined });
      swaps.push(node('Transpose', [part], [m!.outputs[0]], { perm: [0, 1, 3, 2] }, m!.name));
      return part;
    });
    const split = node('Split', [t, ...s.inputs.slice(1)], parts, {}, s.name);
    split.attrs = new Map(s.attrs);  // the sizes (an attribute before opset 13)
    split.attrs.set('axis', { type: 'int', value: 3 });
    replace.set(s, [node('Transpose', [s.inputs[0]], [t], { perm: [0, 2, 1, 3] }, `${s.name}/heads_first`), split, ...swaps]);
    for (const m of moves) skip.add(m!);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, skip);
}
