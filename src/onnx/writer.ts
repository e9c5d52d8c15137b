// Writes the IR back to ONNX ModelProto bytes (the inverse of reader.ts). Tests use it to hand models to
// onnxruntime; the converter can use it to save an edited ONNX graph.
import { onnx } from '../generated/onnx/onnx.js';
import { DTYPE_TO_ONNX, packNibbles, tensorBytes } from '../ir/tensor';
import { AttrValue, Graph, Model, Tensor, ValueInfo } from '../ir/types';
import type { FunctionNode, OnnxFunction } from './functions';
import type Long from 'long';

export interface WriteOptions {
  /** Write graph.values of intermediate values as value_info (default true). */
  valueInfo?: boolean;
  /**
   * Initializers stored outside the model, by name: the writer records the location and leaves the bytes out;
   * the caller writes `tensorBytes(t)` to `location` at `offset`.
   */
  external?: Map<string, { location: string; offset?: number; length?: number }>;
  /** Model-local functions to write beside the graph (ModelProto.functions); the graph's nodes may call them. */
  functions?: OnnxFunction[];
}

export function encodeModel(model: Model, opts: WriteOptions = {}): Uint8Array {
  const proto: onnx.IModelProto = {
    irVersion: model.irVersion || 8,
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    domain: model.domain,
    modelVersion: model.modelVersion,
    docString: model.docString,
    opsetImport: [...model.opsets].map(([domain, version]) => ({ domain, version })),
    graph: graphProto(model.graph, opts.valueInfo ?? true, opts.external),
    metadataProps: [...model.metadata].map(([key, value]) => ({ key, value })),
    functions: (opts.functions ?? []).map((f) => functionProto(f, opts.valueInfo ?? true)),
  };
  return onnx.ModelProto.encode(proto as onnx.ModelProto.$Properties).finish();
}

export function encodeTensor(t: Tensor): Uint8Array {
  return onnx.TensorProto.encode(tensorProto(t) as onnx.TensorProto.$Properties).finish();
}

type External = WriteOptions['external'];

function graphProto(g: Graph, withValueInfo: boolean, external?: External): onnx.IGraphProto {
  const io = new Set([...g.inputs.map((v) => v.name), ...g.outputs.map((v) => v.name), ...g.initializers.keys()]);
  return {
    name: g.name,
    node: g.nodes.map((n) => ({
      name: n.name,
      opType: n.opType,
      domain: n.domain,
      input: n.inputs,
      output: n.outputs,
      attribute: [...[...n.attrs].map(([name, a]) => attrProto(name, a, withValueInfo)).filter((a): a is onnx.IAttributeProto => !!a),
        ...refProtos(n)],
    })),
    initializer: [...g.initializers.values()].map((t) => externalProto(t, external?.get(t.name))),
    input: g.inputs.map(valueInfoProto),
    output: g.outputs.map(valueInfoProto),
    valueInfo: withValueInfo ? [...g.values.values()].filter((v) => !io.has(v.name) && v.dtype).map(valueInfoProto) : [],
  };
}

/** A function body node's attributes given by reference (also the nodes of a body's subgraphs: an If branch). */
function refProtos(n: FunctionNode): onnx.IAttributeProto[] {
  const T = onnx.AttributeProto.AttributeType;
  const types: Record<string, number> = { float: T.FLOAT, int: T.INT, string: T.STRING, tensor: T.TENSOR, graph: T.GRAPH, floats: T.FLOATS, ints: T.INTS, strings: T.STRINGS, tensors: T.TENSORS, graphs: T.GRAPHS };
  return [...n.refs ?? []].map(([name, r]) => ({ name, refAttrName: r.ref, type: types[r.type] ?? T.UNDEFINED }));
}

function functionProto(f: OnnxFunction, vi: boolean): onnx.IFunctionProto {
  return {
    name: f.name, domain: f.domain, input: f.inputs, output: f.outputs, attribute: f.attributes,
    attributeProto: [...f.defaults].map(([name, a]) => attrProto(name, a, vi)).filter((a): a is onnx.IAttributeProto => !!a),
    opsetImport: [...f.opsets].map(([domain, version]) => ({ domain, version })),
    node: f.nodes.map((n) => ({
      name: n.name, opType: n.opType, domain: n.domain, input: n.inputs, output: n.outputs,
      attribute: [
        ...[...n.attrs].map(([name, a]) => attrProto(name, a, vi)).filter((a): a is onnx.IAttributeProto => !!a),
        ...refProtos(n),
      ],
    })),
  };
}

function valueInfoProto(v: ValueInfo): onnx.IValueInfoProto {
  if (!v.dtype) return { name: v.name };
  const tensorType: onnx.TypeProto.ITensor = { elemType: DTYPE_TO_ONNX[v.dtype] };
  if (v.shape) tensorType.shape = { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) };
  return { name: v.name, type: { tensorType } };
}

function externalProto(t: Tensor, ext: NonNullable<External> extends Map<string, infer E> ? E | undefined : never): onnx.ITensorProto {
  if (!ext) return tensorProto(t);
  const entries = [{ key: 'location', value: ext.location }];
  if (ext.offset !== undefined) entries.push({ key: 'offset', value: String(ext.offset) });
  if (ext.length !== undefined) entries.push({ key: 'length', value: String(ext.length) });
  return { name: t.name, dataType: DTYPE_TO_ONNX[t.dtype], dims: t.dims, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData: entries };
}

export function tensorProto(t: Tensor): onnx.ITensorProto {
  const p: onnx.ITensorProto = { name: t.name, dataType: DTYPE_TO_ONNX[t.dtype], dims: t.dims };
  if (Array.isArray(t.data)) p.stringData = t.data.map((s) => new TextEncoder().encode(s));
  else p.rawData = t.dtype === 'int4' || t.dtype === 'uint4' ? packNibbles(t.data as ArrayLike<number>) : tensorBytes(t);
  return p;
}

// The reader gives int64 attributes as numbers, so INT64_MAX (PyTorch's open-ended Slice `ends` below opset 10)
// arrives as 2^63; protobufjs would encode that number as INT64_MIN, an empty slice for onnxruntime. Values past the
// int64 range are written as its ends.
const INT64_MAX = { low: 0xffffffff, high: 0x7fffffff, unsigned: false } as unknown as Long;
const int64 = (v: number): number | Long => (v >= 2 ** 63 ? INT64_MAX : Math.max(v, -(2 ** 63)));

function attrProto(name: string, a: AttrValue, vi: boolean): onnx.IAttributeProto | undefined {
  const T = onnx.AttributeProto.AttributeType;
  const enc = new TextEncoder();
  switch (a.type) {
    case 'float': return { name, type: T.FLOAT, f: a.value };
    case 'int': return { name, type: T.INT, i: int64(a.value) };
    case 'string': return { name, type: T.STRING, s: enc.encode(a.value) };
    case 'tensor': return { name, type: T.TENSOR, t: tensorProto(a.value) };
    case 'graph': return { name, type: T.GRAPH, g: graphProto(a.value, vi) };
    case 'floats': return { name, type: T.FLOATS, floats: a.value };
    case 'ints': return { name, type: T.INTS, ints: a.value.map(int64) };
    case 'strings': return { name, type: T.STRINGS, strings: a.value.map((s) => enc.encode(s)) };
    case 'tensors': return { name, type: T.TENSORS, tensors: a.value.map(tensorProto) };
    case 'graphs': return { name, type: T.GRAPHS, graphs: a.value.map((g) => graphProto(g, vi)) };
    default: return undefined;
  }
}
