// Rank-7 values of a batch-1 model lose their leading unit dim. TFLite's kernels and XNNPack stop at rank 6
// (TRANSPOSE, broadcast arithmetic, SOFTMAX, reductions: LiteRT cannot prepare such a model), but PyTorch writes
// rank 7 where a 6-D view gets a batch dim: RAFT's convex upsampling views its mask as [N, 1, 9, 8, 8, H, W], takes a
// softmax over the 9 neighbours, multiplies by the unfolded flow [N, 2, 9, 1, 1, H, W] and sums them. With N = 1
// every rank-7 value here is [1, ...]: the nodes that make or read one (elementwise, softmax, reductions, transpose,
// reshape) work on [...] instead, and a Reshape restores the original shape where a value leaves them. Lift-Splat's
// frustum geometry (`rots.view(B, N, 1, 1, 1, 3, 3).matmul(points.unsqueeze(-1))`, slices and a concat of the
// [B, N, D, H, W, 3, 1] points, `.squeeze(-1)`) adds MatMul, Concat, Slice, and Unsqueeze / Squeeze into or out of
// rank 7 (Reshapes to their static shapes).
import type { Graph, Node, Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { folded, permAttr, spliceNodes } from './simplify-util';

const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Where', 'Relu', 'Sigmoid', 'Exp', 'Log',
  'Neg', 'Abs', 'Sqrt', 'Tanh', 'Erf', 'Clip', 'Identity', 'Cast']);
const SOFTMAX = new Set(['Softmax', 'LogSoftmax']);
const REDUCE = new Set(['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd']);
/** Ops into or out of rank 7 that become a Reshape to their static result. */
const RESHAPED = new Set(['Unsqueeze', 'Squeeze']);

