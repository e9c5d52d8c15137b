// Reads an ONNX ModelProto (protobufjs static code in src/generated/onnx) into the IR of src/ir/types.ts.
// Only this module and src/onnx/writer.ts import the generated code.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from '../generated/onnx/onnx.js';
import { numberReader } from './number-reader';
import { GraphField, ModelField, Wire, repeatedNodeName, tagOf, unnamedNodeName } from './fields';
import { ONNX_DTYPES, arrayTypeFor, bytesPerElement, unpackNibbles, valuesFromBytes } from '../ir/tensor';
import { AttrValue, DType, Graph, Model, ModelError, Node, Shape, Tensor, TensorValues, ValueInfo } from '../ir/types';
import { sortAndValidate } from '../ir/validate';
import { type AttrRef, type FunctionNode, type OnnxFunction, inlineFunctions } from './functions';

/** protobufjs gives int64 as Long objects (or numbers); this turns them into safe JavaScript numbers. */
type LongLike = number | { toNumber(): number; high: number; low: number; unsigned?: boolean };

function num(v: LongLike | null | undefined, what: string): number {
  if (v === null || v === undefined) return 0;
  const n = typeof v === 'number' ? v : v.toNumber();
  if (!Number.isSafeInteger(n)) throw new ModelError(`${what} ${n} does not fit a 53-bit integer (overflow)`);
  return n;
}

/** Attribute ints may legitimately be INT64_MAX/MIN (Slice ends); keep them as the nearest double. */
function looseNum(v: LongLike): number {
  return typeof v === 'number' ? v : v.toNumber();
}

export interface ReadOptions {
  /** Folder external data is resolved against and confined to (default: the model's folder). */
  baseDir?: string;
  /** Skip loading external tensor data (inspect can count parameters from dims alone). */
  skipExternalData?: boolean;
}

const MAX_PROTO_BYTES = 2 ** 31 - 1;

export function readModelFile(file: string, opts: ReadOptions = {}): Model {
  const bytes = readChecked(file);
  const model = decodeModel(bytes, { baseDir: path.dirname(path.resolve(file)), ...opts });
  model.path = path.resolve(file);
  return model;
}

/** The file's bytes, or one clear error for a missing, empty or oversized file. */
function readChecked(file: string): Uint8Array {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new ModelError(`cannot read ${file}: no such file`);
  }
  if (!stat.isFile()) throw new ModelError(`${file} is not a file`);
  if (stat.size === 0) throw new ModelError(`${file} is empty: not an ONNX model`);
  if (stat.size > MAX_PROTO_BYTES) throw new ModelError(`${file} is ${stat.size} bytes, over the 2 GB protobuf limit`);
  return fs.readFileSync(file);
}

/** A model read without the declared types of its main graph's intermediate values (the graph's value_info): they
 *  are decoded by `addValueInfo`, when something needs them (shape inference), so the graph itself is ready sooner. */
export interface DeferredModel {
  model: Model;
  /** Adds the declared dtypes and shapes left out, as readModelFile would have read them; once. */
  addValueInfo(): void;
}

export function readModelFileDeferred(file: string, opts: ReadOptions = {}): DeferredModel {
  const bytes = readChecked(file);
  const split = splitValueInfo(bytes);
  const model = decodeModel(split?.rest ?? bytes, { baseDir: path.dirname(path.resolve(file)), ...opts });
  model.path = path.resolve(file);
  let pending = split?.valueInfo ?? [];
  return {
    model,
    addValueInfo() {
      const values = model.graph.values;
      for (const b of pending) {
        let vi: onnx.ValueInfoProto;
        try {
          vi = onnx.ValueInfoProto.decode(numberReader(b));
        } catch (e) {
          throw new ModelError(`not a valid ONNX model (protobuf decoding failed: ${(e as Error).message}); the file may be truncated or of another format`);
        }
        const v = readValueInfo(vi);
        if (!values.has(v.name)) values.set(v.name, v);
      }
      pending = [];
    },
  };
}

