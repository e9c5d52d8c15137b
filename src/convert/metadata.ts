// The `onnx2lite` metadata entry of a converted .tflite: how its tensors map to the ONNX model (a public contract).
import type { DType, Graph, Tensor } from '../ir/types';
import { tensorFromNumbers } from '../ir/fold-kernels';
import type { ConvertContext } from './context';
import type { Perm } from './layout';

export interface TensorMapping {
  onnx: string;
  tflite: number;
  /** TFLite dim i = ONNX dim perm[i]. */
  perm: number[];
  /** Set when the TFLite type differs from the ONNX one (int64 stored as int32). */
  onnxDtype?: string;
  /** The ONNX node that produced it (absent for model inputs and constants). Not written into the file (readers
   *  take it from the ONNX model: `withProducers`): 28% of a small model's metadata (fr_age int8: 1,245 of 4,503 bytes). */
  node?: string;
}

export interface OnnxLiteMetadata {
  version: 1;
  source: string;
  inputs: TensorMapping[];
  outputs: TensorMapping[];
  tensors: TensorMapping[];
  /** Inputs frozen to constants at conversion (--input-value): not inputs of the .tflite, but the ONNX model still
   *  takes them (compare and deploy feed these values to onnxruntime). */
  inputValues?: { onnx: string; dtype: string; dims: number[]; values: number[] }[];
}

/** The metadata entry's bytes as written into the .tflite: UTF-8 JSON without the entries' `node` (the ONNX model
 *  says which node produces each value; `withProducers` puts it back). */
export function metadataBytes(md: OnnxLiteMetadata): Uint8Array {
  const lean = (list: TensorMapping[]) => list.map(({ node: _node, ...m }) => m);
  return new TextEncoder().encode(JSON.stringify({ ...md, inputs: lean(md.inputs), outputs: lean(md.outputs), tensors: lean(md.tensors) }));
}

/** The entries' producing ONNX nodes, from the ONNX graph where the file does not give them (values of the model's
 *  top-level graph; graph inputs and values of inlined bodies have none). */
export function withProducers(md: OnnxLiteMetadata, g: Graph): OnnxLiteMetadata {
  const producer = new Map<string, string>();
  for (const n of g.nodes) for (const o of n.outputs) if (o) producer.set(o, n.name);
  const fill = (list: TensorMapping[]) => list.map((m) => {
    const node = m.node ?? producer.get(m.onnx);
    return node === undefined ? m : { ...m, node };
  });
  return { ...md, inputs: fill(md.inputs), outputs: fill(md.outputs), tensors: fill(md.tensors) };
}

/** The frozen inputs of a converted model as tensors for the ONNX side. */
export function frozenInputs(meta: Pick<OnnxLiteMetadata, 'inputValues'> | undefined): Tensor[] {
  return (meta?.inputValues ?? []).map((v) => tensorFromNumbers(v.onnx, v.dtype as DType, v.dims, v.values));
}

export function buildMetadata(ctx: ConvertContext, g: Graph, source: string, remap: Map<number, number>,
  inputs: { name: string; index: number; perm: Perm }[], outputs: { name: string; index: number; perm: Perm }[],
  /** The source model's value names: values the clean-up made up (a fused projection, a merged head split) are left out. */
  onnxNames?: Set<string>): OnnxLiteMetadata {
  const producer = new Map<string, string>();
  for (const n of g.nodes) for (const o of n.outputs) if (o) producer.set(o, n.name);
  const entry = (name: string, index: number, perm: Perm): TensorMapping => {
    const m: TensorMapping = { onnx: name, tflite: index, perm: [...perm] };
    const nd = ctx.narrowed.get(name);
    if (nd) m.onnxDtype = nd;
    const p = producer.get(name);
    if (p) m.node = p;
    return m;
  };
  const tensors: TensorMapping[] = [];
  for (const [name, ref] of ctx.convertedValues()) {
    const idx = remap.get(ref.index);
    if (idx === undefined) continue;
    if (ctx.isConstant(name) || (onnxNames && !onnxNames.has(name))) continue;
    tensors.push(entry(name, idx, ref.perm));
  }
  for (const name of ctx.aliasNames()) {
    const ref = ctx.primaryOf(name);
    const idx = ref && remap.get(ref.index);
    if (!ref || idx === undefined || ctx.isConstant(name) || (onnxNames && !onnxNames.has(name))) continue;
    tensors.push(entry(name, idx, ref.perm));
  }
  return {
    version: 1,
    source: source.split(/[\\/]/).pop() ?? source,
    inputs: inputs.map((i) => entry(i.name, i.index, i.perm)),
    outputs: outputs.map((o) => entry(o.name, o.index, o.perm)),
    tensors,
  };
}