export function squeezeRank7(g: Graph, constants: Map<string, Tensor>): void {
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const high = (v: string) => !!v && (dims(v)?.length ?? 0) === 7;
  const live = g.nodes.filter((n) => !folded(n, constants));
  const region = live.filter((n) => [...n.inputs, ...n.outputs].some((v) => high(v) && !constants.has(v)));
  if (!region.length) return;
  if (g.inputs.some((i) => high(i.name))) return;
  const inRegion = new Set(region);
  // Every rank-7 value must start with a unit dim and every node must be one this rewrite knows.
  const touched = region.flatMap((n) => [...n.inputs, ...n.outputs]).filter(high);
  if (touched.some((v) => { const d = dims(v)!; return d[0] !== 1 || d.some((x) => !(x >= 0)); })) return;
  const newAttrs = new Map<Node, Node['attrs']>();
  const newInputs = new Map<Node, [number, string]>();
  const shiftedAxes = (v: string, axes: number[]) => {
    const norm = axes.map((x) => (x < 0 ? x + 7 : x));
    if (norm.some((x) => x < 1)) return undefined;
    const name = `${v}/rank6`;
    constants.set(name, { name, dtype: 'int64', dims: [norm.length], data: BigInt64Array.from(norm.map((x) => BigInt(x - 1))) });
    g.values.set(name, { name, dtype: 'int64', shape: [norm.length] });
    return name;
  };
  for (const n of region) {
    const a = new Map(n.attrs);
    if (ELEMENTWISE.has(n.opType) || n.opType === 'Reshape' || n.opType === 'MatMul') { newAttrs.set(n, a); continue; }
    if (RESHAPED.has(n.opType)) {
      // Into or out of rank 7: a Reshape to the static result (without its unit dim when it is the rank-7 side).
      if (!(dims(n.outputs[0]) ?? []).every((x) => x >= 0) || !dims(n.outputs[0])) return;
      newAttrs.set(n, new Map());
      continue;
    }
    const rank = dims(n.inputs[0])?.length;
    if (rank !== 7) return;
    if (n.opType === 'Concat') {
      const ax = a.get('axis');
      const axis = ax?.type === 'int' ? (ax.value < 0 ? ax.value + 7 : ax.value) : -1;
      if (axis < 1) return;
      a.set('axis', { type: 'int', value: axis - 1 });
    } else if (n.opType === 'Slice') {
      const axesIn = n.inputs[3];
      if (!axesIn || !constants.has(axesIn) || n.inputs.slice(1, 3).some((v) => !constants.has(v))) return;
      const name = shiftedAxes(axesIn, toNumbers(constants.get(axesIn)!));
      if (!name) return;
      newInputs.set(n, [3, name]);
    } else if (SOFTMAX.has(n.opType)) {
      const ax = a.get('axis');
      const axis = ax?.type === 'int' ? (ax.value < 0 ? ax.value + 7 : ax.value) : 6;
      if (axis < 1) return;
      a.set('axis', { type: 'int', value: axis - 1 });
    } else if (REDUCE.has(n.opType)) {
      const at = a.get('axes');
      const axes = n.inputs[1] ? (constants.has(n.inputs[1]) ? toNumbers(constants.get(n.inputs[1])!) : undefined) : at?.type === 'ints' ? at.value : undefined;
      if (!axes || !axes.length) return;
      const norm = axes.map((x) => (x < 0 ? x + 7 : x));
      if (norm.some((x) => x < 1)) return;
      if (n.inputs[1]) newInputs.set(n, [1, shiftedAxes(n.inputs[1], axes)!]);
      else a.set('axes', { type: 'ints', value: norm.map((x) => x - 1) });
    } else if (n.opType === 'Transpose') {
      const perm = permAttr(n);
      if (!perm || perm[0] !== 0) return;
      a.set('perm', { type: 'ints', value: perm.slice(1).map((p) => p - 1) });
    } else return;
    newAttrs.set(n, a);
  }
  // Values that lose their leading dim: every rank-7 one, and a reduction's result (its leading 1 is never reduced).
  const drops = (n: Node, v: string) => high(v) || (REDUCE.has(n.opType) && n.outputs.includes(v));
  const dropped = new Set(region.flatMap((n) => n.outputs.filter((v) => v && drops(n, v))));
  const squeezed = (v: string) => `${v}/rank6`;
  const shapeConst = (name: string, s: number[]) => {
    constants.set(name, { name, dtype: 'int64', dims: [s.length], data: BigInt64Array.from(s.map(BigInt)) });
    g.values.set(name, { name, dtype: 'int64', shape: [s.length] });
    return name;
  };
  const readers = new Map<string, Node[]>();
  for (const n of live) for (const i of n.inputs) if (i) readers.set(i, [...(readers.get(i) ?? []), n]);
  const outs = new Set(g.outputs.map((o) => o.name));
  const before = new Map<Node, Node[]>();
  const replace = new Map<Node, Node[]>();
  const made = new Set<string>();
  for (const n of region) {
    const post: Node[] = [];
    const inputs = n.inputs.map((v, i) => {
      if (!v || !(high(v) || dropped.has(v))) return newInputs.get(n)?.[0] === i ? newInputs.get(n)![1] : v;
      const s = squeezed(v);
      if (constants.has(v) && !made.has(s)) {
        const c = constants.get(v)!;
        constants.set(s, { ...c, name: s, dims: c.dims.slice(1) });
        g.values.set(s, { ...g.values.get(v)!, name: s, shape: dims(v)!.slice(1) });
        made.add(s);
      }
      return s;
    });
    if (n.opType === 'Reshape' && high(n.outputs[0])) inputs[1] = shapeConst(`${n.outputs[0]}/rank6_shape`, dims(n.outputs[0])!.slice(1));
    const reshaped = RESHAPED.has(n.opType);
    if (reshaped) {
      const out = n.outputs[0];
      inputs.splice(1, inputs.length - 1, shapeConst(`${out}/rank6_shape`, high(out) ? dims(out)!.slice(1) : dims(out)!));
    }
    const outputs = n.outputs.map((v) => {
      if (!v || !drops(n, v)) return v;
      const s = squeezed(v);
      g.values.set(s, { ...g.values.get(v)!, name: s, shape: dims(v)!.slice(1) });
      // Read outside the rewritten nodes (or returned): the original shape again.
      if (outs.has(v) || (readers.get(v) ?? []).some((r) => !inRegion.has(r))) {
        post.push({ name: `${v}/rank7`, opType: 'Reshape', domain: '', inputs: [s, shapeConst(`${v}/rank7_shape`, dims(v)!)], outputs: [v], attrs: new Map() });
      }
      return s;
    });
    replace.set(n, [{ ...n, opType: reshaped ? 'Reshape' : n.opType, inputs, outputs, attrs: newAttrs.get(n)! }, ...post]);
  }
  spliceNodes(g, before, replace, new Set());
}
