// ONNX-level pattern: the coordinates of a map stacked last after the same elementwise arithmetic with per-coordinate
// scalars — a sampling grid normalised for grid_sample, `torch.stack([2·c[:, 0] / (W − 1) − 1, 2·c[:, 1] / (H − 1) − 1],
// -1)` of a flow / offset map c [N, 2, H, W] (NeuFlow's and RAFT-style warps, NLSPN's propagation offsets) — is the map
// moved with that axis last, then the arithmetic once with the scalars as a vector along it: Transpose → Mul / Div /
// Sub by [k] constants. Converted as written, each Gather of one coordinate from the channel-last map was moved
// channel-first for a contiguous copy (Gather.ts `axisFirst`: one TRANSPOSE per grid) only to be stacked last again;
// the model's own Transpose of a channel-last map to channels-last order moves nothing. A per-coordinate constant may
// be a map of its own — FILM's warps add the constant meshgrid x / y [H, W] to each coordinate before normalising — and
// is then stacked along the new last axis ([H, W, 2]), broadcast to the largest of the coordinates' constants.
import type { Graph, Node, Tensor } from '../ir/types';
import { elementCount } from '../ir/types';
import { toFloat32, toNumbers } from '../ir/tensor';
import { readersOf } from './simplify-util';
import { broadcast } from '../ir/fold-kernels';

const BINARY = new Set(['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min']);
const UNARY = new Set(['Neg', 'Abs', 'Relu', 'Sigmoid', 'Tanh', 'Floor', 'Ceil', 'Exp', 'Log', 'Sqrt']);

interface Step { op: string; side: number; value?: Tensor }

function attrInt(n: Node, name: string): number | undefined {
  const a = n.attrs.get(name);
  return a?.type === 'int' ? a.value : undefined;
}

