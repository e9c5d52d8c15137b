// The format-neutral graph model every part of onnx2lite works on.
// The ONNX reader (src/onnx/) fills it; shape inference (src/ir/shapes/) completes it; the converter,
// the inspector and the graph view read it. Nothing here knows about protobuf or flatbuffers.

export type DType =
  | 'float32' | 'float16' | 'bfloat16' | 'float64'
  | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64'
  | 'bool' | 'string' | 'complex64' | 'complex128'
  | 'float8e4m3fn' | 'float8e4m3fnuz' | 'float8e5m2' | 'float8e5m2fnuz' | 'uint4' | 'int4';

/** A dimension: a known size, or a symbolic name (ONNX dim_param, or one made up by shape inference). */
export type Dim = number | string;
export type Shape = Dim[];

/** Element storage per dtype: float16/bfloat16 keep their raw bits in a Uint16Array; bool is a Uint8Array of 0/1. */
export type TensorValues =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array
  | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | string[];

/** A tensor with known contents (initializer, Constant output, or a value folded by shape inference). */
export interface Tensor {
  name: string;
  dtype: DType;
  dims: number[];
  data: TensorValues;
}

/** What is known about a value flowing through the graph. `shape` undefined means the rank is unknown. */
export interface ValueInfo {
  name: string;
  dtype: DType | undefined;
  shape: Shape | undefined;
  /** A declared value that is no tensor (a graph input of sequence or optional type). */
  kind?: 'sequence' | 'optional' | 'map';
}

export type AttrValue =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: Tensor }
  | { type: 'graph'; value: Graph }
  | { type: 'floats'; value: number[] }
  | { type: 'ints'; value: number[] }
  | { type: 'strings'; value: string[] }
  | { type: 'tensors'; value: Tensor[] }
  | { type: 'graphs'; value: Graph[] }
  | { type: 'unsupported'; value: string };

export interface Node {
  /** The ONNX node name; when the file has none, the reader makes a unique one from op type and index. */
  name: string;
  opType: string;
  /** '' for the default ONNX domain (ai.onnx). */
  domain: string;
  /** Input value names; '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attrs: Map<string, AttrValue>;
}

export interface Graph {
  name: string;
  nodes: Node[];
  /** Graph inputs that are not initializers (the values a caller feeds). */
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: Map<string, Tensor>;
  /** Every value's dtype and shape: declared value_info first, completed by shape inference. */
  values: Map<string, ValueInfo>;
  /** Names visible from an enclosing graph that this (sub)graph reads. */
  outerScope?: Set<string>;
}

export interface Model {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  /** domain ('' = ai.onnx) → opset version. */
  opsets: Map<string, number>;
  graph: Graph;
  metadata: Map<string, string>;
  /** Absolute path of the file it was read from, when read from a file. */
  path?: string;
}

/** A user-facing error: one clear line, no stack trace. `node` names the ONNX node when there is one. */
export class ModelError extends Error {
  readonly node?: string;
  constructor(message: string, node?: string) {
    super(message);
    this.name = 'ModelError';
    this.node = node;
  }
}

export function isStaticShape(shape: Shape | undefined): shape is number[] {
  return shape !== undefined && shape.every((d) => typeof d === 'number');
}

export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

export function opsetOf(model: Model, domain = ''): number {
  return model.opsets.get(domain) ?? model.opsets.get('ai.onnx') ?? 0;
}
