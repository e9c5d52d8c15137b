// A model cut after the given tensors: only the ops they depend on run, and they are its outputs. The sequential
// bias fit (bias-sequential.ts) reads one layer's output per LiteRT pass; running the ops after it too (half the
// model on average) and re-quantizing the whole model each pass was most of its time. Tensors the cut leaves unread
// stay in the file (their indices are the caller's); only the ops and outputs change.
import type { TflModel } from '../tflite/model';

/** `model` with subgraph 0's ops cut to those `outputs` depend on (in their order) and `outputs` as its outputs. */
export function prefixModel(model: TflModel, outputs: number[]): TflModel {
  const sg = model.subgraphs[0];
  const producer = new Map<number, number>();
  sg.operators.forEach((op, k) => op.outputs.forEach((o) => producer.set(o, k)));
  const keep = new Set<number>();
  const stack = [...outputs];
  while (stack.length) {
    const k = producer.get(stack.pop()!);
    if (k === undefined || keep.has(k)) continue;
    keep.add(k);
    for (const i of sg.operators[k].inputs) if (i >= 0) stack.push(i);
  }
  const operators = sg.operators.filter((_, k) => keep.has(k));
  return { ...model, subgraphs: [{ ...sg, operators, outputs: [...outputs] }, ...model.subgraphs.slice(1)], signatures: undefined };
}
