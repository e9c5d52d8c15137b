// The graph view's graph as it crosses from the worker thread to the extension host to the webview (src/protocol.ts
// WireGraph, WireShapes): every distinct string once in a table, the rest flat integer arrays. A 20,000-node model is
// a few hundred thousand numbers and one string per name instead of a tree of small objects, so cloning, JSON and
// parsing it at each hop stay cheap. No Node or DOM imports: the worker builds it, the webview decodes it.
import type { ViewDim, ViewGraph, ViewNode, ViewValue, WireGraph, WireShapes } from './protocol';

const KINDS: ViewNode['kind'][] = ['op', 'input', 'output'];

class Strings {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  of(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) { i = this.list.length; this.list.push(s); this.index.set(s, i); }
    return i;
  }
}

/** dtype, rank and dims of one value: -1 for an unknown dtype or rank; a dim ≥ 0 is itself, a symbol is -1 - index. */
function putShape(out: number[], strings: Strings, v: ViewValue): void {
  out.push(v.dtype === undefined ? -1 : strings.of(v.dtype));
  if (!v.shape) { out.push(-1); return; }
  out.push(v.shape.length);
  for (const d of v.shape) out.push(typeof d === 'number' && Number.isInteger(d) && d >= 0 ? d : -1 - strings.of(String(d)));
}

/** Reads one putShape record at `at`; returns the position after it. */
function getShape(a: number[], at: number, strings: string[], v: ViewValue): number {
  const dtype = a[at++];
  v.dtype = dtype < 0 ? undefined : strings[dtype];
  const rank = a[at++];
  if (rank < 0) { v.shape = undefined; return at; }
  const shape: ViewDim[] = new Array(rank);
  for (let k = 0; k < rank; k++) { const d = a[at++]; shape[k] = d >= 0 ? d : strings[-1 - d]; }
  v.shape = shape;
  return at;
}

/** Builds a WireGraph node by node (the ONNX and TFLite readers' view of a graph), without ViewNode objects. */
export class WireBuilder {
  private readonly s = new Strings();
  private readonly nodes: number[] = [];
  /** Index into `nodes` of each node's input count. */
  private readonly inputsAt: number[] = [];
  /** The node writing each tensor (by string index); the last writer wins. */
  private readonly producer = new Map<number, number>();

  node(name: string, op: string, kind: ViewNode['kind'], inputs: readonly string[], outputs: readonly string[], attrs: readonly [string, string][] = []): void {
    const s = this.s, a = this.nodes, id = this.inputsAt.length;
    a.push(s.of(name), s.of(op), KINDS.indexOf(kind));
    this.inputsAt.push(a.length);
    a.push(inputs.length);
    for (const t of inputs) a.push(s.of(t));
    a.push(outputs.length);
    for (const t of outputs) { const k = s.of(t); a.push(k); if (t) this.producer.set(k, id); }
    a.push(attrs.length);
    for (const [k, v] of attrs) a.push(s.of(k), s.of(v));
  }

  /** Adds graph-input and graph-output nodes, joins producers to consumers, and lists every tensor a node uses with
   *  what `value` knows of it. `names`: those tensors, in the order of WireGraph.values. */
  finish(meta: Pick<WireGraph, 'format' | 'file' | 'info' | 'note'>, inputs: readonly string[], outputs: readonly string[],
    value: (name: string) => Omit<ViewValue, 'name'>): { graph: WireGraph; names: string[] } {
    for (const t of inputs) this.node(t, 'Input', 'input', [], [t]);
    for (const t of outputs) this.node(`${t} (output)`, 'Output', 'output', [t], []);
    const a = this.nodes, S = this.s.list, edges: number[] = [], values: number[] = [], names: string[] = [];
    const used = new Uint8Array(S.length);
    const use = (k: number): void => {
      if (used[k]) return;
      used[k] = 1;
      if (!S[k]) return;
      const v = value(S[k]);
      names.push(S[k]);
      values.push(k, v.constant ? 1 : 0);
      putShape(values, this.s, { name: S[k], ...v });
    };
    this.inputsAt.forEach((at, to) => {
      const n = a[at], first = edges.length;
      for (let i = at + 1; i <= at + n; i++) {
        const k = a[i], p = S[k] ? this.producer.get(k) : undefined;
        use(k);
        if (p === undefined || p === to) continue;
        let seen = false;
        for (let j = first; j < edges.length && !seen; j += 3) seen = edges[j] === p;
        if (!seen) edges.push(p, to, k);
      }
      for (let i = at + n + 2, end = i + a[at + n + 1]; i < end; i++) use(a[i]);
    });
    return { graph: { ...meta, strings: S, nodes: a, edges, values }, names };
  }
}

