// ONNX sequences (SequenceEmpty / SequenceConstruct / SplitToSequence / SequenceInsert / SequenceErase / SequenceAt /
// SequenceLength / ConcatFromSequence) lowered to tensor ops before conversion, when every sequence in the graph has
// a length and positions known at conversion time. TFLite has no sequence type; PyTorch writes sequences for
// `repeat_interleave` (opset ≥ 13: SplitToSequence, a Loop that inserts each repeated slice, ConcatFromSequence;
// torchaudio's WaveRNN upsampler) and for Python lists built in a loop. The Loop is unrolled first
// (control-flow.ts), then each sequence is a list of tensor names known here: SequenceAt becomes an Identity of the
// element, ConcatFromSequence a Concat (Unsqueeze each element first for new_axis=1), SplitToSequence a Split.
// A sequence read by anything else (a Loop still there, a graph output), or whose length or positions are not known,
// stays as it is with the sequences made from it (and the next round, after more folding, may lower it). The bodies
// of If / Loop / Scan nodes are lowered the same way (`lowerDeep`: a scripted loop that stays a WHILE).
import type { Graph, Model, Node, Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';

type Consts = Map<string, Tensor>;

export const SEQUENCE_OPS = new Set(['SequenceEmpty', 'SequenceConstruct', 'SplitToSequence', 'SequenceInsert', 'SequenceErase',
  'SequenceAt', 'SequenceLength', 'ConcatFromSequence']);
/** Ops that produce a sequence (Identity too, when its input is one). */
const PRODUCERS = new Set(['SequenceEmpty', 'SequenceConstruct', 'SplitToSequence', 'SequenceInsert', 'SequenceErase']);

function intAttr(n: Node, name: string, dflt: number): number {
  const a = n.attrs.get(name);
  return a?.type === 'int' ? a.value : dflt;
}

class Lowering {
  readonly nodes: Node[] = [];
  readonly made: string[] = [];
  /** Ranks of the pieces split() makes (not yet in the graph's values). */
  readonly ranks = new Map<string, number>();
  private k = 0;
  constructor(readonly g: Graph, readonly consts: Consts, readonly opset: number, readonly taken: Set<string>) {}

  fresh(base: string): string {
    let n = base;
    while (this.taken.has(n)) n = `${base}_${++this.k}`;
    this.taken.add(n);
    this.made.push(n);
    return n;
  }

  ints(v: number[], dims: number[], base: string): string {
    const name = this.fresh(base);
    this.g.initializers.set(name, { name, dtype: 'int64', dims, data: BigInt64Array.from(v.map((x) => BigInt(x))) });
    this.g.values.set(name, { name, dtype: 'int64', shape: [...dims] });
    return name;
  }

  emit(from: Node, opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = new Map()): void {
    this.nodes.push({ name: this.fresh(`${from.name}/${opType}`), opType, domain: '', inputs, outputs, attrs });
  }

  /** Unsqueeze / Squeeze on one axis, in the opset's form (axes an input from opset 13). */
  axisOp(from: Node, op: 'Unsqueeze' | 'Squeeze', x: string, axis: number, out: string): void {
    if (this.opset >= 13) this.emit(from, op, [x, this.ints([axis], [1], `${out}__axes`)], [out]);
    else this.emit(from, op, [x], [out], new Map([['axes', { type: 'ints', value: [axis] }]]));
  }

  scalar(name: string): number | undefined {
    if (!name) return undefined;
    const t = this.consts.get(name) ?? this.g.initializers.get(name);
    if (!t || t.dims.reduce((a, b) => a * b, 1) !== 1) return undefined;
    return toNumbers(t)[0];
  }

  /** SplitToSequence → Split (and Squeeze per piece when keepdims=0 without `split`); undefined if sizes are unknown. */
  split(n: Node): string[] | undefined {
    const shape = this.g.values.get(n.inputs[0])?.shape;
    if (!shape) return undefined;
    const rank = shape.length;
    const raw = intAttr(n, 'axis', 0);
    const axis = raw < 0 ? raw + rank : raw;
    const dim = shape[axis];
    if (typeof dim !== 'number' || dim <= 0) return undefined;
    let sizes: number[];
    const splitName = n.inputs[1] ?? '';
    const squeeze = !splitName && intAttr(n, 'keepdims', 1) === 0;
    if (!splitName) sizes = Array(dim).fill(1);
    else {
      const t = this.consts.get(splitName) ?? this.g.initializers.get(splitName);
      if (!t) return undefined;
      const v = toNumbers(t);
      if (t.dims.length === 0) {
        const s = v[0];
        if (!(s > 0)) return undefined;
        sizes = [];
        for (let left = dim; left > 0; left -= s) sizes.push(Math.min(s, left));
      } else sizes = v;
    }
    if (sizes.reduce((a, b) => a + b, 0) !== dim) return undefined;
    const base = n.outputs[0];
    const pieces = sizes.map((_, i) => this.fresh(`${base}__${i}`));
    if (sizes.length === 1) this.emit(n, 'Identity', [n.inputs[0]], pieces);
    else if (this.opset >= 13) this.emit(n, 'Split', [n.inputs[0], this.ints(sizes, [sizes.length], `${base}__split`)], pieces, new Map([['axis', { type: 'int', value: axis }]]));
    else this.emit(n, 'Split', [n.inputs[0]], pieces, new Map([['axis', { type: 'int', value: axis }], ['split', { type: 'ints', value: sizes }]]));
    pieces.forEach((p) => this.ranks.set(p, rank));
    if (!squeeze) return pieces;
    return pieces.map((p) => {
      const out = this.fresh(`${p}__sq`);
      this.axisOp(n, 'Squeeze', p, axis, out);
      this.ranks.set(out, rank - 1);
      return out;
    });
  }
}

function position(pos: number | undefined, len: number, insert: boolean): number | undefined {
  if (pos === undefined) return undefined;
  const p = pos < 0 ? pos + len : pos;
  return p >= 0 && p <= (insert ? len : len - 1) ? p : undefined;
}

/** Sequences joined through the ops that make one from another (Insert, Erase, Identity): lowered or kept together. */
function families(g: Graph): Map<string, string> | undefined {
  const root = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (root.get(r) !== r) r = root.get(r)!;
    return r;
  };
  for (const n of g.nodes) {
    const fromSeq = (n.opType === 'SequenceInsert' || n.opType === 'SequenceErase' || n.opType === 'Identity') && root.has(n.inputs[0]);
    if (!PRODUCERS.has(n.opType) && !fromSeq) continue;
    for (const o of n.outputs) root.set(o, fromSeq ? find(n.inputs[0]) : o);
  }
  if (root.size === 0) return undefined;
  for (const k of root.keys()) root.set(k, find(k));
  return root;
}

