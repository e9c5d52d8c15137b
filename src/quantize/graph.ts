// Small helpers over a TFLite subgraph for the quantization passes (the walks themselves: src/tflite/graph.ts):
// float activations, unique names, pruning with the `onnx2lite` metadata's tensor indices kept in step.
import type { ConvertResult } from '../convert/convert';
import type { OnnxLiteMetadata } from '../convert/metadata';
import type { TflSubgraph, TflTensor } from '../tflite/model';
import { compactTensors, consumersOf as consumers, isConst, opHistogram, producersOf as producers } from '../tflite/graph';

export { isConst };

/** A float32 tensor computed by the graph (not a constant). */
export function isFloatActivation(t: TflTensor): boolean {
  return t.type === 'FLOAT32' && !isConst(t);
}

/** Tensor index → the ops that read it (src/tflite/graph.ts). */
export function consumersOf(sg: TflSubgraph): Map<number, number[]> {
  return consumers(sg.operators);
}

/** Tensor index → the op that writes it (src/tflite/graph.ts). */
export function producersOf(sg: TflSubgraph): Map<number, number> {
  return producers(sg.operators);
}

export function uniqueNamer(sg: TflSubgraph): (base: string) => string {
  const names = new Set(sg.tensors.map((t) => t.name));
  return (base: string) => {
    let n = base;
    let k = 1;
    while (names.has(n)) n = `${base}_${k++}`;
    names.add(n);
    return n;
  };
}

/** Drops tensors no op, input or output references; rewrites op indices and the metadata. */
export function pruneTensors(result: ConvertResult): void {
  const sg = result.model.subgraphs[0];
  const { kept, remap } = compactTensors(sg.tensors, sg.operators, sg.inputs, sg.outputs);
  sg.tensors = kept;
  sg.inputs = sg.inputs.map((i) => remap.get(i)!);
  sg.outputs = sg.outputs.map((o) => remap.get(o)!);
  const md = result.metadata;
  const fix = (list: OnnxLiteMetadata['tensors']) => list
    .filter((m) => remap.has(m.tflite))
    .map((m) => ({ ...m, tflite: remap.get(m.tflite)! }));
  const metadata: OnnxLiteMetadata = { ...md, inputs: fix(md.inputs), outputs: fix(md.outputs), tensors: fix(md.tensors) };
  result.metadata = metadata;
  result.model.metadata.set('onnx2lite', new TextEncoder().encode(JSON.stringify(metadata)));
}

export function histogram(result: ConvertResult): void {
  const h = opHistogram(result.model.subgraphs.flatMap((sg) => sg.operators));
  result.opHistogram = h;
  result.transposeCount = h.TRANSPOSE ?? 0;
}
