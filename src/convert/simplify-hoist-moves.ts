// ONNX-level pattern: one value read by several Gathers of one axis (a scalar index each), each result moved by a
// Transpose with the same perm: deformable attention's sampling grids (`sampling_grids[:, :, :, level]
// .transpose(1, 2)` per feature level, MSDeformAttn's PyTorch core in DINO / Deformable-DETR / RT-DETR), one
// TRANSPOSE a level. The value is moved once, before the Gathers, which then read the moved value: one TRANSPOSE.
import type { Graph, Node, Tensor } from '../ir/types';
import { node } from '../onnx/builder';
import { permAttr, readersOf, spliceNodes } from './simplify-util';

/** The Gather's axis when it takes one constant scalar index (the axis drops out), else undefined. */
function scalarGatherAxis(n: Node, rank: number, constants: Map<string, Tensor>): number | undefined {
  const idx = n.opType === 'Gather' ? constants.get(n.inputs[1]) : undefined;
  if (!idx || idx.dims.length !== 0) return undefined;
  const a = (n.attrs.get('axis')?.value as number | undefined) ?? 0;
  return (a + rank) % rank;
}

export function hoistGatheredMoves(g: Graph, constants: Map<string, Tensor>): void {
  const { uses, outs, only } = readersOf(g, constants);
  const dims = (v: string) => g.values.get(v)?.shape as (number | string)[] | undefined;
  const before = new Map<Node, Node[]>();
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  for (const [x, readers] of uses) {
    const xd = dims(x);
    // Up to rank 6: the moved value is one TRANSPOSE (TFLite's and XNNPack's limit).
    if (!xd || xd.length > 6 || outs.has(x) || constants.has(x)) continue;
    const r = xd.length;
    // Each Gather whose one reader is a Transpose, grouped by (axis, perm).
    const groups = new Map<string, { gather: Node; move: Node }[]>();
    for (const gn of readers) {
      const a = gn.inputs[0] === x ? scalarGatherAxis(gn, r, constants) : undefined;
      const t = a === undefined ? undefined : only(gn.outputs[0]);
      const p = t?.opType === 'Transpose' ? permAttr(t) : undefined;
      if (a === undefined || !t || !p) continue;
      const key = `${a}:${p.join()}`;
      groups.set(key, [...(groups.get(key) ?? []), { gather: gn, move: t }]);
    }
    for (const [key, list] of groups) {
      if (list.length < 2) continue;
      const a = Number(key.split(':')[0]);
      const p = permAttr(list[0].move)!;
      // The Gather's output dim j is X's dim j (< a) or j + 1; the gathered axis keeps its place in the moved value.
      const full = p.map((j) => (j < a ? j : j + 1));
      full.splice(a, 0, a);
      const moved = `${x}/moved_${full.join('')}`;
      g.values.set(moved, { name: moved, dtype: g.values.get(x)?.dtype, shape: full.map((d) => xd[d]) });
      const first = g.nodes.find((n) => list.some((e) => e.gather === n))!;
      before.set(first, [...(before.get(first) ?? []), node('Transpose', [x], [moved], { perm: full }, `${moved}/move`)]);
      for (const { gather, move } of list) {
        replace.set(gather, [{ ...gather, inputs: [moved, gather.inputs[1]], outputs: [move.outputs[0]], attrs: new Map([['axis', { type: 'int', value: a }]]) }]);
        skip.add(move);
      }
    }
  }
  if (replace.size) spliceNodes(g, before, replace, skip);
}
