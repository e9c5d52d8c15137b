// The graph view's graph as it crosses from the worker thread to the extension host to the webview (src/shared/protocol.ts
// WireGraph, WireShapes): every distinct string once in a table, the rest flat integer arrays. A 20,000-node model is
// a few hundred thousand numbers and one string per name instead of a tree of small objects, so cloning, JSON and
// parsing it at each hop stay cheap. No Node or DOM imports: the worker builds it, the webview decodes it.
import type { ViewDim, ViewGraph, ViewNode, ViewValue, WireGraph, WireShapes } from './protocol';

const KINDS: ViewNode['kind'][] = ['op', 'input', 'output'];

/** A string table: each distinct string once, by index. */
export interface StringTable {
  readonly list: string[];
  of(s: string): number;
}

class Strings implements StringTable {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  of(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) { i = this.list.length; this.list.push(s); this.index.set(s, i); }
    return i;
  }
}

/** dtype, rank and dims of one value: -1 for an unknown dtype or rank; a dim ≥ 0 is itself, a symbol is -1 - index. */
function putShape(out: number[], strings: StringTable, v: Pick<ViewValue, 'dtype' | 'shape'>): void {
  out.push(v.dtype === undefined ? -1 : strings.of(v.dtype));
  if (!v.shape) { out.push(-1); return; }
  out.push(v.shape.length);
  for (const d of v.shape) out.push(typeof d === 'number' && Number.isInteger(d) && d >= 0 ? d : -1 - strings.of(String(d)));
}

/** Reads one putShape record at `at`; returns the position after it. */
function getShape(a: ArrayLike<number>, at: number, strings: string[], v: ViewValue): number {
  const dtype = a[at++];
  v.dtype = dtype < 0 ? undefined : strings[dtype];
  const rank = a[at++];
  if (rank < 0) { v.shape = undefined; return at; }
  const shape: ViewDim[] = new Array(rank);
  for (let k = 0; k < rank; k++) { const d = a[at++]; shape[k] = d >= 0 ? d : strings[-1 - d]; }
  v.shape = shape;
  return at;
}

/** A growing array of int32s. */
class Ints {
  a = new Int32Array(1 << 12);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) { const b = new Int32Array(this.a.length * 2); b.set(this.a); this.a = b; }
    this.a[this.n++] = v;
  }
}

/** Builds a WireGraph node by node (the ONNX and TFLite readers' view of a graph), without ViewNode objects. */
export class WireBuilder {
  /** @param strings the string table (a reader with its own, faster one passes it; put() takes its indexes). */
  constructor(readonly strings: StringTable = new Strings()) {}
  private readonly nodes = new Ints();
  /** Index into `nodes` of each node's input count. */
  private readonly inputsAt: number[] = [];

  node(name: string, op: string, kind: ViewNode['kind'], inputs: readonly string[], outputs: readonly string[], attrs: readonly [string, string][] = []): void {
    const s = this.strings;
    this.put(s.of(name), s.of(op), KINDS.indexOf(kind), inputs.map((t) => s.of(t)), outputs.map((t) => s.of(t)),
      attrs.flatMap(([k, v]) => [s.of(k), s.of(v)]));
  }

  /** A node by string indexes (of `strings`); `attrs` holds (name, text) index pairs, flat. `kind` as in KINDS. */
  put(name: number, op: number, kind: number, inputs: ArrayLike<number>, outputs: ArrayLike<number>, attrs: ArrayLike<number>): void {
    const a = this.nodes;
    a.push(name); a.push(op); a.push(kind);
    this.inputsAt.push(a.n);
    a.push(inputs.length);
    for (let i = 0; i < inputs.length; i++) a.push(inputs[i]);
    a.push(outputs.length);
    for (let i = 0; i < outputs.length; i++) a.push(outputs[i]);
    a.push(attrs.length >> 1);
    for (let i = 0; i < attrs.length; i++) a.push(attrs[i]);
  }