export function coordStacksAsMoves(g: Graph, constants: Map<string, Tensor>): void {
  const { producer, only } = readersOf(g, constants);
  const dims = (v: string): number[] | undefined => {
    const s = constants.get(v)?.dims ?? g.values.get(v)?.shape;
    return s && s.every((d) => typeof d === 'number' && d > 0) ? (s as number[]) : undefined;
  };
  const constant = (v: string): Tensor | undefined => {
    const c = constants.get(v);
    return c && c.dtype === 'float32' ? c : undefined;
  };
  const unsqueezeAxis = (u: Node): number | undefined => {
    const a = u.inputs[1] ? constants.get(u.inputs[1]) : undefined;
    const axes = a ? toNumbers(a) : u.attrs.get('axes')?.type === 'ints' ? (u.attrs.get('axes')!.value as number[]) : undefined;
    return axes?.length === 1 ? axes[0] : undefined;
  };
  const drop = new Set<Node>();
  const before = new Map<Node, Node[]>();
  let k = 0;
  for (const cat of g.nodes) {
    if (cat.opType !== 'Concat' || cat.inputs.length < 2) continue;
    const out = dims(cat.outputs[0]);
    if (!out || ((attrInt(cat, 'axis') ?? 0) + out.length) % out.length !== out.length - 1) continue;
    const chains: { nodes: Node[]; steps: Step[]; gather: Node }[] = [];
    for (const i of cat.inputs) {
      const u = producer.get(i);
      const ax = u?.opType === 'Unsqueeze' && only(i) === cat ? unsqueezeAxis(u) : undefined;
      if (!u || ax === undefined || (ax + out.length) % out.length !== out.length - 1) break;
      const nodes: Node[] = [u];
      const steps: Step[] = [];
      let v = u.inputs[0];
      let p = producer.get(v);
      while (p && only(v) === nodes[nodes.length - 1] && (BINARY.has(p.opType) || UNARY.has(p.opType))) {
        if (UNARY.has(p.opType)) { steps.unshift({ op: p.opType, side: -1 }); v = p.inputs[0]; } else {
          const side = [0, 1].find((s) => constant(p!.inputs[s]) !== undefined && constant(p!.inputs[1 - s]) === undefined);
          if (side === undefined) break;
          steps.unshift({ op: p.opType, side, value: constant(p.inputs[side])! });
          v = p.inputs[1 - side];
        }
        nodes.push(p);
        p = producer.get(v);
      }
      if (!p || p.opType !== 'Gather' || only(v) !== nodes[nodes.length - 1] || !p.inputs[1] || constants.get(p.inputs[1])?.dims.length !== 0) break;
      nodes.push(p);
      chains.push({ nodes, steps, gather: p });
    }
    if (chains.length !== cat.inputs.length) continue;
    const data = chains[0].gather.inputs[0];
    const xd = dims(data);
    if (!xd || constants.has(data) || g.values.get(data)?.dtype !== 'float32' || xd.length !== out.length) continue;
    const axis = ((attrInt(chains[0].gather, 'axis') ?? 0) + xd.length) % xd.length;
    const n = chains.length;
    const same = chains.every((c, j) => c.gather.inputs[0] === data && ((attrInt(c.gather, 'axis') ?? 0) + xd.length) % xd.length === axis
      && toNumbers(constants.get(c.gather.inputs[1])!)[0] === j && c.steps.length === chains[0].steps.length
      && c.steps.every((s, t) => s.op === chains[0].steps[t].op && s.side === chains[0].steps[t].side));
    const perm = [...xd.keys()].filter((d) => d !== axis).concat(axis);
    if (!same || xd[axis] !== n || perm.some((d, j) => xd[d] !== out[j])) continue;
    // A constant must broadcast into one coordinate's shape (the arithmetic never grows it).
    const part = out.slice(0, -1);
    const fits = (t: Tensor) => t.dims.length <= part.length && t.dims.every((d, i) => d === 1 || d === part[part.length - t.dims.length + i]);
    if (!chains.every((c) => c.steps.every((s) => !s.value || fits(s.value)))) continue;
    // The rewrite: Transpose(data) → the steps with [n]-vector constants; the last writes the Concat's output.
    const base = `${cat.name}/coord_stack`;
    let v = `${base}/moved`;
    const made: Node[] = [{ name: `${base}/Transpose`, opType: 'Transpose', domain: '', inputs: [data], outputs: [v], attrs: new Map([['perm', { type: 'ints', value: perm }]]) }];
    g.values.set(v, { name: v, dtype: 'float32', shape: [...out] });
    chains[0].steps.forEach((s, t) => {
      const y = t === chains[0].steps.length - 1 ? cat.outputs[0] : `${base}/step${t}`;
      let inputs = [v];
      if (s.side >= 0) {
        const c = `${base}/const${t}_${k++}`;
        const { dims: cd, data } = stacked(chains.map((ch) => ch.steps[t].value!));
        constants.set(c, { name: c, dtype: 'float32', dims: cd, data });
        g.values.set(c, { name: c, dtype: 'float32', shape: cd });
        inputs = s.side === 0 ? [c, v] : [v, c];
      }
      if (y !== cat.outputs[0]) g.values.set(y, { name: y, dtype: 'float32', shape: [...out] });
      made.push({ name: `${base}/${s.op}${t}`, opType: s.op, domain: '', inputs, outputs: [y], attrs: new Map() });
      v = y;
    });
    if (!chains[0].steps.length) made[0].outputs = [cat.outputs[0]];
    for (const c of chains) for (const m of c.nodes) drop.add(m);
    drop.add(cat);
    before.set(cat, made);
  }
  if (drop.size) g.nodes = g.nodes.flatMap((m) => [...(before.get(m) ?? []), ...(drop.has(m) ? [] : [m])]);
}

/** The coordinates' constants of one step stacked along a new last axis: a [n] vector when each is one value, else
 *  [...B, n] with B their common broadcast shape. */
function stacked(ts: Tensor[]): { dims: number[]; data: Float32Array } {
  const n = ts.length;
  if (ts.every((t) => elementCount(t.dims) === 1)) return { dims: [n], data: Float32Array.from(ts.map((t) => toFloat32(t)[0])) };
  const vs = ts.map((t) => ({ dtype: 'float32' as const, dims: [...t.dims], v: Array.from(toFloat32(t)) }));
  const b = broadcast(vs)!;
  const count = elementCount(b.dims);
  const data = new Float32Array(count * n);
  for (let e = 0; e < count; e++) for (let j = 0; j < n; j++) data[e * n + j] = vs[j].v[b.idx[j][e]];
  return { dims: [...b.dims, n], data };
}
