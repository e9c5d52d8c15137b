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

  node(name: string, op: string, kind: ViewNode['kind'], inputs: readonly string[], outputs: readonly string[], attrs: readonly [string, string][] = []): void {
    const s = this.s, a = this.nodes;
    a.push(s.of(name), s.of(op), KINDS.indexOf(kind));
    this.inputsAt.push(a.length);
    a.push(inputs.length);
    for (const t of inputs) a.push(s.of(t));
    a.push(outputs.length);
    for (const t of outputs) a.push(s.of(t));
    a.push(attrs.length);
    for (const [k, v] of attrs) a.push(s.of(k), s.of(v));
  }

  /** Adds graph-input and graph-output nodes and lists every tensor a node uses with what `value` knows of it.
   *  `names`: those tensors, in the order of WireGraph.values. */
  finish(meta: Pick<WireGraph, 'format' | 'file' | 'info' | 'note'>, inputs: readonly string[], outputs: readonly string[],
    value: (name: string) => Omit<ViewValue, 'name'>): { graph: WireGraph; names: string[] } {
    for (const t of inputs) this.node(t, 'Input', 'input', [], [t]);
    for (const t of outputs) this.node(`${t} (output)`, 'Output', 'output', [t], []);
    const a = this.nodes, S = this.s.list, values: number[] = [], names: string[] = [];
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
    for (const at of this.inputsAt) {
      const n = a[at];
      for (let i = at + 1; i <= at + n; i++) use(a[i]);
      for (let i = at + n + 2, end = i + a[at + n + 1]; i < end; i++) use(a[i]);
    }
    return { graph: { ...meta, ...frontCode(S), nodes: a, values }, names };
  }
}

/** Names of one model share long prefixes (`/backbone/layer1/conv/Conv`, `…/Conv_output_0`): each string is sent as
 *  the count of leading characters it shares with the one before it and the rest. */
function frontCode(list: readonly string[]): Pick<WireGraph, 'strings' | 'shared'> {
  const strings: string[] = new Array(list.length), shared: number[] = new Array(list.length);
  let prev = '';
  list.forEach((s, i) => {
    let k = 0;
    const n = Math.min(prev.length, s.length);
    while (k < n && prev.charCodeAt(k) === s.charCodeAt(k)) k++;
    // never split a surrogate pair (each half alone would not survive JSON)
    if (k > 0 && k < s.length && s.charCodeAt(k) >= 0xdc00 && s.charCodeAt(k) <= 0xdfff) k--;
    shared[i] = k;
    strings[i] = s.slice(k);
    prev = s;
  });
  return { strings, shared };
}

function unFrontCode(w: WireGraph): string[] {
  const out: string[] = new Array(w.strings.length);
  let prev = '';
  for (let i = 0; i < out.length; i++) prev = out[i] = w.shared[i] ? prev.slice(0, w.shared[i]) + w.strings[i] : w.strings[i];
  return out;
}

/** Producer-to-consumer edges from each node's tensors (the last writer of a tensor is its producer). */
function edgesOf(a: number[], starts: number[], S: string[]): ViewGraph['edges'] {
  const producer = new Int32Array(S.length).fill(-1);
  starts.forEach((at, id) => {
    const n = a[at];
    for (let i = at + n + 2, end = i + a[at + n + 1]; i < end; i++) if (S[a[i]]) producer[a[i]] = id;
  });
  const edges: ViewGraph['edges'] = [];
  starts.forEach((at, to) => {
    const first = edges.length;
    for (let i = at + 1; i <= at + a[at]; i++) {
      const k = a[i], from = producer[k];
      if (from < 0 || from === to) continue;
      let seen = false;
      for (let j = first; j < edges.length && !seen; j++) seen = edges[j].from === from;
      if (!seen) edges.push({ from, to, tensor: S[k] });
    }
  });
  return edges;
}

/** A node of a decoded graph: name, op and kind at once; its tensors and attributes read from the wire arrays when
 *  first asked for (the first frame needs them for a few hundred nodes, not for all). */
class WireNode implements ViewNode {
  private io: Pick<ViewNode, 'inputs' | 'outputs' | 'attrs'> | undefined;
  constructor(private readonly S: string[], private readonly a: number[], private readonly at: number, readonly id: number,
    readonly name: string, readonly op: string, readonly kind: ViewNode['kind']) {}

  private read(): Pick<ViewNode, 'inputs' | 'outputs' | 'attrs'> {
    const S = this.S, a = this.a;
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
  const S = unFrontCode(w), a = w.nodes;
  const nodes: ViewNode[] = [], starts: number[] = [];
  for (let at = 0; at < a.length;) {
    nodes.push(new WireNode(S, a, at + 3, nodes.length, S[a[at]], S[a[at + 1]], KINDS[a[at + 2]] ?? 'op'));
    at += 3;
    starts.push(at);
    at += a[at] + 1; // inputs
    at += a[at] + 1; // outputs
    at += 2 * a[at] + 1; // attributes
  }
  const values: ViewValue[] = [];
  for (let at = 0; at < w.values.length;) {
    const v: ViewValue = { name: S[w.values[at++]] };
    if (w.values[at++]) v.constant = true;
    at = getShape(w.values, at, S, v);
    values.push(v);
  }
  return { format: w.format, file: w.file, info: w.info, nodes, edges: edgesOf(a, starts, S), values, note: w.note };
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