  /** Adds graph-input and graph-output nodes and lists every tensor a node uses with what `value` knows of it.
   *  `names`: those tensors, in the order of WireGraph.values. The returned `graph` is packed when first read: a
   *  reader that wants the graph here first (the host's first frame) takes builtView() of the result instead, and
   *  the strings are packed only when the graph is sent. */
  finish(meta: Pick<WireGraph, 'format' | 'file' | 'info' | 'note'>, inputs: readonly string[], outputs: readonly string[],
    value: (name: string) => Omit<ViewValue, 'name'>): Finished {
    for (const t of inputs) this.node(t, 'Input', 'input', [], [t]);
    for (const t of outputs) this.node(`${t} (output)`, 'Output', 'output', [t], []);
    const a = this.nodes.a, S = this.strings.list, values: number[] = [], names: string[] = [];
    const used = new Uint8Array(S.length);
    const use = (k: number): void => {
      if (used[k]) return;
      used[k] = 1;
      if (!S[k]) return;
      const v = value(S[k]);
      names.push(S[k]);
      values.push(k, v.constant ? 1 : 0);
      putShape(values, this.strings, v);
    };
    for (const at of this.inputsAt) {
      const n = a[at];
      for (let i = at + 1; i <= at + n; i++) use(a[i]);
      for (let i = at + n + 2, end = i + a[at + n + 1]; i < end; i++) use(a[i]);
    }
    // putShape may have added dtype and symbol strings: the table is packed after it.
    const built: Built = { meta, S, a: a.subarray(0, this.nodes.n), vals: values };
    let graph: WireGraph | undefined;
    const out: Finished = {
      get graph(): WireGraph {
        graph ??= { ...meta, ...stringTable(S), nodes: packInts(built.a), values: packInts(values.map(zigzag)) };
        builtOf.delete(out);
        return graph;
      },
      names,
    };
    builtOf.set(out, built);
    return out;
  }
}

/** WireBuilder.finish()'s result: the graph (packed when first read) and its values' names. */
export interface Finished { readonly graph: WireGraph; names: string[] }

/** A finished graph's parts before packing: its strings, node records and value records (signed, as putShape wrote). */
interface Built { meta: Pick<WireGraph, 'format' | 'file' | 'info' | 'note'>; S: string[]; a: Int32Array; vals: number[] }
const builtOf = new WeakMap<Finished, Built>();

/** The graph of a finished WireBuilder's result, as decodeGraph(f.graph) gives it, but from the builder's own arrays
 *  when `f.graph` has not been read yet (no packing, no unpacking: squeezenet1_1's first frame in the host). */
export function builtView(f: Finished): ViewGraph {
  const b = builtOf.get(f);
  return b ? graphOf(b.meta, b.S, b.a, b.vals) : decodeGraph(f.graph);
}

/** Whether `f.graph` has been packed (read). */
export function isPacked(f: Finished): boolean { return !builtOf.has(f); }

// Packed integers: each one as base-32 digits, most significant first; a digit is '0'… ('0' + d) when it is the last
// of its number, ']'… (']' + d) otherwise (all below 0x80, where latin1 and ASCII agree). Neither range holds '"' or
// '\\', so JSON carries the string as it is.
const LAST = 48, MORE = 93;

/** Non-negative integers (up to 2^53) as one string of printable ASCII. */
export function packInts(a: ArrayLike<number>, n = a.length): string {
  let out = new Uint8Array(3 * n + 16);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const v = a[i];
    if (v < 32) out[o++] = LAST + v;
    else if (v < 1024) { out[o++] = MORE + (v >> 5); out[o++] = LAST + (v & 31); }
    else if (v < 32768) { out[o++] = MORE + (v >> 10); out[o++] = MORE + ((v >> 5) & 31); out[o++] = LAST + (v & 31); }
    else {
      if (o + 11 + 3 * (n - i) > out.length) { const b = new Uint8Array(2 * out.length + 11); b.set(out); out = b; }
      const digits: number[] = [];
      for (let x = v; x >= 1; x = Math.floor(x / 32)) digits.push(x % 32);
      for (let k = digits.length - 1; k > 0; k--) out[o++] = MORE + digits[k];
      out[o++] = LAST + digits[0];
    }
  }
  return latin1.decode(out.subarray(0, o));
}
const latin1 = new TextDecoder('latin1');

/** packInts' integers back: an Int32Array when they all fit one (the graph's indexes always do), else a
 *  Float64Array. Sized exactly (memory touched for the first time is slow to get on some machines). */
export function unpackInts(s: string): Int32Array | Float64Array {
  let n = 0, wide = false;
  for (let i = 0, run = 0; i < s.length; i++) {
    if (s.charCodeAt(i) < MORE) { n++; run = 0; } else if (++run > 5) wide = true;
  }
  const out = wide ? new Float64Array(n) : new Int32Array(n);
  let v = 0;
  for (let i = 0, k = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= MORE) v = v * 32 + (c - MORE);
    else { out[k++] = v * 32 + (c - LAST); v = 0; }
  }
  return out;
}

/** Signed integers for packInts: 0, -1, 1, -2 … → 0, 1, 2, 3 … */
function zigzag(v: number): number { return v >= 0 ? 2 * v : -2 * v - 1; }
function unzigzag(z: number): number { return z % 2 === 0 ? z / 2 : -(z + 1) / 2; }

/** The string table, front-coded: names of one model share long prefixes (`/backbone/layer1/conv/Conv`,
 *  `…/Conv_output_0`), so each string is sent as the count of leading characters it shares with the one before it
 *  and the rest (the text is about a quarter as long; it is what most of the graph's bytes are). */
