// A tiny model builder for tests and scripts: a Model from nodes, initializers and inputs in a few lines.
//   const m = buildModel({ inputs: [['x', 'float32', [1, 3]]], outputs: ['y'],
//     nodes: [node('Relu', ['x'], ['y'])] });
import { inferShapes } from '../ir/shapes/index';
import { makeTensor } from '../ir/tensor';
import { AttrValue, DType, Graph, Model, Node, Shape, Tensor, ValueInfo } from '../ir/types';
import { sortAndValidate } from '../ir/validate';

export type AttrInput = number | string | number[] | string[] | Tensor | Graph | AttrValue;

function toAttr(v: AttrInput): AttrValue {
  if (typeof v === 'number') return Number.isInteger(v) ? { type: 'int', value: v } : { type: 'float', value: v };
  if (typeof v === 'string') return { type: 'string', value: v };
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string') return { type: 'strings', value: v as string[] };
    return (v as number[]).every(Number.isInteger) ? { type: 'ints', value: v as number[] } : { type: 'floats', value: v as number[] };
  }
  if ('type' in v && 'value' in v) return v as AttrValue;
  if ('nodes' in v) return { type: 'graph', value: v };
  return { type: 'tensor', value: v as Tensor };
}

let counter = 0;
/** A node; `attrs` values: ints/floats/strings (lists too), tensors, graphs; use { type: 'float', value: 1 } for a whole float. */
export function node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrInput> = {}, name?: string): Node {
  return {
    name: name ?? `${opType}_${counter++}`,
    opType, domain: '', inputs, outputs,
    attrs: new Map(Object.entries(attrs).map(([k, v]) => [k, toAttr(v)])),
  };
}

export function tensor(name: string, dtype: DType, dims: number[], values: ArrayLike<number>): Tensor {
  return makeTensor(name, dtype, dims, values);
}

export type IoSpec = [name: string, dtype: DType, shape: Shape] | ValueInfo;

function vi(s: IoSpec | string): ValueInfo {
  if (typeof s === 'string') return { name: s, dtype: undefined, shape: undefined };
  return Array.isArray(s) ? { name: s[0], dtype: s[1], shape: s[2] } : s;
}

export interface GraphSpec {
  name?: string;
  nodes: Node[];
  inputs: IoSpec[];
  outputs: (IoSpec | string)[];
  initializers?: Tensor[];
}

export function buildGraph(spec: GraphSpec, outerScope?: Set<string>): Graph {
  const inputs = spec.inputs.map(vi);
  const outputs = spec.outputs.map(vi);
  const initializers = new Map((spec.initializers ?? []).map((t) => [t.name, t]));
  const values = new Map<string, ValueInfo>();
  for (const v of [...inputs, ...outputs]) values.set(v.name, v);
  for (const t of initializers.values()) values.set(t.name, { name: t.name, dtype: t.dtype, shape: [...t.dims] });
  const g: Graph = { name: spec.name ?? 'graph', nodes: spec.nodes, inputs, outputs, initializers, values };
  if (outerScope) g.outerScope = outerScope;
  return g;
}

export interface ModelSpec extends GraphSpec {
  opset?: number;
  producer?: string;
  /** Run shape inference so outputs get dtype and shape (default true). */
  infer?: boolean;
}

/** Builds, validates (topological order, missing inputs) and shape-infers a model. */
export function buildModel(spec: ModelSpec): Model {
  const graph = buildGraph(spec);
  sortAndValidate(graph);
  const model: Model = {
    irVersion: 8, producerName: spec.producer ?? 'onnx2lite', producerVersion: '', domain: '', modelVersion: 1,
    docString: '', opsets: new Map([['', spec.opset ?? 13]]), graph, metadata: new Map(),
  };
  if (spec.infer ?? true) inferShapes(model);
  return model;
}
