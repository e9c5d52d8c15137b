// Shared by the ONNX-level patterns (simplify-*.ts).
import type { Graph, Node, Tensor } from '../ir/types';
import { toFloat32, toNumbers } from '../ir/tensor';

/**
 * The node is folded away (every output a known constant: Shape of a static value, arithmetic on shapes...), so it
 * is never converted and does not count as a reader of its inputs: a pattern may absorb a value it reads.
 */
export function folded(n: Node, constants: Map<string, Tensor>): boolean {
  return n.outputs.length > 0 && n.outputs.every((o) => !o || constants.has(o));
}

/** Who reads each value and who writes it (folded nodes count as neither), and `only(v)`: the one reader of a value
 *  the model does not also return, or undefined. */
export function readersOf(g: Graph, constants: Map<string, Tensor>): { uses: Map<string, Node[]>; producer: Map<string, Node>; outs: Set<string>; only: (v: string) => Node | undefined } {
  const uses = new Map<string, Node[]>();
  const producer = new Map<string, Node>();
  for (const n of g.nodes) {
    if (folded(n, constants)) continue;
    for (const i of n.inputs) {
      if (!i) continue;
      const u = uses.get(i);
      if (u) u.push(n); else uses.set(i, [n]); // not a copy per reader: a value read by k nodes cost k² before
    }
    for (const o of n.outputs) producer.set(o, n);
  }
  const outs = new Set(g.outputs.map((o) => o.name));
  const only = (v: string) => { const u = uses.get(v) ?? []; return u.length === 1 && !outs.has(v) ? u[0] : undefined; };
  return { uses, producer, outs, only };
}

/** A Transpose's `perm` attribute. */
export function permAttr(n: Node): number[] | undefined {
  const a = n.attrs.get('perm');
  return a?.type === 'ints' ? a.value : undefined;
}

/** The graph's nodes with `before` inserted ahead of their key, `skip` dropped and `replace` substituted. */
export function spliceNodes(g: Graph, before: Map<Node, Node[]>, replace: Map<Node, Node[]>, skip: Set<Node>): void {
  g.nodes = g.nodes.flatMap((n) => [...(before.get(n) ?? []), ...(skip.has(n) ? [] : replace.get(n) ?? [n])]);
}

/** Ints an op takes as an attribute before some opset and as a constant input from it on (Split's `split`, Squeeze's
 *  and Unsqueeze's `axes`): the input's values, else the attribute's; undefined when neither is given or the input is
 *  computed at run time. */
export function intsArg(n: Node, input: number, attr: string, constants: Map<string, Tensor>): number[] | undefined {
  const v = n.inputs[input];
  if (v) return constants.has(v) ? toNumbers(constants.get(v)!) : undefined;
  const a = n.attrs.get(attr);
  return a?.type === 'ints' ? a.value : undefined;
}

/** A 1-D int64 constant added to the graph (a shape, axes, Slice bounds); its name. */
export function int64Const(g: Graph, constants: Map<string, Tensor>, name: string, values: number[]): string {
  constants.set(name, { name, dtype: 'int64', dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });
  g.values.set(name, { name, dtype: 'int64', shape: [values.length] });
  return name;
}

/** A Conv weight [O, C', kh, ...] whose input channel k moves to `to(k)` (a producer's channels reordered, as
 *  SpaceToDepth writes them: simplify-unshuffle.ts, simplify-focus.ts), added as `${wt.name}${suffix}`; its name. */
export function permutedInputChannels(g: Graph, constants: Map<string, Tensor>, wt: Tensor, to: (k: number) => number, suffix: string): string {
  const name = `${wt.name}${suffix}`;
  if (constants.has(name)) return name;
  const [o, ci, ...k] = wt.dims;
  const area = k.reduce((a, d) => a * d, 1);
  const src = toFloat32(wt);
  const dst = new Float32Array(src.length);
  for (let oc = 0; oc < o; oc++) {
    for (let kk = 0; kk < ci; kk++) dst.set(src.subarray((oc * ci + kk) * area, (oc * ci + kk + 1) * area), (oc * ci + to(kk)) * area);
  }
  constants.set(name, { name, dtype: 'float32', dims: [...wt.dims], data: dst });
  g.values.set(name, { name, dtype: 'float32', shape: [...wt.dims] });
  return name;
}