function stringTable(list: readonly string[]): Pick<WireGraph, 'text' | 'table'> {
  const rest: string[] = new Array(list.length), table: number[] = new Array(2 * list.length);
  let prev = '';
  for (let i = 0; i < list.length; i++) {
    const s = list[i], n = Math.min(prev.length, s.length);
    let k = 0;
    while (k < n && prev.charCodeAt(k) === s.charCodeAt(k)) k++;
    // never split a surrogate pair (each half alone would not survive JSON)
    if (k > 0 && k < s.length && s.charCodeAt(k) >= 0xdc00 && s.charCodeAt(k) <= 0xdfff) k--;
    table[2 * i] = k;
    table[2 * i + 1] = s.length - k;
    rest[i] = k ? s.slice(k) : s;
    prev = s;
  }
  return { text: rest.join(''), table: packInts(table) };
}

function readStringTable(w: WireGraph): string[] {
  const t = unpackInts(w.table), text = w.text;
  const out: string[] = new Array(t.length >> 1);
  let prev = '';
  for (let i = 0, at = 0; i < out.length; i++) {
    const k = t[2 * i], rest = text.slice(at, at += t[2 * i + 1]);
    prev = out[i] = k ? prev.slice(0, k) + rest : rest;
  }
  return out;
}

/** Producer-to-consumer edges from each node's tensors (the last writer of a tensor is its producer). */
function edgesOf(a: ArrayLike<number>, starts: number[], S: string[]): ViewGraph['edges'] {
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
  constructor(private readonly S: string[], private readonly a: ArrayLike<number>, private readonly at: number, readonly id: number,
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

/** A value record of the packed list at `at` (after unzigzag); returns the position after it. */
function readValue(vals: ArrayLike<number>, at: number, S: string[], v: ViewValue): number {
  if (vals[at + 1]) v.constant = true;
  return getShape(vals, at + 2, S, v);
}

/** Graphs whose values are not decoded yet: their packed list, for valueNamed. */
const packedValues = new WeakMap<ViewGraph, { vals: ArrayLike<number>; S: string[] }>();

/** The graph of a WireGraph. Its `values` (one object per tensor) are decoded when first read: the first frame looks
 *  up only the graph's inputs and outputs (valueNamed). */
export function decodeGraph(w: WireGraph): ViewGraph {
  const S = readStringTable(w), a = unpackInts(w.nodes), vals = unpackInts(w.values);
  for (let i = 0; i < vals.length; i++) vals[i] = unzigzag(vals[i]);
  return graphOf(w, S, a, vals);
}

/** The graph of its string table, node records and (signed) value records. */
function graphOf(w: Pick<WireGraph, 'format' | 'file' | 'info' | 'note'>, S: string[], a: ArrayLike<number>, vals: ArrayLike<number>): ViewGraph {
  const nodes: ViewNode[] = [], starts: number[] = [];
  for (let at = 0; at < a.length;) {
    nodes.push(new WireNode(S, a, at + 3, nodes.length, S[a[at]], S[a[at + 1]], KINDS[a[at + 2]] ?? 'op'));
    at += 3;
    starts.push(at);
    at += a[at] + 1; // inputs
    at += a[at] + 1; // outputs
    at += 2 * a[at] + 1; // attributes
  }
  const g: ViewGraph = { format: w.format, file: w.file, info: w.info, nodes, edges: edgesOf(a, starts, S), values: [], note: w.note };
  let values: ViewValue[] | undefined;
  Object.defineProperty(g, 'values', {
    enumerable: true, configurable: true,
    get(): ViewValue[] {
      if (!values) {
        values = [];
        for (let at = 0; at < vals.length;) {
          const v: ViewValue = { name: S[vals[at]] };
          at = readValue(vals, at, S, v);
          values.push(v);
        }
        packedValues.delete(g);
      }
      return values;
    },
    set(v: ViewValue[]) { values = v; packedValues.delete(g); },
  });
  packedValues.set(g, { vals, S });
  return g;
}

/** The value named `name` (its first record), without decoding every value when they are not decoded yet. */
export function valueNamed(g: ViewGraph, name: string): ViewValue | undefined {
  const p = packedValues.get(g);
  if (!p) return g.values.find((v) => v.name === name);
  const { vals, S } = p;
  // a record: name, constant, dtype, rank (-1 unknown), dims
  for (let at = 0; at < vals.length; at += 4 + Math.max(0, vals[at + 3])) {
    if (S[vals[at]] !== name) continue;
    const v: ViewValue = { name };
    readValue(vals, at, S, v);
    return v;
  }
  return undefined;
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
