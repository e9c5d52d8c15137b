// The graph view's first read of an .onnx file: the WireGraph straight from the protobuf bytes, without decoding
// weights, declared intermediate shapes or building the IR, so a 20,000-node model is drawn sooner. It covers the
// common layout only; for anything else (sparse initializers, IR-1 attributes without a type, unknown dtypes, bytes
// that do not parse) it returns undefined and the caller reads the model the full way (src/onnx/reader.ts), which
// also gives the one-line error for a bad file. Node ids follow the file's order; names are made up as the reader
// makes them, so verdicts, accuracy rows and reveals (all by node name) match.
import * as path from 'node:path';
import { ONNX_DTYPES } from '../ir/tensor';
import type { AttrValue, DType, Graph, Tensor } from '../ir/types';
import type { ViewValue, WireGraph } from '../protocol';
import { WireBuilder } from '../graph-wire';
import { attrText } from './view-graph';
import { numberReader } from '../onnx/number-reader';

/** Anything the lean read does not cover: the caller falls back to the full read. */
class Unsupported extends Error {}

type Visit = (field: number, wire: number, r: Reader) => void;

/** protobufjs's Reader (int64 as numbers, src/onnx/number-reader.ts) walked field by field over a byte range: the
 *  wire format is the library's; which fields matter is ONNX's schema, below. */
class Reader {
  private readonly pb: ReturnType<typeof numberReader>;
  private readonly raw: { pos: number; len: number };
  /** Where the current field's bytes begin and end (valid inside visit). */
  start = 0;
  end = 0;
  /** A varint field's value. */
  value = 0;
  /** Where the varint int64At read ends. */
  after = 0;
  constructor(readonly buf: Buffer) {
    this.pb = numberReader(buf);
    this.raw = this.pb as unknown as { pos: number; len: number };
  }

  /** The int64 varint at `at` (inside [at, limit)). */
  int64At(at: number, limit: number): number {
    const { pos, len } = this.raw;
    this.raw.pos = at;
    this.raw.len = limit;
    try {
      const v = this.pb.int64() as unknown as number;
      this.after = this.raw.pos;
      return v;
    } finally {
      this.raw.pos = pos;
      this.raw.len = len;
    }
  }

  /** Calls visit for each field of the message in [from, to): a field's bytes (a length-delimited field's
   *  contents) in [start, end), a varint's value in `value`. */
  fields(from: number, to: number, visit: Visit): void {
    const r = this.raw;
    const len = r.len;
    r.pos = from;
    r.len = to;
    try {
      while (r.pos < to) {
        const tag = this.pb.uint32();
        const field = tag >>> 3, wire = tag & 7;
        if (wire === 0) { this.start = r.pos; this.value = this.pb.int64() as unknown as number; this.end = r.pos; }
        else if (wire === 2) { const n = this.pb.uint32(); this.start = r.pos; this.pb.skip(n); this.end = r.pos; }
        else if (wire === 1 || wire === 5) { this.start = r.pos; this.pb.skip(wire === 1 ? 8 : 4); this.end = r.pos; }
        else throw new Unsupported();
        const next = r.pos;
        visit(field, wire, this);
        r.pos = next;
        r.len = to;
      }
    } finally {
      r.len = len;
    }
  }

  text(): string { return this.buf.toString('utf8', this.start, this.end); }
  /** The bytes of a length-delimited field as [start, end). */
  span(): [number, number] { return [this.start, this.end]; }
}

/** The int64 varint field visited now; with `exact`, refused (the full reader says why) past 53 bits. */
function int64(r: Reader, exact: boolean): number {
  const n = r.int64At(r.start, r.end);
  if (exact && !Number.isSafeInteger(n)) throw new Unsupported();
  return n;
}

/** Every int64 of a repeated field visited now, packed or not. */
function int64s(r: Reader, wire: number, out: number[], exact: boolean): void {
  const [s, e] = r.span();
  for (let at = s; at < e; at = r.after) {
    const n = r.int64At(at, e);
    if (exact && !Number.isSafeInteger(n)) throw new Unsupported();
    out.push(n);
    if (wire === 0) break;
  }
}

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
    if (f === 1) int64s(r, w, dims, true);
    else if (f === 2 && w === 0) code = r.value;
    else if (f === 8 && w === 2) name = r.text();
  });
  if (dims.some((d) => d < 0)) throw new Unsupported();
  return { name, dtype: dtypeOf(code), dims };
}

