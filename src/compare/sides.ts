// A .tflite under comparison: its parsed model, its `onnx2lite` mapping (or one made up from its inputs and outputs
// by name and shape when it has none), and how each mapped tensor is read back from LiteRT.
import type { Graph, Tensor } from '../ir/types';
import { ModelError } from '../ir/types';
import { valuesFromBytes } from '../ir/tensor';
import { withProducers, type OnnxLiteMetadata, type TensorMapping } from '../convert/metadata';
import { channelLast, identity, permute } from '../convert/layout';
import type { TflModel, TflTensor } from '../tflite/model';
import { layoutMetadata } from '../deploy/tensors';
import type { Precision } from './divergence';
import { computedTensors, isQuantizedTensor, tapKind } from './tap';

export interface Side {
  label: string;
  model: TflModel;
  meta: OnnxLiteMetadata;
  /** False when the file has no onnx2lite metadata (meta then maps the inputs and outputs only). */
  hasMetadata: boolean;
  layers: Map<string, TensorMapping>;
  outputs: Map<string, TensorMapping>;
  computed: Set<number>;
  inputs: Set<number>;
  precision: Precision;
}

/** How a mapped tensor's values are obtained: from the fed inputs, from a constant, by a tap, or not at all. */
export type ReadPlan = { kind: 'input' | 'const' | 'tap'; tensor: number } | { kind: 'none'; reason: string };

export function precisionOf(model: TflModel): Precision {
  const ts = model.subgraphs[0]!.tensors;
  if (ts.some(isQuantizedTensor)) return 'quantized';
  return ts.some((t) => t.type === 'FLOAT16') ? 'float16' : 'float32';
}

/** The `onnx2lite` metadata entry (deploy's reader checks its shape), tensors included. */
export function readMetadata(model: TflModel): OnnxLiteMetadata | undefined {
  const m = layoutMetadata(model) as OnnxLiteMetadata | undefined;
  return m && { ...m, tensors: Array.isArray(m.tensors) ? m.tensors : [] };
}

/** Shapes agree where both are known (symbolic ONNX dims match anything). */
function fits(onnx: (number | string)[] | undefined, tfl: number[]): boolean {
  return !onnx || (onnx.length === tfl.length && onnx.every((d, i) => typeof d !== 'number' || d === tfl[i]));
}

/** Maps a .tflite's inputs and outputs to the ONNX graph's by name, else by shape, else by position. */
function guessMapping(graph: Graph, model: TflModel): OnnxLiteMetadata {
  const sg = model.subgraphs[0]!;
  const match = (onnxList: Graph['inputs'], tflList: number[], what: string): TensorMapping[] => {
    const taken = new Set<string>();
    return tflList.map((ti, k) => {
      const t = sg.tensors[ti]!;
      const shapeOf = (name: string) => graph.values.get(name)?.shape ?? onnxList.find((v) => v.name === name)?.shape;
      const perms = [identity(t.shape.length), ...(t.shape.length >= 3 ? [channelLast(t.shape.length)] : [])];
      const fitsWith = (name: string) => perms.find((p) => fits(shapeOf(name) && permute(shapeOf(name)!, p), t.shape));
      const free = onnxList.filter((v) => !taken.has(v.name));
      const v = free.find((x) => x.name === t.name) ?? (free.filter((x) => fitsWith(x.name)).length === 1 ? free.find((x) => fitsWith(x.name)) : undefined)
        ?? (onnxList[k] && !taken.has(onnxList[k]!.name) ? onnxList[k] : undefined);
      if (!v) throw new ModelError(`TFLite ${what} '${t.name}' matches no ONNX ${what} by name, shape or position`);
      taken.add(v.name);
      return { onnx: v.name, tflite: ti, perm: fitsWith(v.name) ?? identity(t.shape.length) };
    });
  };
  return { version: 1, source: '', inputs: match(graph.inputs, sg.inputs, 'input'), outputs: match(graph.outputs, sg.outputs, 'output'), tensors: [] };
}

export function makeSide(label: string, model: TflModel, graph: Graph): Side {
  const sg = model.subgraphs[0];
  if (!sg) throw new ModelError(`${label} has no subgraph`);
  const found = readMetadata(model);
  const meta = found ? withProducers(found, graph) : guessMapping(graph, model);
  return {
    label, model, meta, hasMetadata: !!found,
    layers: new Map(meta.tensors.filter((m) => m.node !== undefined).map((m) => [m.onnx, m])),
    outputs: new Map(meta.outputs.map((m) => [m.onnx, m])),
    computed: computedTensors(model),
    inputs: new Set(sg.inputs),
    precision: precisionOf(model),
  };
}

export function readPlan(side: Side, m: TensorMapping | undefined): ReadPlan {
  if (!m) return { kind: 'none', reason: 'not mapped in this .tflite' };
  const t = side.model.subgraphs[0]!.tensors[m.tflite];
  if (!t) return { kind: 'none', reason: `TFLite tensor ${m.tflite} does not exist` };
  if (side.inputs.has(m.tflite)) return { kind: 'input', tensor: m.tflite };
  if (t.data) return t.type === 'FLOAT32' || t.type === 'INT32' ? { kind: 'const', tensor: m.tflite } : { kind: 'none', reason: `constant ${t.type} tensor` };
  if (!side.computed.has(m.tflite)) return { kind: 'none', reason: 'no operator computes it' };
  if (!tapKind(t)) return { kind: 'none', reason: `LiteRT.js cannot read ${t.type} tensors` };
  return { kind: 'tap', tensor: m.tflite };
}

/** A constant TFLite tensor's values. */
export function constValue(t: TflTensor): Tensor {
  const n = t.shape.reduce((a, b) => a * b, 1);
  const dtype = t.type === 'INT32' ? 'int32' : 'float32';
  return { name: t.name, dtype, dims: [...t.shape], data: valuesFromBytes(dtype, t.data!, n) };
}

/** Elements of a tensor as float32 bytes (what one tap holds in memory). */
export function tapBytes(side: Side, m: TensorMapping | undefined): number {
  const t = m && side.model.subgraphs[0]!.tensors[m.tflite];
  return t ? 4 * t.shape.reduce((a, b) => a * Math.max(1, b), 1) : 0;
}
