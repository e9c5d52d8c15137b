// The graph view's first read of an .onnx file: the WireGraph straight from the protobuf bytes, without decoding
// weights, declared intermediate shapes or building the IR, so a 20,000-node model is drawn sooner. It covers the
// common layout only; for anything else (model-local functions, sparse initializers, IR-1 attributes without a type, unknown dtypes, bytes
// that do not parse) it returns undefined and the caller reads the model the full way (src/onnx/reader.ts), which
// also gives the one-line error for a bad file. Node ids follow the file's order; names are made up as the reader
// makes them, so verdicts, accuracy rows and reveals (all by node name) match.
import * as path from 'node:path';
import { ONNX_DTYPES } from '../ir/tensor';
import type { AttrValue, DType, Graph, Tensor } from '../ir/types';
import type { ViewValue } from '../shared/protocol';
import { WireBuilder, type Finished } from '../shared/graph-wire';
import type { StringTable } from '../shared/graph-wire';
import { attrText } from '../worker/view-graph';
import { Reader, Unsupported, int64, int64s } from './wire-reader';
import {
  AttributeField, AttributeType, DimField, GraphField, ModelField, NodeField, OpsetField, ShapeField, TensorField,
  TensorTypeField, TypeField, ValueInfoField, Wire, repeatedNodeName, unnamedNodeName,
} from './fields';

function dtypeOf(code: number): DType {
  const d = ONNX_DTYPES[code];
  if (!d) throw new Unsupported();
  return d;
}

/** name, dtype and dims of a TensorProto; its data is not read. */
function tensorHead(r: Reader, from: number, to: number): { name: string; dtype: DType; dims: number[] } {
  let name = '', code = 0;
  const dims: number[] = [];
  r.fields(from, to, (f, w) => {
    if (f === TensorField.Dims) int64s(r, w, dims, true);
    else if (f === TensorField.DataType && w === Wire.Varint) code = r.value;
    else if (f === TensorField.Name && w === Wire.Len) name = r.text();
  });
  if (dims.some((d) => d < 0)) throw new Unsupported();
  return { name, dtype: dtypeOf(code), dims };
}

/** A ValueInfoProto as the full reader reads it: dtype and shape of a tensor type, nothing for other types. */
function valueInfo(r: Reader, from: number, to: number): ViewValue {
  let name = '';
  let tensorType: [number, number] | undefined;
  r.fields(from, to, (f, w) => {
    if (f === ValueInfoField.Name && w === Wire.Len) name = r.text();
    else if (f === ValueInfoField.Type && w === Wire.Len) {
      const [s, e] = r.span();
      r.fields(s, e, (tf, tw) => { if (tf === TypeField.TensorType && tw === Wire.Len) tensorType = r.span(); });
    }
  });
  if (!tensorType) return { name };
  let code = 0;
  let shape: [number, number] | undefined;
  r.fields(tensorType[0], tensorType[1], (f, w) => {
    if (f === TensorTypeField.ElemType && w === Wire.Varint) code = r.value;
    else if (f === TensorTypeField.Shape && w === Wire.Len) shape = r.span();
  });
  const v: ViewValue = { name, dtype: ONNX_DTYPES[code] };
  if (!shape) return v;
  const dims: (number | string)[] = [];
  r.fields(shape[0], shape[1], (f, w) => {
    if (f !== ShapeField.Dim || w !== Wire.Len) return;
    let param = '';
    let value: number | undefined;
    const [s, e] = r.span();
    r.fields(s, e, (df, dw) => {
      if (df === DimField.Value && dw === Wire.Varint) value = int64(r, true);
      else if (df === DimField.Param && dw === Wire.Len) param = r.text();
    });
    if (value !== undefined && value < 0) throw new Unsupported();
    dims.push(param || (value ?? `${name}_d${dims.length}`));
  });
  v.shape = dims;
  return v;
}

