// Reads an ONNX ModelProto (protobufjs static code in src/generated/onnx) into the IR of src/ir/types.ts.
// Only this module, its tensor-reader.ts and src/onnx/writer.ts import the generated code.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from '../generated/onnx/onnx.js';
import { numberReader } from './number-reader';
import { ONNX_DTYPES } from '../ir/tensor';
import { type LongLike, type ReadCtx, looseNum, num, readSparse, readTensor } from './tensor-reader';

/** The read's context; `inFunction` while reading a function body, whose subgraphs' nodes may refer to the function's attributes. */
interface Ctx extends ReadCtx { inFunction?: boolean }
import { GraphField, ModelField, Wire, repeatedNodeName, tagOf, unnamedNodeName } from './fields';
import { AttrValue, Graph, Model, ModelError, Node, Shape, Tensor, ValueInfo } from '../ir/types';
import { sortAndValidate } from '../ir/validate';
import { type AttrRef, type FunctionNode, type OnnxFunction, inlineFunctions } from './functions';

export interface ReadOptions {
  /** Folder external data is resolved against and confined to (default: the model's folder). */
  baseDir?: string;
  /** Skip loading external tensor data (inspect can count parameters from dims alone). */
  skipExternalData?: boolean;
}

const MAX_PROTO_BYTES = 2 ** 31 - 1;

export function readModelFile(file: string, opts: ReadOptions = {}): Model {
  const bytes = readModelBytes(file);
  const model = decodeModel(bytes, { baseDir: path.dirname(path.resolve(file)), ...opts });
  model.path = path.resolve(file);
  return model;
}

/** The file's bytes, or one clear error for a missing, empty or oversized file. */
export function readModelBytes(file: string): Uint8Array {
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
  const bytes = readModelBytes(file);
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
  const body: Ctx = { ...ctx, inFunction: true };
  const nodes: FunctionNode[] = (f.node ?? []).map((n, i) => {
    const name = n.name ?? '';
    const [refs, plain] = attrRefs(n.attribute ?? []);
    const node: FunctionNode = {
      name, opType: n.opType ?? '',
      domain: n.domain === 'ai.onnx' ? '' : (n.domain ?? ''),
      inputs: [...(n.input ?? [])], outputs: [...(n.output ?? [])],
      attrs: readAttrs(plain, body, scope, name || `${fname}/${n.opType}_${i}`),
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

/** A function body node's attributes given by reference to the function's (`ref_attr_name`), and the others. */
function attrRefs(list: onnx.IAttributeProto[]): [Map<string, AttrRef>, onnx.IAttributeProto[]] {
  const refs = new Map<string, AttrRef>();
  const plain: onnx.IAttributeProto[] = [];
  for (const a of list) {
    if (a.refAttrName) refs.set(a.name ?? '', { ref: a.refAttrName, type: attrTypeName(a.type ?? 0) });
    else plain.push(a);
  }
  return [refs, plain];
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
    // Inside a function body (an If branch of onnxscript's aten_convolution) attributes may name the function's.
    const [refs, plain] = ctx.inFunction ? attrRefs(n.attribute ?? []) : [undefined, n.attribute ?? []];
    const node: FunctionNode = {
      name,
      opType: n.opType ?? '',
      domain: n.domain === 'ai.onnx' ? '' : (n.domain ?? ''),
      inputs: [...(n.input ?? [])],
      outputs: [...(n.output ?? [])],
      attrs: readAttrs(plain, ctx, inner, name),
    };
    if (refs?.size) node.refs = refs;
    return node;
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
  if (!tt) {
    const kind = vi.type?.optionalType ? 'optional' : vi.type?.sequenceType ? 'sequence' : vi.type?.mapType ? 'map' : undefined;
    return { name, dtype: undefined, shape: undefined, ...(kind ? { kind } : {}) };
  }
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

export { readTensor, readTensorFile } from './tensor-reader';
