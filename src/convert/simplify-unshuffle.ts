// PyTorch's pixel_unshuffle (Real-ESRGAN x2plus / x1 put it in front of their RRDBNet) is exported as Reshape
// [N, C, H/b, b, W/b, b] → Transpose (0, 1, 3, 5, 2, 4) → Reshape [N, C·b², H/b, W/b]: a rank-6 TRANSPOSE. It is
// SpaceToDepth with the channels in another order: SpaceToDepth (TFLite's SPACE_TO_DEPTH) puts input channel c of
// block position (i, j) at (i·b + j)·C + c, pixel_unshuffle at c·b² + i·b + j. When only Convs with constant weights
// read the result, their weights' input channels are put in SpaceToDepth's order (no op at all); otherwise a Gather
// on the channel axis reorders them. The same views with the Transpose (0, 3, 5, 1, 2, 4) (TResNet's SpaceToDepth
// module, YOLOv5's Focus written as a view) are SpaceToDepth in its own channel order: that op alone.
import type { Graph, Node, Tensor } from '../ir/types';
import { node } from '../onnx/builder';
import { permAttr, permutedInputChannels, readersOf, spliceNodes } from './simplify-util';

const UNSHUFFLE = [0, 1, 3, 5, 2, 4];
/** The views' Transpose when the channels come out in SpaceToDepth's order: block row, block column, channel. */
const BLOCKS_FIRST = [0, 3, 5, 1, 2, 4];

/** Channel k = c·b² + i·b + j of pixel_unshuffle is SpaceToDepth's channel (i·b + j)·C + c. */
function spaceToDepthChannel(k: number, c: number, b: number): number {
  const ch = Math.floor(k / (b * b));
  const pos = k % (b * b);
  return pos * c + ch;
}

export function fusePixelUnshuffle(g: Graph, constants: Map<string, Tensor>): void {
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const { uses, only, producer } = readersOf(g, constants);
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  for (const t of g.nodes) {
    const perm = t.opType === 'Transpose' ? permAttr(t)?.join() : undefined;
    if (perm !== UNSHUFFLE.join() && perm !== BLOCKS_FIRST.join()) continue;
    const views = rank6Views(t, producer, only, dims);
    if (!views) continue;
    const { back, fwd, x, v6, y } = views;
    const [n, c, h, w] = x;
    const b = v6[3];
    if (b < 2 || v6[5] !== b || v6.join() !== [n, c, h / b, b, w / b, b].join() || y.join() !== [n, c * b * b, h / b, w / b].join()) continue;
    const out = fwd.end;
    const readers = uses.get(out) ?? [];
    const convs = g.outputs.some((o) => o.name === out) ? [] : readers.filter((r) => r.opType === 'Conv' && r.inputs[0] === out && constants.has(r.inputs[1])
      && (r.attrs.get('group')?.type !== 'int' || r.attrs.get('group')!.value === 1) && constants.get(r.inputs[1])!.dtype === 'float32');
    const s2d = (to: string) => node('SpaceToDepth', [back.end], [to], { blocksize: b }, `${t.name}/space_to_depth`);
    const mid = `${out}/space_to_depth`;
    g.values.set(mid, { name: mid, dtype: g.values.get(out)?.dtype, shape: [...y] });
    if (perm === BLOCKS_FIRST.join()) {
      g.values.delete(mid);
      replace.set(t, [s2d(out)]);
    } else if (readers.length > 0 && convs.length === readers.length) {
      // The Convs read SpaceToDepth's order under a new name: `out` (pixel_unshuffle's order) is no longer made, so
      // compare's per-layer view does not join it with onnxruntime's value of that name.
      for (const conv of convs) conv.inputs = [mid, permutedInputChannels(g, constants, constants.get(conv.inputs[1])!, (k) => spaceToDepthChannel(k, c, b), '/space_to_depth_order'), ...conv.inputs.slice(2)];
      replace.set(t, [s2d(mid)]);
    } else {
      const idx = `${out}/unshuffle_channels`;
      const order = Array.from({ length: c * b * b }, (_, k) => spaceToDepthChannel(k, c, b));
      constants.set(idx, { name: idx, dtype: 'int64', dims: [order.length], data: BigInt64Array.from(order.map(BigInt)) });
      g.values.set(idx, { name: idx, dtype: 'int64', shape: [order.length] });
      replace.set(t, [s2d(mid), node('Gather', [mid, idx], [out], { axis: 1 }, `${t.name}/unshuffle_order`)]);
    }
    for (const n of [...back.nodes, ...fwd.nodes]) skip.add(n);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, skip);
}

/** A Transpose between a Reshape to rank 6 and a Reshape from it, each through a chain of views to a static 4-D value:
 *  the chains, both 4-D ends' dims and the 6-D view's. */
export function rank6Views(t: Node, producer: Map<string, Node>, only: (v: string) => Node | undefined, dims: (v: string) => number[] | undefined):
  { back: { nodes: Node[]; end: string }; fwd: { nodes: Node[]; end: string }; x: number[]; v6: number[]; y: number[] } | undefined {
  const r1 = producer.get(t.inputs[0]);
  const r2 = only(t.outputs[0]);
  if (r1?.opType !== 'Reshape' || r2?.opType !== 'Reshape' || only(r1.outputs[0]) !== t) return undefined;
  const v6 = dims(r1.outputs[0]);
  // torch 1.13's opset-17 export views the image through Unsqueeze / Reshape steps before the 6-D view and reaches
  // [N, C·b², H/b, W/b] through a [N, C·b², 1, 1, H/b, W/b] one: the chains around count as one Reshape each.
  const back = viewChain(r1, (n) => producer.get(n.inputs[0]), (n) => n.inputs[0], (prev, _n, v) => only(v) === prev, 4, dims);
  const fwd = viewChain(r2, (n) => only(n.outputs[0]), (n) => n.outputs[0], (_prev, n, v) => n.inputs[0] === v, 4, dims);
  const x = dims(back.end);
  const y = dims(fwd.end);
  if (!x || !v6 || !y || x.length !== 4 || v6.length !== 6 || y.length !== 4 || [...x, ...y].some((d) => !(d > 0))) return undefined;
  return { back, fwd, x, v6, y };
}

const VIEWS = new Set(['Reshape', 'Unsqueeze', 'Squeeze']);

/** From `first` (a Reshape next to the Transpose) along views (Reshape / Unsqueeze / Squeeze), each value read only
 *  by the next, to the nearest value of rank `rank`: the nodes walked and that value (`first`'s far side when none). */
function viewChain(first: Node, step: (n: Node) => Node | undefined, far: (n: Node) => string, linked: (prev: Node, n: Node, v: string) => boolean,
  rank: number, dims: (v: string) => number[] | undefined): { nodes: Node[]; end: string } {
  const nodes = [first];
  let end = far(first);
  for (let n = step(first); (dims(end)?.length ?? rank) !== rank && n && VIEWS.has(n.opType) && linked(nodes[nodes.length - 1], n, end); n = step(n)) {
    nodes.push(n);
    end = far(n);
  }
  return { nodes, end };
}