/** An AttributeProto as the full reader turns it into an attribute value (only what attrText reads of it). */
function attribute(r: Reader, from: number, to: number): [string, string] {
  let name = '', type = 0, f = 0, i = 0, s = '';
  let tensor: [number, number] | undefined, graph: [number, number] | undefined;
  const floats: number[] = [], ints: number[] = [], strings: string[] = [];
  let tensors = 0, graphs = 0;
  r.fields(from, to, (field, w) => {
    switch (field) {
      case AttributeField.Name: if (w === Wire.Len) name = r.text(); break;
      case AttributeField.Type: if (w === Wire.Varint) type = r.value; break;
      case AttributeField.F: if (w === Wire.I32) f = r.buf.readFloatLE(r.start); break;
      case AttributeField.I: if (w === Wire.Varint) i = int64(r, false); break;
      case AttributeField.S: if (w === Wire.Len) s = r.text(); break;
      case AttributeField.T: if (w === Wire.Len) tensor = r.span(); break;
      case AttributeField.G: if (w === Wire.Len) graph = r.span(); break;
      case AttributeField.Floats:
        if (w === Wire.I32) floats.push(r.buf.readFloatLE(r.start));
        else if (w === Wire.Len) for (let k = r.start; k + 4 <= r.end; k += 4) floats.push(r.buf.readFloatLE(k));
        break;
      case AttributeField.Ints: int64s(r, w, ints, false); break;
      case AttributeField.Strings: if (w === Wire.Len) strings.push(r.text()); break;
      case AttributeField.Tensors: tensors++; break;
      case AttributeField.Graphs: graphs++; break;
      default: break;
    }
  });
  let v: AttrValue;
  switch (type) {
    case AttributeType.Float: v = { type: 'float', value: f }; break;
    case AttributeType.Int: v = { type: 'int', value: i }; break;
    case AttributeType.String: v = { type: 'string', value: s }; break;
    case AttributeType.Tensor: {
      if (!tensor) throw new Unsupported();
      v = { type: 'tensor', value: { ...tensorHead(r, tensor[0], tensor[1]), data: new Uint8Array(0) } as Tensor };
      break;
    }
    case AttributeType.Graph: {
      if (!graph) throw new Unsupported();
      let nodes = 0;
      r.fields(graph[0], graph[1], (gf, gw) => { if (gf === GraphField.Node && gw === Wire.Len) nodes++; });
      v = { type: 'graph', value: { nodes: { length: nodes } } as unknown as Graph };
      break;
    }
    case AttributeType.Floats: v = { type: 'floats', value: floats }; break;
    case AttributeType.Ints: v = { type: 'ints', value: ints }; break;
    case AttributeType.Strings: v = { type: 'strings', value: strings }; break;
    case AttributeType.Tensors: v = { type: 'tensors', value: new Array(tensors) }; break;
    case AttributeType.Graphs: v = { type: 'graphs', value: new Array(graphs) }; break;
    default: throw new Unsupported(); // no type (IR version 1) or a sparse / type-proto attribute
  }
  return [name, attrText(v)];
}

/** Byte strings seen so far: an open-addressing hash table over spans of a few buffers (the file, and the
 *  UTF-8 of strings made up by the reader), so equal bytes anywhere get one entry. */
class SpanSet {
  /** The buffers spans point into; the owner may replace one with a grown copy holding the same bytes. */
  readonly buffers: Uint8Array[];
  private slots = new Int32Array(1 << 12).fill(-1);
  private which = new Uint8Array(1 << 11);
  private starts = new Int32Array(1 << 11);
  private lens = new Int32Array(1 << 11);
  private hashes = new Int32Array(1 << 11);
  private n = 0;
  /** Whether the last entry() added the span (the caller fills in what it stands for). */
  added = false;
  constructor(...buffers: Uint8Array[]) { this.buffers = buffers; }

  /** The entry index of the bytes [start, end) of buffers[b]. */
  entry(b: number, start: number, end: number): number {
    const buf = this.buffers[b], len = end - start;
    let h = -2128831035; // FNV-1a
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 16777619);
    const mask = this.slots.length - 1;
    let slot = h & mask;
    for (let e = this.slots[slot]; e >= 0; e = this.slots[slot = (slot + 1) & mask]) {
      if (this.hashes[e] !== h || this.lens[e] !== len) continue;
      const other = this.buffers[this.which[e]], at = this.starts[e];
      let k = 0;
      while (k < len && other[at + k] === buf[start + k]) k++;
      if (k === len) { this.added = false; return e; }
    }
    const e = this.n++;
    if (e === this.starts.length) {
      const grow = <T extends Int32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>>(a: T): T => { const g = new (a.constructor as new (n: number) => T)(a.length * 2); g.set(a); return g; };
      this.starts = grow(this.starts); this.lens = grow(this.lens); this.hashes = grow(this.hashes); this.which = grow(this.which);
    }
    this.which[e] = b; this.starts[e] = start; this.lens[e] = len; this.hashes[e] = h;
    this.slots[slot] = e;
    if (2 * this.n > this.slots.length) this.rehash();
    this.added = true;
    return e;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1), mask = slots.length - 1;
    for (let e = 0; e < this.n; e++) {
      let slot = this.hashes[e] & mask;
      while (slots[slot] >= 0) slot = (slot + 1) & mask;
      slots[slot] = e;
    }
    this.slots = slots;
  }
}