/** Lowers the sequences of every family not in `blocked`; returns the graph, or the family that could not be lowered. */
function lowerOnce(g: Graph, consts: Consts, opset: number, taken: Set<string>, fam: Map<string, string>, blocked: Set<string>): Graph | { block: string } {
  const host: Graph = { ...g, initializers: new Map(g.initializers), values: new Map(g.values), nodes: [] };
  const low = new Lowering(host, consts, opset, new Set(taken));
  const seqs = new Map<string, string[]>();
  const live = (name: string) => fam.has(name) && !blocked.has(fam.get(name)!);
  for (const n of g.nodes) {
    const out = n.outputs[0];
    const s = seqs.get(n.inputs[0]);
    // A node reading or making a sequence of a kept family stays as it is.
    const mine = SEQUENCE_OPS.has(n.opType) || (n.opType === 'Identity' && fam.has(n.inputs[0]));
    if (!mine || (fam.has(out) ? !live(out) : !live(n.inputs[0]))) {
      low.nodes.push(n);
      continue;
    }
    const fail = { block: fam.get(fam.has(out) ? out : n.inputs[0])! };
    switch (n.opType) {
      case 'SequenceEmpty': seqs.set(out, []); break;
      case 'SequenceConstruct': seqs.set(out, [...n.inputs]); break;
      case 'SplitToSequence': {
        const parts = low.split(n);
        if (!parts) return fail;
        seqs.set(out, parts);
        break;
      }
      case 'SequenceInsert': case 'SequenceErase': {
        if (!s) return fail;
        const insert = n.opType === 'SequenceInsert';
        const posName = n.inputs[insert ? 2 : 1] ?? '';
        const pos = posName ? position(low.scalar(posName), s.length, insert) : insert ? s.length : s.length - 1;
        if (pos === undefined) return fail;
        const next = [...s];
        if (insert) next.splice(pos, 0, n.inputs[1]); else next.splice(pos, 1);
        seqs.set(out, next);
        break;
      }
      case 'SequenceAt': {
        const pos = s ? position(low.scalar(n.inputs[1]), s.length, false) : undefined;
        if (!s || pos === undefined) return fail;
        low.emit(n, 'Identity', [s[pos]], [out]);
        break;
      }
      case 'SequenceLength':
        if (!s) return fail;
        low.emit(n, 'Identity', [low.ints([s.length], [], `${out}__len`)], [out]);
        break;
      case 'ConcatFromSequence': {
        if (!s || s.length === 0) return fail;
        const axis = intAttr(n, 'axis', 0);
        if (intAttr(n, 'new_axis', 0) !== 1) {
          low.emit(n, 'Concat', s, [out], new Map([['axis', { type: 'int', value: axis }]]));
          break;
        }
        const rank = g.values.get(s[0])?.shape?.length ?? low.ranks.get(s[0]);
        if (rank === undefined) return fail;
        const a = axis < 0 ? axis + rank + 1 : axis;
        const parts = s.map((p) => {
          const u = low.fresh(`${p}__unsq`);
          low.axisOp(n, 'Unsqueeze', p, a, u);
          return u;
        });
        low.emit(n, 'Concat', parts, [out], new Map([['axis', { type: 'int', value: a }]]));
        break;
      }
      case 'Identity': seqs.set(out, s!); break;
      default: return fail;
    }
  }
  host.nodes = low.nodes;
  for (const name of seqs.keys()) host.values.delete(name);
  for (const name of low.made) taken.add(name);
  return host;
}

