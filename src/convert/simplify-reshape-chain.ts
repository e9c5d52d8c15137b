// ONNX-level pattern: a chain of Reshape and Transpose nodes (each value read only by the next), from a Reshape to a
// Reshape, holding two or more Transposes — MobileViT's unfolding into patches: Reshape [B·C·nh, ph, nw, pw] → Transpose → Reshape [B, C, N, P] →
// Transpose → Reshape [B·P, N, C] — is one permutation of the input's elements. Composed into Reshape → Transpose →
// Reshape over the axes' common factors ("atoms"), adjacent atoms that stay adjacent merged: one TRANSPOSE.
import type { Graph, Node, Tensor } from '../ir/types';
import { permAttr, readersOf, spliceNodes } from './simplify-util';

const MAX_RANK = 6;

interface Composed { inDims: number[]; perm: number[] }

/** The chain's permutation as atoms of the input (sizes in input order) and their order at the output, or undefined
 *  when a Reshape cuts an atom in a way that is not a split of it. */
function compose(input: number[], steps: { perm?: number[]; dims: number[] }[]): Composed | undefined {
  const size = new Map<number, number>();
  const parts = new Map<number, number[]>();
  let next = 0;
  const atom = (s: number) => { size.set(next, s); return next++; };
  // Unit dims carry no elements' order: atoms are the non-unit factors only.
  let groups: number[][] = input.map((d) => (d === 1 ? [] : [atom(d)]));
  for (const st of steps) {
    if (st.perm) {
      if (st.perm.length !== groups.length) return undefined;
      groups = st.perm.map((p) => groups[p]);
      continue;
    }
    const flat = groups.flat();
    const out: number[][] = [];
    let i = 0;
    for (const t of st.dims) {
      const g: number[] = [];
      let rem = t;
      while (rem > 1) {
        if (i >= flat.length) return undefined;
        const a = flat[i];
        const s = size.get(a)!;
        if (rem % s === 0) { g.push(a); rem /= s; i++; continue; }
        if (s % rem !== 0) return undefined;
        const [hi, lo] = [atom(rem), atom(s / rem)];
        parts.set(a, [hi, lo]);
        flat[i] = lo;
        g.push(hi);
        rem = 1;
      }
      out.push(g);
    }
    if (i !== flat.length) return undefined;
    groups = out;
  }
  const leaves = (a: number): number[] => (parts.has(a) ? parts.get(a)!.flatMap(leaves) : [a]);
  const inAtoms = Array.from({ length: input.filter((d) => d !== 1).length }, (_, k) => k).flatMap(leaves);
  const outAtoms = groups.flat();
  // Merge runs that are adjacent, in order, in both.
  const runs: number[][] = [];
  for (const a of outAtoms) {
    const last = runs[runs.length - 1];
    if (last && inAtoms.indexOf(a) === inAtoms.indexOf(last[last.length - 1]) + 1) last.push(a);
    else runs.push([a]);
  }
  const order = [...runs].sort((x, y) => inAtoms.indexOf(x[0]) - inAtoms.indexOf(y[0]));
  const inDims = order.map((r) => r.reduce((p, a) => p * size.get(a)!, 1));
  return { inDims, perm: runs.map((r) => order.indexOf(r)) };
}

export function composeReshapeChains(g: Graph, constants: Map<string, Tensor>): void {
  const { only } = readersOf(g, constants);
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const isStatic = (d: unknown[] | undefined): d is number[] => !!d && d.every((x) => typeof x === 'number');
  const member = (n: Node | undefined) => !!n && (n.opType === 'Reshape' || n.opType === 'Transpose') && isStatic(dims(n.outputs[0]));
  const producer = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  let k = 0;
  for (const start of g.nodes) {
    if (!member(start) || skip.has(start)) continue;
    const p = producer.get(start.inputs[0]);
    if (member(p) && only(p!.outputs[0]) === start) continue; // not the chain's first node
    let chain = [start];
    for (let n = only(start.outputs[0]); member(n); n = only(n!.outputs[0])) chain.push(n!);
    // From the first Reshape to the last: a Transpose at either end stays itself, for the layout pass and the head
    // fusions to absorb (MaxViT's window partitions, whose grid swaps go into the head split, and which become
    // DEPTH_TO_SPACE / SPACE_TO_DEPTH in NHWC).
    while (chain.length && chain[0].opType === 'Transpose') chain = chain.slice(1);
    while (chain.length && chain[chain.length - 1].opType === 'Transpose') chain = chain.slice(0, -1);
    // Two or more Transposes; or one between Reshapes that only merge and split again around it, so that the chain is
    // a move of the input's own axes (Monarch Mixer's blockdiag: [.., k, m] flattened, viewed [.., k, m], swapped,
    // flattened, viewed [.., m, k]). Not one whose Reshapes cut the axes (Swin's window partitions: left to the
    // layout pass and the head fusions).
    const moves = chain.filter((n) => n.opType === 'Transpose').length;
    if (moves < 2 && !(moves === 1 && chain.length >= 4)) continue;
    const x = chain[0].inputs[0];
    const xd = dims(x);
    if (!isStatic(xd) || g.values.get(x)?.dtype !== 'float32') continue;
    const steps = chain.map((n) => (n.opType === 'Transpose' ? { perm: permAttr(n) ?? [], dims: dims(n.outputs[0])! } : { dims: dims(n.outputs[0])! }));
    if (steps.some((s) => s.perm && s.perm.length === 0)) continue;
    const c = compose(xd, steps);
    if (!c || c.inDims.length > MAX_RANK) continue;
    const nonUnit = (d: number[]) => d.filter((v) => v !== 1).join();
    if (moves === 1 && (nonUnit(c.inDims) !== nonUnit(xd) || nonUnit(c.perm.map((q) => c.inDims[q])) !== nonUnit(dims(chain[chain.length - 1].outputs[0])!))) continue;
    const last = chain[chain.length - 1];
    const y = last.outputs[0];
    const key = `${y}/composed_${k++}`;
    const shape = (name: string, v: number[]) => {
      constants.set(name, { name, dtype: 'int64', dims: [v.length], data: BigInt64Array.from(v.map(BigInt)) });
      g.values.set(name, { name, dtype: 'int64', shape: [v.length] });
      return name;
    };
    const val = (name: string, s: number[]) => { g.values.set(name, { name, dtype: 'float32', shape: s }); return name; };
    const node = (opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = new Map()): Node =>
      ({ name: outputs[0], opType, domain: '', inputs, outputs, attrs });
    const atoms = val(`${key}/atoms`, c.inDims);
    const moved = val(`${key}/moved`, c.perm.map((q) => c.inDims[q]));
    for (const n of chain) skip.add(n);
    skip.delete(last);
    // The node that makes the original output keeps the original node's name (the accuracy diff joins on it).
    replace.set(last, [node('Reshape', [x, shape(`${key}/in_shape`, c.inDims)], [atoms]),
      node('Transpose', [atoms], [moved], new Map([['perm', { type: 'ints', value: c.perm }]])),
      { ...node('Reshape', [moved, shape(`${key}/out_shape`, dims(y)!)], [y]), name: last.name }]);
  }
  if (!replace.size) return;
  spliceNodes(g, new Map(), replace, skip);
}