/** The view's string table, keyed by UTF-8 bytes: a name that occurs many times in the file (a tensor is written by
 *  its producer and again by each consumer) is decoded once, and no Map of 40,000 fresh strings is built. */
class FileStrings implements StringTable {
  readonly list: string[] = [];
  private readonly set: SpanSet;
  private side = new Uint8Array(1 << 12);
  private sideLen = 0;
  private readonly encoder = new TextEncoder();
  constructor(private readonly file: Buffer) { this.set = new SpanSet(file, this.side); }

  /** The index of the string whose UTF-8 is file[start, end). */
  span(start: number, end: number): number {
    const e = this.set.entry(0, start, end);
    if (this.set.added) this.list.push(this.file.toString('utf8', start, end));
    return e;
  }

  of(s: string): number {
    if (this.sideLen + 3 * s.length > this.side.length) {
      const g = new Uint8Array(2 * (this.sideLen + 3 * s.length));
      g.set(this.side.subarray(0, this.sideLen));
      this.side = this.set.buffers[1] = g;
    }
    const n = this.encoder.encodeInto(s, this.side.subarray(this.sideLen)).written;
    const e = this.set.entry(1, this.sideLen, this.sideLen + n);
    if (this.set.added) { this.list.push(s); this.sideLen += n; }
    return e;
  }
}

/** The nodes (NodeProto at each [start, end) pair of `spans`) into `b`, in file order. This loop is most of the first
 *  read of a big model: it walks each node's fields with protobufjs's Reader directly, and decodes a name or an
 *  attribute's text only the first time its bytes are seen. */
function readNodes(r: Reader, spans: readonly number[], b: WireBuilder, S: FileStrings): void {
  const pb = r.pb, raw = r.raw;
  const attrTable = new SpanSet(r.buf), attrIds: number[] = [];
  let seen = new Uint8Array(1 << 12);
  const inputs: number[] = [], outputs: number[] = [], attrs: number[] = [], attrSpans: number[] = [];
  const len = raw.len;
  for (let index = 0; index < spans.length / 2; index++) {
    const s = spans[2 * index], e = spans[2 * index + 1];
    let name = -1, op = -1, domain = -1;
    inputs.length = 0; outputs.length = 0; attrs.length = 0; attrSpans.length = 0;
    raw.pos = s;
    raw.len = e;
    while (raw.pos < e) {
      const tag = pb.uint32(), wire = tag & 7;
      if (wire !== 2) {
        if (wire === 3 || wire === 4) throw new Unsupported();
        pb.skipType(wire);
        continue;
      }
      const n = pb.uint32(), at = raw.pos, end = at + n;
      if (end > e) throw new Unsupported();
      raw.pos = end;
      switch (tag >>> 3) {
        case NodeField.Input: inputs.push(S.span(at, end)); break;
        case NodeField.Output: outputs.push(S.span(at, end)); break;
        case NodeField.Name: name = S.span(at, end); break;
        case NodeField.OpType: op = S.span(at, end); break;
        case NodeField.Domain: domain = S.span(at, end); break;
        case NodeField.Attribute: attrSpans.push(at, end); break;
        default: break;
      }
    }
    raw.len = len;
    for (let k = 0; k < attrSpans.length; k += 2) {
      const t = attrTable.entry(0, attrSpans[k], attrSpans[k + 1]);
      if (attrTable.added) {
        const [key, text] = attribute(r, attrSpans[k], attrSpans[k + 1]);
        attrIds[2 * t] = S.of(key);
        attrIds[2 * t + 1] = S.of(text);
      }
      attrs.push(attrIds[2 * t], attrIds[2 * t + 1]);
    }
    const opText = op < 0 ? '' : S.list[op];
    if (op < 0) op = S.of('');
    const dom = domain < 0 ? '' : S.list[domain];
    if (dom && dom !== 'ai.onnx') op = S.of(`${dom}.${opText}`);
    if (name < 0 || S.list[name] === '') name = S.of(unnamedNodeName(opText, index));
    if (name < seen.length && seen[name]) name = S.of(repeatedNodeName(S.list[name], index));
    if (name >= seen.length) { const g = new Uint8Array(2 * S.list.length); g.set(seen); seen = g; }
    seen[name] = 1;
    b.put(name, op, 0, inputs, outputs, attrs);
  }
}