/** A node of a decoded graph: name, op and kind at once; its tensors and attributes read from the wire arrays when
 *  first asked for (the first frame needs them for a few hundred nodes, not for all). */
class WireNode implements ViewNode {
  private io: Pick<ViewNode, 'inputs' | 'outputs' | 'attrs'> | undefined;
  constructor(private readonly w: WireGraph, private readonly at: number, readonly id: number, readonly name: string,
    readonly op: string, readonly kind: ViewNode['kind']) {}

  private read(): Pick<ViewNode, 'inputs' | 'outputs' | 'attrs'> {
    const S = this.w.strings, a = this.w.nodes;
    let at = this.at;
    const inputs: string[] = new Array(a[at++]);
    for (let k = 0; k < inputs.length; k++) inputs[k] = S[a[at++]];
    const outputs: string[] = new Array(a[at++]);
    for (let k = 0; k < outputs.length; k++) outputs[k] = S[a[at++]];
    const attrs: [string, string][] = new Array(a[at++]);
    for (let k = 0; k < attrs.length; k++) { attrs[k] = [S[a[at]], S[a[at + 1]]]; at += 2; }
    return { inputs, outputs, attrs };
  }

  get inputs(): string[] { return (this.io ??= this.read()).inputs; }
  get outputs(): string[] { return (this.io ??= this.read()).outputs; }
  get attrs(): [string, string][] { return (this.io ??= this.read()).attrs; }
  toJSON(): ViewNode {
    return { id: this.id, name: this.name, op: this.op, kind: this.kind, inputs: this.inputs, outputs: this.outputs, attrs: this.attrs };
  }
}

export function decodeGraph(w: WireGraph): ViewGraph {
  const S = w.strings, a = w.nodes;
  const nodes: ViewNode[] = [];
  for (let at = 0; at < a.length;) {
    nodes.push(new WireNode(w, at + 3, nodes.length, S[a[at]], S[a[at + 1]], KINDS[a[at + 2]] ?? 'op'));
    at += 3;
    at += a[at] + 1; // inputs
    at += a[at] + 1; // outputs
    at += 2 * a[at] + 1; // attributes
  }
  const edges: ViewGraph['edges'] = [];
  for (let i = 0; i + 2 < w.edges.length; i += 3) edges.push({ from: w.edges[i], to: w.edges[i + 1], tensor: S[w.edges[i + 2]] });
  const values: ViewValue[] = [];
  for (let at = 0; at < w.values.length;) {
    const v: ViewValue = { name: S[w.values[at++]] };
    if (w.values[at++]) v.constant = true;
    at = getShape(w.values, at, S, v);
    values.push(v);
  }
  return { format: w.format, file: w.file, info: w.info, nodes, edges, values, note: w.note };
}

/** The dtypes and shapes of `values` (in the order the graph listed them). */
export function encodeShapes(values: readonly ViewValue[]): WireShapes {
  const s = new Strings();
  const shapes: number[] = [];
  for (const v of values) putShape(shapes, s, v);
  return { strings: s.list, shapes };
}

/** Sets the dtypes and shapes of the graph's values from encodeShapes' record (same order). */
export function applyShapes(values: ViewValue[], w: WireShapes): void {
  for (let i = 0, at = 0; i < values.length && at < w.shapes.length; i++) at = getShape(w.shapes, at, w.strings, values[i]);
}
