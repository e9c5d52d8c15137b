// Small helpers over a TFLite subgraph for the quantization passes (the walks themselves: src/tflite/graph.ts):
// float activations, unique names, pruning with the `onnx2lite` metadata's tensor indices kept in step.
import type { ConvertResult } from '../convert/convert';
import { metadataBytes, type OnnxLiteMetadata } from '../convert/metadata';
import type { TflSubgraph, TflTensor } from '../tflite/model';
import { compactTensors, consumersOf as consumers, isConst, opHistogram, producersOf as producers, shareEqualConstants as shareConstants } from '../tflite/graph';

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

/** Ops read one tensor for equal constants (same type, shape, quantization and bytes; not model inputs or outputs):
 *  the int8 pass makes a quantized copy per float constant, so each of a model's HardSigmoids had its own four
 *  scalars (PP-OCR cls: 33 tensors, 1% of the int8 file). pruneTensors then drops the copies. Returns how many. */
export function shareEqualConstants(sg: TflSubgraph): number {
  return shareConstants(sg.tensors, sg.operators, new Set([...sg.inputs, ...sg.outputs]));
}

/** Integer constants named after their float source (`w_int8`, `b_int32`) take the source's name once it is gone
 *  (the type says the rest; 4-8 bytes a tensor). A name still in use (a DEQUANTIZE's output) keeps the suffix. */
export function dropTypeSuffixes(sg: TflSubgraph): void {
  const names = new Set(sg.tensors.map((t) => t.name));
  for (const t of sg.tensors) {
    const m = /^(.+)_int(8|32|64)$/.exec(t.name);
    if (!m || !isConst(t) || t.type !== `INT${m[2]}` || names.has(m[1])) continue;
    names.delete(t.name);
    t.name = m[1];
    names.add(t.name);
  }
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
  result.model.metadata.set('onnx2lite', metadataBytes(metadata));
}

export function histogram(result: ConvertResult): void {
  const h = opHistogram(result.model.subgraphs.flatMap((sg) => sg.operators));
  result.opHistogram = h;
  result.transposeCount = h.TRANSPOSE ?? 0;
}