/** The graph with its sequences lowered, or undefined when it has none that can be. */
function lowerGraph(g: Graph, consts: Consts, opset: number, taken: Set<string>): Graph | undefined {
  const fam = families(g);
  if (!fam) return undefined;
  // A family read by anything but the sequence ops, or leaving the graph, stays.
  const blocked = new Set<string>();
  for (const n of g.nodes) {
    if (SEQUENCE_OPS.has(n.opType) || n.opType === 'Identity') continue;
    for (const i of n.inputs) if (fam.has(i)) blocked.add(fam.get(i)!);
  }
  for (const o of g.outputs) if (fam.has(o.name)) blocked.add(fam.get(o.name)!);
  const all = new Set(fam.values());
  while (blocked.size < all.size) {
    const r = lowerOnce(g, consts, opset, taken, fam, blocked);
    if (!('block' in r)) return r;
    blocked.add(r.block);
  }
  return undefined;
}

function names(g: Graph, out: Set<string>): void {
  for (const k of g.values.keys()) out.add(k);
  for (const k of g.initializers.keys()) out.add(k);
  for (const n of g.nodes) {
    out.add(n.name);
    n.outputs.forEach((o) => out.add(o));
    for (const a of n.attrs.values()) if (a.type === 'graph') names(a.value, out);
  }
}

function hasSequences(g: Graph): boolean {
  return g.nodes.some((n) => SEQUENCE_OPS.has(n.opType) || [...n.attrs.values()].some((a) => a.type === 'graph' && hasSequences(a.value)));
}

/**
 * The graph with its own sequences lowered and those of the bodies of its If / Loop / Scan nodes (a scripted loop
 * that stays a WHILE, PonderNet's `chunk` of a GRU's gates in the body: SplitToSequence → SequenceAt), or undefined
 * when nothing changed. A body's sequences are lowered on its own values and the constants folded inside it; a node
 * whose body changed gets a new attribute map (the caller's model is never written).
 */
function lowerDeep(g: Graph, consts: Consts, opset: number, taken: Set<string>): Graph | undefined {
  let changed = false;
  const nodes = g.nodes.map((n) => {
    let attrs: Node['attrs'] | undefined;
    for (const [k, a] of n.attrs) {
      if (a.type !== 'graph' || !hasSequences(a.value)) continue;
      const body = lowerDeep(a.value, consts, opset, taken);
      if (body) (attrs ??= new Map(n.attrs)).set(k, { type: 'graph', value: body });
    }
    if (!attrs) return n;
    changed = true;
    return { ...n, attrs };
  });
  const outer = changed ? { ...g, nodes } : g;
  return lowerGraph(outer, consts, opset, taken) ?? (changed ? outer : undefined);
}

/** The model with its sequences (the main graph's and its bodies') lowered to tensor ops, or undefined when nothing changed. */
export function lowerSequences(model: Model, consts: Consts): Model | undefined {
  if (!hasSequences(model.graph)) return undefined;
  const taken = new Set<string>();
  names(model.graph, taken);
  const opset = model.opsets.get('') ?? model.opsets.get('ai.onnx') ?? 0;
  const graph = lowerDeep(model.graph, consts, opset, taken);
  return graph ? { ...model, graph } : undefined;
}