/** Protobuf field tags of ModelProto.graph and GraphProto.value_info. */
const GRAPH_TAG = tagOf(ModelField.Graph, Wire.Len);
const VALUE_INFO_TAG = tagOf(GraphField.ValueInfo, Wire.Len);

/** Reads a varint at `at[0]` (advancing it) without passing `to`; -1 when it does not parse. */
function varintAt(buf: Uint8Array, at: number[], to: number): number {
  let v = 0;
  for (let shift = 0; shift < 64; shift += 7) {
    if (at[0] >= to) return -1;
    const b = buf[at[0]++];
    v += (b & 127) * 2 ** shift;
    if (b < 128) return v;
  }
  return -1;
}

/** Walks the fields of an encoded message between `from` and `to`: `visit(tag, start, body, end)` for each (`body`:
 *  where a length-delimited field's bytes begin). false when they do not parse. */
function walkFields(buf: Uint8Array, from: number, to: number, visit: (tag: number, start: number, body: number, end: number) => void): boolean {
  const at = [from];
  while (at[0] < to) {
    const start = at[0];
    const tag = varintAt(buf, at, to);
    if (tag < 0) return false;
    let body = at[0];
    switch (tag & 7) {
      case 0: if (varintAt(buf, at, to) < 0) return false; break;
      case 1: at[0] += 8; break;
      case 5: at[0] += 4; break;
      case 2: { const n = varintAt(buf, at, to); if (n < 0) return false; body = at[0]; at[0] += n; break; }
      default: return false;
    }
    if (at[0] > to) return false;
    visit(tag, start, body, at[0]);
  }
  return true;
}

/** Cuts the main graph's value_info entries out of an encoded ModelProto: the rest re-encoded, and each entry's
 *  bytes. undefined when the bytes do not have the expected layout (decodeModel then reads them whole, and says what
 *  is wrong with them). */