/** A ValueInfoProto as the full reader reads it: dtype and shape of a tensor type, nothing for other types. */
function valueInfo(r: Reader, from: number, to: number): ViewValue {
  let name = '';
  let tensorType: [number, number] | undefined;
  r.fields(from, to, (f, w) => {
    if (f === 1 && w === 2) name = r.text();
    else if (f === 2 && w === 2) {
      const [s, e] = r.span();
      r.fields(s, e, (tf, tw) => { if (tf === 1 && tw === 2) tensorType = r.span(); });
    }
  });
  if (!tensorType) return { name };
  let code = 0;
  let shape: [number, number] | undefined;
  r.fields(tensorType[0], tensorType[1], (f, w) => {
    if (f === 1 && w === 0) code = r.value;
    else if (f === 2 && w === 2) shape = r.span();
  });
  const v: ViewValue = { name, dtype: ONNX_DTYPES[code] };
  if (!shape) return v;
  const dims: (number | string)[] = [];
  r.fields(shape[0], shape[1], (f, w) => {
    if (f !== 1 || w !== 2) return;
    let param = '';
    let value: number | undefined;
    const [s, e] = r.span();
    r.fields(s, e, (df, dw) => {
      if (df === 1 && dw === 0) value = int64(r, true);
      else if (df === 2 && dw === 2) param = r.text();
    });
    if (value !== undefined && value < 0) throw new Unsupported();
    dims.push(param || (value ?? `${name}_d${dims.length}`));
  });
  v.shape = dims;
  return v;
}

const T = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10 };

/** An AttributeProto as the full reader turns it into an attribute value (only what attrText reads of it). */
function attribute(r: Reader, from: number, to: number): [string, string] {
  let name = '', type = 0, f = 0, i = 0, s = '';
  let tensor: [number, number] | undefined, graph: [number, number] | undefined;
  const floats: number[] = [], ints: number[] = [], strings: string[] = [];
  let tensors = 0, graphs = 0;
  r.fields(from, to, (field, w) => {
    switch (field) {
      case 1: if (w === 2) name = r.text(); break;
      case 20: if (w === 0) type = r.value; break;
      case 2: if (w === 5) f = r.buf.readFloatLE(r.start); break;
      case 3: if (w === 0) i = int64(r, false); break;
      case 4: if (w === 2) s = r.text(); break;
      case 5: if (w === 2) tensor = r.span(); break;
      case 6: if (w === 2) graph = r.span(); break;
      case 7:
        if (w === 5) floats.push(r.buf.readFloatLE(r.start));
        else if (w === 2) for (let k = r.start; k + 4 <= r.end; k += 4) floats.push(r.buf.readFloatLE(k));
        break;
      case 8: int64s(r, w, ints, false); break;
      case 9: if (w === 2) strings.push(r.text()); break;
      case 10: tensors++; break;
      case 11: graphs++; break;
      default: break;
    }
  });
  let v: AttrValue;
  switch (type) {
    case T.FLOAT: v = { type: 'float', value: f }; break;
    case T.INT: v = { type: 'int', value: i }; break;
    case T.STRING: v = { type: 'string', value: s }; break;
    case T.TENSOR: {
      if (!tensor) throw new Unsupported();
      v = { type: 'tensor', value: { ...tensorHead(r, tensor[0], tensor[1]), data: new Uint8Array(0) } as Tensor };
      break;
    }
    case T.GRAPH: {
      if (!graph) throw new Unsupported();
      let nodes = 0;
      r.fields(graph[0], graph[1], (gf, gw) => { if (gf === 1 && gw === 2) nodes++; });
      v = { type: 'graph', value: { nodes: { length: nodes } } as unknown as Graph };
      break;
    }
    case T.FLOATS: v = { type: 'floats', value: floats }; break;
    case T.INTS: v = { type: 'ints', value: ints }; break;
    case T.STRINGS: v = { type: 'strings', value: strings }; break;
    case T.TENSORS: v = { type: 'tensors', value: new Array(tensors) }; break;
    case T.GRAPHS: v = { type: 'graphs', value: new Array(graphs) }; break;
    default: throw new Unsupported(); // no type (IR version 1) or a sparse / type-proto attribute
  }
  return [name, attrText(v)];
}

