// K sampling points per pixel taken by one GridSample and read by a Conv as K·C channels (DEKR's adaptive
// convolution, deformable convs written with grid_sample): the grid [N, H, W, K, 2] is moved points-first by the
// model (Transpose (0, 3, 1, 2, 4)) and viewed [N, K·H, W, 2]; the samples [N, C, K·H, W] are viewed [N, C·K, H, W]
// into the Conv. Channel-last, the grid's move is one TRANSPOSE and the view another (the samples stored
// [N, K, H, W, C], the Conv's channel-last [N, H, W, C, K]). Sampled by the grid viewed [N, H, W·K, 2] as it lies,
// the same points come out [N, C, H, W·K], stored [N, H, W, K, C]: the Conv's input with its channels in (K, C)
// order, which its weights take (a Reshape, a Transpose and a Reshape the layout pass reads without a move).
import type { Graph, Node, Tensor } from '../ir/types';
import { node } from '../onnx/builder';
import { int64Const, permAttr, permutedInputChannels, readersOf, spliceNodes } from './simplify-util';

const POINTS_FIRST = [0, 3, 1, 2, 4];

export function sampleStacksPointsLast(g: Graph, constants: Map<string, Tensor>): void {
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const { uses, only, producer } = readersOf(g, constants);
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  for (const gs of g.nodes) {
    if (gs.opType !== 'GridSample' || replace.has(gs)) continue;
    const r1 = producer.get(gs.inputs[1]);
    const t = r1?.opType === 'Reshape' ? producer.get(r1.inputs[0]) : undefined;
    if (!r1 || !t || t.opType !== 'Transpose' || permAttr(t)?.join() !== POINTS_FIRST.join() || only(r1.outputs[0]) !== gs || only(t.outputs[0]) !== r1) continue;
    const g5 = dims(t.inputs[0]);
    const grid = dims(gs.inputs[1]);
    const y = dims(gs.outputs[0]);
    if (!g5 || !grid || !y || g5.length !== 5 || y.length !== 4 || [...g5, ...y].some((d) => !(d > 0))) continue;
    const [n, h, w, k] = g5;
    const c = y[1];
    if (k < 2 || grid.join() !== [n, k * h, w, 2].join() || y.join() !== [n, c, k * h, w].join()) continue;
    // The samples' views up to [N, C·K, H, W] (a chain of Reshapes is one view), each read only by the next.
    const chain: Node[] = [];
    let end = gs.outputs[0];
    for (let r = only(end); r?.opType === 'Reshape' && r.inputs[0] === end && chain.length < 3; r = only(end)) {
      chain.push(r);
      end = r.outputs[0];
      if (dims(end)?.join() === [n, c * k, h, w].join()) break;
    }
    if (!chain.length || dims(end)?.join() !== [n, c * k, h, w].join()) continue;
    const readers = uses.get(end) ?? [];
    const convs = readers.filter((r) => r.opType === 'Conv' && r.inputs[0] === end && constants.get(r.inputs[1])?.dtype === 'float32'
      && constants.get(r.inputs[1])!.dims[1] === c * k && (r.attrs.get('group')?.type !== 'int' || r.attrs.get('group')!.value === 1));
    if (!readers.length || convs.length !== readers.length || g.outputs.some((o) => o.name === end)) continue;
    const name = (v: string, shape: number[]) => { const s = `${v}/points_last`; g.values.set(s, { name: s, dtype: 'float32', shape }); return s; };
    const grid2 = name(gs.inputs[1], [n, h, w * k, 2]);
    const y2 = name(gs.outputs[0], [n, c, h, w * k]);
    const y5 = name(`${gs.outputs[0]}/5d`, [n, c, h, w, k]);
    const yt = name(`${gs.outputs[0]}/moved`, [n, k, c, h, w]);
    const x2 = name(end, [n, k * c, h, w]);
    const at = gs.name;
    replace.set(r1, [node('Reshape', [t.inputs[0], int64Const(g, constants, `${grid2}/shape`, [n, h, w * k, 2])], [grid2], {}, `${r1.name}/points_last`)]);
    skip.add(t);
    replace.set(gs, [
      { ...gs, name: `${at}/points_last`, inputs: [gs.inputs[0], grid2, ...gs.inputs.slice(2)], outputs: [y2] },
      node('Reshape', [y2, int64Const(g, constants, `${y5}/shape`, [n, c, h, w, k])], [y5], {}, `${at}/points_view`),
      node('Transpose', [y5], [yt], { perm: [0, 4, 1, 2, 3] }, `${at}/points_first`),
      node('Reshape', [yt, int64Const(g, constants, `${x2}/shape`, [n, k * c, h, w])], [x2], {}, `${at}/points_channels`),
    ]);
    for (const r of chain) skip.add(r);
    // Channel c·K + p of the exported view is channel p·C + c of the points-last one.
    for (const conv of convs) {
      conv.inputs = [x2, permutedInputChannels(g, constants, constants.get(conv.inputs[1])!, (i) => (i % k) * c + Math.floor(i / k), '/points_last_order'), ...conv.inputs.slice(2)];
    }
  }
  if (replace.size) spliceNodes(g, new Map(), replace, skip);
}