function splitValueInfo(bytes: Uint8Array): { rest: Uint8Array; valueInfo: Uint8Array[] } | undefined {
  const others: [number, number][] = [];
  let graph: [number, number] | undefined;
  let graphs = 0;
  const topOk = walkFields(bytes, 0, bytes.length, (tag, start, body, end) => {
    if (tag === GRAPH_TAG) { graphs++; graph = [body, end]; } else others.push([start, end]);
  });
  if (!topOk || graphs !== 1 || !graph) return undefined;
  // kept: runs of the graph's other fields, adjacent ones merged; info: value_info bodies
  const kept: number[] = [];
  const info: number[] = [];
  const ok = walkFields(bytes, graph[0], graph[1], (tag, start, body, end) => {
    if (tag === VALUE_INFO_TAG) info.push(body, end);
    else if (kept.length && kept[kept.length - 1] === start) kept[kept.length - 1] = end;
    else kept.push(start, end);
  });
  if (!ok) return undefined;
  if (info.length === 0) return { rest: bytes, valueInfo: [] };
  let graphLength = 0;
  for (let i = 0; i < kept.length; i += 2) graphLength += kept[i + 1] - kept[i];
  const head = [GRAPH_TAG];
  for (let n = graphLength; ; n = Math.floor(n / 128)) {
    if (n < 128) { head.push(n); break; }
    head.push((n % 128) | 128);
  }
  const parts: Uint8Array[] = others.map(([s, e]) => bytes.subarray(s, e));
  parts.push(Uint8Array.from(head));
  for (let i = 0; i < kept.length; i += 2) parts.push(bytes.subarray(kept[i], kept[i + 1]));
  // a Buffer: protobufjs decodes its strings natively (several times faster than from a plain Uint8Array)
  const rest = Buffer.allocUnsafe(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { rest.set(p, at); at += p.length; }
  const valueInfo: Uint8Array[] = [];
  for (let i = 0; i < info.length; i += 2) valueInfo.push(bytes.subarray(info[i], info[i + 1]));
  return { rest, valueInfo };
}

export function decodeModel(bytes: Uint8Array, opts: ReadOptions = {}): Model {
  let proto: onnx.ModelProto;
  try {
    proto = onnx.ModelProto.decode(numberReader(bytes));
  } catch (e) {
    throw new ModelError(`not a valid ONNX model (protobuf decoding failed: ${(e as Error).message}); the file may be truncated or of another format`);
  }
  if (!proto.graph) throw new ModelError('not a valid ONNX model: it has no graph');
  if (!proto.opsetImport || proto.opsetImport.length === 0) {
    throw new ModelError('not a valid ONNX model: it declares no opset (opset_import is empty)');
  }
  const ctx: Ctx = { baseDir: opts.baseDir, skipExternal: !!opts.skipExternalData };
  const opsets = readOpsets(proto.opsetImport);
  let graph: Graph;
  let functions: OnnxFunction[];
  try {
    graph = readGraph(proto.graph, ctx, new Set());
    functions = (proto.functions ?? []).map((f) => readFunction(f, ctx));
  } catch (e) {
    if (e instanceof RangeError) throw new ModelError(`the model is too deeply nested or too large to read (${e.message})`);
    throw e;
  }
  const metadata = new Map<string, string>();
  for (const m of proto.metadataProps ?? []) metadata.set(m.key ?? '', m.value ?? '');
  const model: Model = {
    irVersion: num(proto.irVersion as LongLike, 'ir_version'),
    producerName: proto.producerName ?? '',
    producerVersion: proto.producerVersion ?? '',
    domain: proto.domain ?? '',
    modelVersion: num(proto.modelVersion as LongLike, 'model_version'),
    docString: proto.docString ?? '',
    opsets,
    graph,
    metadata,
  };
  inlineFunctions(model, functions);
  return model;
}

function readOpsets(list: onnx.IOperatorSetIdProto[]): Map<string, number> {
  const opsets = new Map<string, number>();
  for (const o of list) {
    const d = o.domain === 'ai.onnx' ? '' : (o.domain ?? '');
    opsets.set(d, num(o.version as LongLike, 'opset version'));
  }
  return opsets;
}

/** A model-local function (inlined by functions.ts once the whole model is read). */
function readFunction(f: onnx.IFunctionProto, ctx: Ctx): OnnxFunction {
  const fname = f.name ?? '';
  const domain = f.domain === 'ai.onnx' ? '' : (f.domain ?? '');
  const inputs = [...(f.input ?? [])];
  const scope = new Set(inputs);
  const nodes: FunctionNode[] = (f.node ?? []).map((n, i) => {
    const name = n.name ?? '';
    const refs = new Map<string, AttrRef>();
    const plain: onnx.IAttributeProto[] = [];
    for (const a of n.attribute ?? []) {
      if (a.refAttrName) refs.set(a.name ?? '', { ref: a.refAttrName, type: attrTypeName(a.type ?? 0) });
      else plain.push(a);
    }
    const node: FunctionNode = {
      name, opType: n.opType ?? '',
      domain: n.domain === 'ai.onnx' ? '' : (n.domain ?? ''),
      inputs: [...(n.input ?? [])], outputs: [...(n.output ?? [])],
      attrs: readAttrs(plain, ctx, scope, name || `${fname}/${n.opType}_${i}`),
    };
    for (const o of node.outputs) if (o) scope.add(o);
    if (refs.size) node.refs = refs;
    return node;
  });
  return {
    domain, name: fname, inputs, outputs: [...(f.output ?? [])],
    attributes: [...(f.attribute ?? [])],
    defaults: readAttrs(f.attributeProto ?? [], ctx, scope, fname),
    nodes, opsets: readOpsets(f.opsetImport ?? []),
  };
}

const ATTR_TYPE_NAMES: AttrValue['type'][] = ['unsupported', 'float', 'int', 'string', 'tensor', 'graph', 'floats', 'ints', 'strings', 'tensors', 'graphs'];

function attrTypeName(t: number): AttrValue['type'] {
  return ATTR_TYPE_NAMES[t] ?? 'unsupported';
}

interface Ctx {
  baseDir?: string;
  skipExternal: boolean;
}

function readGraph(g: onnx.IGraphProto, ctx: Ctx, outer: Set<string>): Graph {
  const initializers = new Map<string, Tensor>();
  for (const t of g.initializer ?? []) {
    const tensor = readTensor(t, ctx);
    initializers.set(tensor.name, tensor);
  }
  for (const s of g.sparseInitializer ?? []) {
    const tensor = readSparse(s, ctx);
    initializers.set(tensor.name, tensor);
  }
  const values = new Map<string, ValueInfo>();
  const inputs: ValueInfo[] = [];
  for (const vi of g.input ?? []) {
    const v = readValueInfo(vi);
    values.set(v.name, v);
    if (!initializers.has(v.name)) inputs.push(v);
  }
  const outputs = (g.output ?? []).map(readValueInfo);
  for (const v of outputs) if (!values.has(v.name)) values.set(v.name, v);
  for (const vi of g.valueInfo ?? []) {
    const v = readValueInfo(vi);
    if (!values.has(v.name)) values.set(v.name, v);
  }
  for (const [name, t] of initializers) values.set(name, { name, dtype: t.dtype, shape: [...t.dims] });

  const inner = new Set(outer);
  for (const n of inputs) inner.add(n.name);
  for (const n of initializers.keys()) inner.add(n);
  const seenNames = new Set<string>();
  const nodes: Node[] = (g.node ?? []).map((n, i) => {
    for (const o of n.output ?? []) if (o) inner.add(o);
    let name = n.name || unnamedNodeName(n.opType ?? '', i);
    if (seenNames.has(name)) name = repeatedNodeName(name, i);
    seenNames.add(name);
    return {
      name,
      opType: n.opType ?? '',
      domain: n.domain === 'ai.onnx' ? '' : (n.domain ?? ''),
      inputs: [...(n.input ?? [])],
      outputs: [...(n.output ?? [])],
      attrs: readAttrs(n.attribute ?? [], ctx, inner, name),
    };
  });
  const graph: Graph = { name: g.name ?? '', nodes, inputs, outputs, initializers, values };
  if (outer.size > 0) graph.outerScope = outer;
  sortAndValidate(graph);
  return graph;
}

const UTF8 = new TextDecoder();

function readAttrs(list: onnx.IAttributeProto[], ctx: Ctx, scope: Set<string>, nodeName: string): Map<string, AttrValue> {
  const attrs = new Map<string, AttrValue>();
  const T = onnx.AttributeProto.AttributeType;
  for (const a of list) {
    const name = a.name ?? '';
    if (a.refAttrName) throw new ModelError(`node ${nodeName}: attribute ${name} refers to a function's attribute ${a.refAttrName} inside a subgraph, which onnx2lite cannot inline`, nodeName);
    let v: AttrValue;
    let type = a.type ?? T.UNDEFINED;
    if (type === T.UNDEFINED) {
      // IR version 1 had no discriminator: guess from the field that is set.
      if (a.ints?.length) type = T.INTS;
      else if (a.floats?.length) type = T.FLOATS;
      else if (a.strings?.length) type = T.STRINGS;
      else if (a.t) type = T.TENSOR;
      else if (a.g) type = T.GRAPH;
      else if (a.s?.length) type = T.STRING;
      else if (a.f) type = T.FLOAT;
      else type = T.INT;
    }
    const dec = UTF8;
    switch (type) {
      case T.FLOAT: v = { type: 'float', value: a.f ?? 0 }; break;
      case T.INT: v = { type: 'int', value: looseNum((a.i ?? 0) as LongLike) }; break;
      case T.STRING: v = { type: 'string', value: dec.decode(a.s ?? new Uint8Array()) }; break;
      case T.TENSOR: v = { type: 'tensor', value: readTensor(a.t ?? {}, ctx) }; break;
      case T.GRAPH: v = { type: 'graph', value: readSubgraph(a.g, ctx, scope, nodeName) }; break;
      case T.FLOATS: v = { type: 'floats', value: [...(a.floats ?? [])] }; break;
      case T.INTS: v = { type: 'ints', value: (a.ints ?? []).map((x) => looseNum(x as LongLike)) }; break;
      case T.STRINGS: v = { type: 'strings', value: (a.strings ?? []).map((s) => dec.decode(s)) }; break;
      case T.TENSORS: v = { type: 'tensors', value: (a.tensors ?? []).map((t) => readTensor(t, ctx)) }; break;
      case T.GRAPHS: v = { type: 'graphs', value: (a.graphs ?? []).map((g) => readSubgraph(g, ctx, scope, nodeName)) }; break;
      case T.SPARSE_TENSOR: v = { type: 'tensor', value: readSparse(a.sparseTensor ?? {}, ctx) }; break;
      default: v = { type: 'unsupported', value: `attribute type ${type}` };
    }
    attrs.set(name, v);
  }
  return attrs;
}

function readSubgraph(g: onnx.IGraphProto | null | undefined, ctx: Ctx, scope: Set<string>, nodeName: string): Graph {
  if (!g) throw new ModelError(`node ${nodeName}: graph attribute is empty`, nodeName);
  return readGraph(g, ctx, scope);
}

function readValueInfo(vi: onnx.IValueInfoProto): ValueInfo {
  const name = vi.name ?? '';
  const tt = vi.type?.tensorType;
  if (!tt) return { name, dtype: undefined, shape: undefined };
  const dtype = ONNX_DTYPES[tt.elemType ?? 0];
  let shape: Shape | undefined;
  if (tt.shape) {
    shape = (tt.shape.dim ?? []).map((d, i) => {
      if (d.dimParam) return d.dimParam;
      if (d.dimValue !== null && d.dimValue !== undefined) {
        const n = num(d.dimValue as LongLike, `dimension ${i} of ${name}`);
        if (n < 0) throw new ModelError(`value ${name} declares a negative dimension ${n}`);
        return n;
      }
      return `${name}_d${i}`;
    });
  }
  return { name, dtype, shape };
}

export function readTensor(t: onnx.ITensorProto, ctx: Ctx = { skipExternal: false }): Tensor {
  const name = t.name ?? '';
  const code = t.dataType ?? 0;
  const dtype: DType | undefined = ONNX_DTYPES[code];
  if (!dtype) throw new ModelError(`tensor ${name || '(unnamed)'} has unknown data type ${code}`);
  const dims = (t.dims ?? []).map((d) => num(d as LongLike, `dimension of tensor ${name}`));
  let count = 1;
  for (const d of dims) {
    if (d < 0) throw new ModelError(`tensor ${name} has a negative dimension ${d}`);
    count *= d;
    if (!Number.isSafeInteger(count)) throw new ModelError(`tensor ${name} dims ${JSON.stringify(dims)} overflow`);
  }
  const bpe = bytesPerElement(dtype);
  const lanes = dtype === 'complex64' || dtype === 'complex128' ? 2 : 1;
  const raw = t.rawData && t.rawData.length > 0 && t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL ? t.rawData : undefined;
  if ((dtype === 'int4' || dtype === 'uint4') && raw) {
    // Two values a byte (low nibble first): one a byte in memory.
    if (raw.length !== Math.ceil(count / 2)) throw new ModelError(`tensor ${name} has ${raw.length} bytes of raw data, dims ${JSON.stringify(dims)} of ${dtype} need ${Math.ceil(count / 2)}`);
    return { name, dtype, dims, data: unpackNibbles(dtype, raw, count) };
  }
  if (raw && raw.length === count * bpe && dtype !== 'string' && raw.byteOffset % bpe === 0 && lanes === 1) {
    // Aligned raw data is used in place: a typed view into the file's buffer, no copy.
    return { name, dtype, dims, data: new (arrayTypeFor(dtype))(raw.buffer as ArrayBuffer, raw.byteOffset, count) };
  }
  if (raw && raw.length >= LAZY_BYTES && raw.length === count * bpe && dtype !== 'string') {
    // Other large raw tensors are copied out of the file buffer only when first read (inspect never reads them).
    const tensor = { name, dtype, dims } as Tensor;
    let cached: TensorValues | undefined;
    Object.defineProperty(tensor, 'data', {
      enumerable: true, configurable: true,
      get: () => (cached ??= valuesFromBytes(dtype, raw, count)),
      set: (v: TensorValues) => { cached = v; },
    });
    return tensor;
  }
  const data = tensorValues(t, dtype, dims, count, bpe, lanes, ctx, name);
  return { name, dtype, dims, data };
}

/** Raw tensors from this size on are decoded lazily. */
const LAZY_BYTES = 256;

function tensorValues(t: onnx.ITensorProto, dtype: DType, dims: number[], count: number, bpe: number, lanes: number,
  ctx: Ctx, name: string): TensorValues {
  const external = t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL;
  if (external) {
    if (ctx.skipExternal) return lazyEmpty(dtype);
    return valuesFromBytes(dtype, readExternal(t, count * bpe, ctx, name), count);
  }
  if (dtype === 'string') {
    const dec = new TextDecoder();
    const s = (t.stringData ?? []).map((b) => dec.decode(b));
    if (s.length !== count) throw new ModelError(`string tensor ${name} has ${s.length} elements, dims say ${count}`);
    return s;
  }
  if (t.rawData && t.rawData.length > 0) {
    if (t.rawData.length !== count * bpe) {
      throw new ModelError(`tensor ${name} has ${t.rawData.length} bytes of raw data, dims ${JSON.stringify(dims)} of ${dtype} need ${count * bpe}`);
    }
    return valuesFromBytes(dtype, t.rawData, count);
  }
  const want = count * lanes;
  const check = (len: number) => {
    if (len !== want) throw new ModelError(`tensor ${name} holds ${len} values, dims ${JSON.stringify(dims)} need ${want}`);
  };
  switch (dtype) {
    case 'float32': case 'complex64': check(t.floatData?.length ?? 0); return Float32Array.from(t.floatData ?? []);
    case 'float64': case 'complex128': check(t.doubleData?.length ?? 0); return Float64Array.from(t.doubleData ?? []);
    case 'int64': check(t.int64Data?.length ?? 0); return BigInt64Array.from(t.int64Data ?? [], (v) => BigInt(looseNum(v as LongLike)));
    case 'uint64': case 'uint32': {
      check(t.uint64Data?.length ?? 0);
      const vals = (t.uint64Data ?? []).map((v) => looseNum(v as LongLike));
      return dtype === 'uint32' ? Uint32Array.from(vals) : BigUint64Array.from(vals, (v) => BigInt(v));
    }
    default: {
      check(t.int32Data?.length ?? 0);
      const vals = t.int32Data ?? [];
      switch (dtype) {
        case 'int32': return Int32Array.from(vals);
        case 'int16': return Int16Array.from(vals);
        case 'uint16': case 'float16': case 'bfloat16': return Uint16Array.from(vals);
        case 'int8': return Int8Array.from(vals);
        default: return Uint8Array.from(vals);
      }
    }
  }
}

function lazyEmpty(dtype: DType): TensorValues {
  return dtype === 'string' ? [] : new Uint8Array(0);
}

/** Reads an external-data tensor, refusing any location outside the model's folder. */
function readExternal(t: onnx.ITensorProto, nbytes: number, ctx: Ctx, name: string): Uint8Array {
  const kv = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const location = kv.get('location');
  if (!location) throw new ModelError(`tensor ${name}: external data without a location`);
  if (!ctx.baseDir) throw new ModelError(`tensor ${name}: external data needs the model's folder; read the model from a file`);
  if (path.isAbsolute(location) || /^[a-zA-Z]:[\\/]/.test(location)) {
    throw new ModelError(`tensor ${name}: external data location "${location}" is an absolute path; it must be relative to the model's folder`);
  }
  const base = fs.realpathSync(ctx.baseDir);
  const target = path.resolve(base, location);
  const inside = (p: string) => p === base || p.startsWith(base + path.sep);
  if (!inside(target)) throw new ModelError(`tensor ${name}: external data location "${location}" escapes the model's folder`);
  let real: string;
  try {
    real = fs.realpathSync(target);
  } catch {
    throw new ModelError(`tensor ${name}: external data file "${location}" does not exist`);
  }
  if (!inside(real)) throw new ModelError(`tensor ${name}: external data location "${location}" links outside the model's folder`);
  const offset = Number(kv.get('offset') ?? '0');
  const length = kv.has('length') ? Number(kv.get('length')) : nbytes;
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new ModelError(`tensor ${name}: external data offset/length are not valid byte counts`);
  }
  if (length !== nbytes) throw new ModelError(`tensor ${name}: external data length ${length} does not match its dims (${nbytes} bytes)`);
  const size = fs.statSync(real).size;
  if (offset + length > size) {
    throw new ModelError(`tensor ${name}: external data "${location}" is ${size} bytes, too short for offset ${offset} + length ${length}`);
  }
  const buf = Buffer.allocUnsafe(length);
  const fd = fs.openSync(real, 'r');
  try {
    let done = 0;
    while (done < length) {
      const n = fs.readSync(fd, buf, done, length - done, offset + done);
      if (n <= 0) throw new ModelError(`tensor ${name}: external data "${location}" ended early`);
      done += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return buf;
}

function readSparse(s: onnx.ISparseTensorProto, ctx: Ctx): Tensor {
  const values = readTensor(s.values ?? {}, ctx);
  const indices = readTensor(s.indices ?? {}, ctx);
  const dims = (s.dims ?? []).map((d) => num(d as LongLike, 'sparse tensor dimension'));
  let count = 1;
  for (const d of dims) count *= d;
  if (!Number.isSafeInteger(count) || count > 2 ** 31) throw new ModelError(`sparse tensor ${values.name} dims overflow`);
  const Dense = (values.data as unknown as { constructor: new (n: number) => Exclude<TensorValues, string[]> }).constructor;
  const dense = new Dense(count * (values.dtype === 'int64' ? 1 : 1));
  const idx = (indices.data as BigInt64Array);
  const nnz = values.dims[0] ?? 0;
  const rank = dims.length;
  const strides = dims.map((_, i) => dims.slice(i + 1).reduce((a, b) => a * b, 1));
  for (let k = 0; k < nnz; k++) {
    let flat = 0;
    if (indices.dims.length === 1) flat = Number(idx[k]);
    else for (let r = 0; r < rank; r++) flat += Number(idx[k * rank + r]) * strides[r];
    if (flat < 0 || flat >= count) throw new ModelError(`sparse tensor ${values.name} has an index out of range`);
    (dense as unknown as number[])[flat] = (values.data as unknown as number[])[k];
  }
  return { name: values.name, dtype: values.dtype, dims, data: dense };
}

/** Reads a serialized ONNX TensorProto (.pb, as in ONNX's test_data_set_N folders). */
export function readTensorFile(file: string): Tensor {
  const bytes = fs.readFileSync(file);
  let proto: onnx.TensorProto;
  try {
    proto = onnx.TensorProto.decode(numberReader(bytes));
  } catch (e) {
    throw new ModelError(`${file} is not an ONNX TensorProto (${(e as Error).message})`);
  }
  return readTensor(proto, { baseDir: path.dirname(path.resolve(file)), skipExternal: false });
}