/** The graph view's graph of an .onnx file's bytes, or undefined when the full reader must read it. */
export function leanOnnxWireGraph(bytes: Buffer, file: string): { graph: WireGraph; names: string[] } | undefined {
  try {
    return read(bytes, file);
  } catch {
    // Not covered, or bytes that do not parse: the full reader reads it (and words the error for a bad file).
    return undefined;
  }
}

function read(bytes: Buffer, file: string): { graph: WireGraph; names: string[] } {
  const r = new Reader(bytes);
  let irVersion = 0, producerName = '', producerVersion = '';
  let graph: [number, number] | undefined;
  let graphs = 0;
  const opsets = new Map<string, number>();
  r.fields(0, bytes.length, (f, w) => {
    if (f === 1 && w === 0) irVersion = int64(r, true);
    else if (f === 2 && w === 2) producerName = r.text();
    else if (f === 3 && w === 2) producerVersion = r.text();
    else if (f === 7 && w === 2) { graph = r.span(); graphs++; }
    else if (f === 8 && w === 2) {
      let domain = '', version = 0;
      const [s, e] = r.span();
      r.fields(s, e, (of, ow) => {
        if (of === 1 && ow === 2) domain = r.text();
        else if (of === 2 && ow === 0) version = int64(r, true);
      });
      opsets.set(domain === 'ai.onnx' ? '' : domain, version);
    }
  });
  if (!graph || graphs !== 1 || opsets.size === 0) throw new Unsupported();
  const nodeSpans: [number, number][] = [], inputSpans: [number, number][] = [], outputSpans: [number, number][] = [];
  const initializers = new Map<string, { dtype: DType; dims: number[] }>();
  r.fields(graph[0], graph[1], (f, w) => {
    if (w !== 2) return;
    if (f === 1) nodeSpans.push(r.span());
    else if (f === 11) inputSpans.push(r.span());
    else if (f === 12) outputSpans.push(r.span());
    else if (f === 5) { const [s, e] = r.span(); const t = tensorHead(r, s, e); initializers.set(t.name, t); }
    else if (f === 15) throw new Unsupported();
  });
  const b = new WireBuilder();
  const seen = new Set<string>();
  nodeSpans.forEach(([s, e], index) => {
    let name = '', op = '', domain = '';
    const inputs: string[] = [], outputs: string[] = [], attrs: [string, string][] = [];
    const attrSpans: [number, number][] = [];
    r.fields(s, e, (f, w) => {
      if (w !== 2) return;
      switch (f) {
        case 1: inputs.push(r.text()); break;
        case 2: outputs.push(r.text()); break;
        case 3: name = r.text(); break;
        case 4: op = r.text(); break;
        case 7: domain = r.text(); break;
        case 5: attrSpans.push(r.span()); break;
        default: break;
      }
    });
    for (const [as, ae] of attrSpans) attrs.push(attribute(r, as, ae));
    if (domain === 'ai.onnx') domain = '';
    name ||= `${op || 'node'}_${index}`;
    if (seen.has(name)) name = `${name}__${index}`;
    seen.add(name);
    b.node(name, domain ? `${domain}.${op}` : op, 'op', inputs, outputs, attrs);
  });
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
    ['nodes', String(nodeSpans.length)],
    ['initializers', String(initializers.size)],
  ];
  return b.finish({ format: 'onnx', file: path.basename(file), info }, inputs, outputs, (name) => {
    const init = initializers.get(name);
    if (init) return { dtype: init.dtype, shape: init.dims, constant: true };
    const v = values.get(name);
    return { dtype: v?.dtype, shape: v?.shape };
  });
}
