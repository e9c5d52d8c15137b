// Small helpers over a TFLite subgraph for the quantization passes: constants, consumers, pruning with the
// `onnx2lite` metadata's tensor indices kept in step.
import type { ConvertResult } from '../convert/convert';
import type { OnnxLiteMetadata } from '../convert/metadata';
import type { TflSubgraph, TflTensor } from '../tflite/model';

export function isConst(t: TflTensor): boolean {
  return t.data !== undefined && t.data.byteLength > 0;
}

/** A float32 tensor computed by the graph (not a constant). */
export function isFloatActivation(t: TflTensor): boolean {
  return t.type === 'FLOAT32' && !isConst(t);
}

export function consumersOf(sg: TflSubgraph): Map<number, number[]> {
  const use = new Map<number, number[]>();
  sg.operators.forEach((op, k) => {
    for (const i of op.inputs) {
      if (i < 0) continue;
      const l = use.get(i) ?? [];
      if (!l.includes(k)) l.push(k);
      use.set(i, l);
    }
  });
  return use;
}

export function producersOf(sg: TflSubgraph): Map<number, number> {
  const p = new Map<number, number>();
  sg.operators.forEach((op, k) => op.outputs.forEach((o) => p.set(o, k)));
  return p;
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
  const used = new Set<number>([...sg.inputs, ...sg.outputs]);
  for (const op of sg.operators) {
    for (const i of op.inputs) if (i >= 0) used.add(i);
    for (const o of op.outputs) used.add(o);
  }
  const remap = new Map<number, number>();
  const kept: TflTensor[] = [];
  sg.tensors.forEach((t, i) => { if (used.has(i)) { remap.set(i, kept.length); kept.push(t); } });
  sg.tensors = kept;
  for (const op of sg.operators) {
    op.inputs = op.inputs.map((i) => (i < 0 ? -1 : remap.get(i)!));
    op.outputs = op.outputs.map((o) => remap.get(o)!);
  }
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
  const h: Record<string, number> = {};
  for (const sg of result.model.subgraphs) for (const op of sg.operators) h[op.opcode] = (h[op.opcode] ?? 0) + 1;
  result.opHistogram = h;
  result.transposeCount = h.TRANSPOSE ?? 0;
}
