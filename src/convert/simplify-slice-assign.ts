// Slice assignment `x[:, :n] = y` (FasterNet's partial conv in its 'slicing' form: `x = x.clone(); x[:, :dc] =
// conv(x[:, :dc])`) is exported as a ScatterND whose constant indices hold every coordinate of the box. The box is
// one range of one axis (the others whole): the result is the Concat of x before the range, y, and x after it. Concat
// runs in any layout; the ScatterND worked in ONNX order (FasterNet-T0: 3 TRANSPOSE per block, 39).
import type { Graph, Node, Tensor } from '../ir/types';
import { makeTensor, toNumbers } from '../ir/tensor';
import { node } from '../onnx/builder';
import { spliceNodes } from './simplify-util';

/** The range [start, end) of the one axis the coordinates do not cover whole, when they are exactly the box of
 *  `data` with that range in row-major order; else undefined. */
function boxRange(idx: Tensor, data: number[], upd: number[]): { axis: number; start: number; end: number } | undefined {
  // Coordinates of the first k axes (the rest whole in the updates): indices [b0, ..., b(k-1), k].
  const k = idx.dims[idx.dims.length - 1];
  const rank = data.length;
  const box = idx.dims.slice(0, -1);
  if (!(k >= 1) || idx.dims.length !== k + 1 || k > rank || upd.length !== rank || [...box, ...data.slice(k)].join() !== upd.join()) return undefined;
  const v = toNumbers(idx);
  const first = v.slice(0, k);
  const partial = upd.map((d, a) => (d !== data[a] ? a : -1)).filter((a) => a >= 0);
  if (partial.length > 1 || upd.some((d) => !(d > 0))) return undefined;
  const axis = partial.length ? partial[0] : 0;
  if (first.some((s, a) => a !== axis && s !== 0) || first[axis] < 0 || first[axis] + upd[axis] > data[axis]) return undefined;
  // Every coordinate is the box's, in order.
  const pos = new Array<number>(k).fill(0);
  for (let i = 0; i < v.length / k; i++) {
    for (let a = 0; a < k; a++) if (v[i * k + a] !== pos[a] + (a === axis ? first[axis] : 0)) return undefined;
    for (let a = k - 1; a >= 0; a--) { if (++pos[a] < box[a]) break; pos[a] = 0; }
  }
  return { axis, start: first[axis], end: first[axis] + upd[axis] };
}

export function sliceAssignAsConcat(g: Graph, constants: Map<string, Tensor>): void {
  const replace = new Map<Node, Node[]>();
  for (const sc of g.nodes) {
    const reduction = sc.attrs.get('reduction');
    if (sc.opType !== 'ScatterND' || (reduction?.type === 'string' && reduction.value !== 'none') || constants.has(sc.outputs[0])) continue;
    const [data, indices, updates] = sc.inputs;
    const idx = constants.get(indices);
    const dd = g.values.get(data)?.shape as number[] | undefined;
    const ud = g.values.get(updates)?.shape as number[] | undefined;
    if (!idx || !dd || !ud || dd.some((d) => !(d > 0))) continue;
    const box = boxRange(idx, dd, ud);
    if (!box) continue;
    const { axis, start, end } = box;
    const name = (what: string) => `${sc.name}/assign_${what}`;
    const nodes: Node[] = [];
    const parts: string[] = [];
    const slice = (what: string, from: number, to: number) => {
      for (const [k, val] of [['starts', from], ['ends', to], ['axes', axis]] as const) {
        constants.set(name(`${what}_${k}`), makeTensor(name(`${what}_${k}`), 'int64', [1], [val]));
        g.values.set(name(`${what}_${k}`), { name: name(`${what}_${k}`), dtype: 'int64', shape: [1] });
      }
      const shape = dd.map((d, a) => (a === axis ? to - from : d));
      g.values.set(name(what), { name: name(what), dtype: g.values.get(data)?.dtype ?? 'float32', shape });
      nodes.push(node('Slice', [data, name(`${what}_starts`), name(`${what}_ends`), name(`${what}_axes`)], [name(what)], {}, name(what)));
      parts.push(name(what));
    };
    if (start > 0) slice('before', 0, start);
    parts.push(updates);
    if (end < dd[axis]) slice('after', end, dd[axis]);
    nodes.push(parts.length === 1 ? node('Identity', [updates], [sc.outputs[0]], {}, sc.name) : node('Concat', parts, [sc.outputs[0]], { axis }, sc.name));
    replace.set(sc, nodes);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, new Set());
}