/** The graph view's graph of an .onnx file's bytes, or undefined when the full reader must read it. */
export function leanOnnxWireGraph(bytes: Buffer, file: string): Finished | undefined {
  try {
    return read(bytes, file);
  } catch {
    // Not covered, or bytes that do not parse: the full reader reads it (and words the error for a bad file).
    return undefined;
  }
}

function read(bytes: Buffer, file: string): Finished {
  const r = new Reader(bytes);
  let irVersion = 0, producerName = '', producerVersion = '';
  let graph: [number, number] | undefined;
  let graphs = 0;
  const opsets = new Map<string, number>();
  r.fields(0, bytes.length, (f, w) => {
    if (f === ModelField.IrVersion && w === Wire.Varint) irVersion = int64(r, true);
    else if (f === ModelField.ProducerName && w === Wire.Len) producerName = r.text();
    else if (f === ModelField.ProducerVersion && w === Wire.Len) producerVersion = r.text();
    else if (f === ModelField.Graph && w === Wire.Len) { graph = r.span(); graphs++; }
    else if (f === ModelField.OpsetImport && w === Wire.Len) {
      let domain = '', version = 0;
      const [s, e] = r.span();
      r.fields(s, e, (of, ow) => {
        if (of === OpsetField.Domain && ow === Wire.Len) domain = r.text();
        else if (of === OpsetField.Version && ow === Wire.Varint) version = int64(r, true);
      });
      opsets.set(domain === 'ai.onnx' ? '' : domain, version);
    }
    // model-local functions: the full reader inlines their calls (src/onnx/functions.ts), so the view shows ONNX ops
    else if (f === ModelField.Functions) throw new Unsupported();
  });
  if (!graph || graphs !== 1 || opsets.size === 0) throw new Unsupported();
  const nodeSpans: number[] = [], inputSpans: [number, number][] = [], outputSpans: [number, number][] = [];
  const initializers = new Map<string, { dtype: DType; dims: number[] }>();
  r.fields(graph[0], graph[1], (f, w) => {
    if (w !== Wire.Len) return;
    if (f === GraphField.Node) nodeSpans.push(r.start, r.end);
    else if (f === GraphField.Input) inputSpans.push(r.span());
    else if (f === GraphField.Output) outputSpans.push(r.span());
    else if (f === GraphField.Initializer) { const [s, e] = r.span(); const t = tensorHead(r, s, e); initializers.set(t.name, t); }
    else if (f === GraphField.SparseInitializer) throw new Unsupported();
  });
  const strings = new FileStrings(bytes);
  const b = new WireBuilder(strings);
  readNodes(r, nodeSpans, b, strings);
  const values = new Map<string, ViewValue>();
  const inputs: string[] = [];
  for (const [s, e] of inputSpans) {
    const v = valueInfo(r, s, e);
    values.set(v.name, v);
    if (!initializers.has(v.name)) inputs.push(v.name);
  }
  const outputs: string[] = [];
  for (const [s, e] of outputSpans) {
    const v = valueInfo(r, s, e);
    outputs.push(v.name);
    if (!values.has(v.name)) values.set(v.name, v);
  }
  const info: [string, string][] = [
    ['format', `ONNX (IR version ${irVersion})`],
    ['producer', [producerName, producerVersion].filter(Boolean).join(' ') || '—'],
    ['opsets', [...opsets].map(([d, v]) => `${d || 'ai.onnx'} ${v}`).join(', ')],
    ['nodes', String(nodeSpans.length / 2)],
    ['initializers', String(initializers.size)],
  ];
  return b.finish({ format: 'onnx', file: path.basename(file), info }, inputs, outputs, (name) => {
    const init = initializers.get(name);
    if (init) return { dtype: init.dtype, shape: init.dims, constant: true };
    const v = values.get(name);
    return { dtype: v?.dtype, shape: v?.shape };
  });
}
