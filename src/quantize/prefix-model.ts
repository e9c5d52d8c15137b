// A model cut to the ops some tensors depend on. The sequential bias fit (bias-sequential.ts) reads one layer's
// output per LiteRT pass; running the ops after it too (half the model on average) and re-quantizing the whole model
// each pass was most of its time. prefixModel keeps the ops the tensors depend on; segmentModel also starts at an
// op: the activations live there (made before it, read at or after it) become its inputs, fed with what an earlier
// pass read there, so a pass runs only the ops between two layers. Tensors the cut leaves unread stay in the file
// (their indices are the caller's); only the ops, inputs and outputs change.
import type { TflModel, TflSubgraph } from '../tflite/model';
import { isConst, producersOf } from './graph';

/** `model` with subgraph 0's ops cut to those `outputs` depend on (in their order) and `outputs` as its outputs. */
export function prefixModel(model: TflModel, outputs: number[]): TflModel {
  return segmentModel(model, 0, outputs).model;
}

/** `model` cut to the ops from index `from` on that `outputs` depend on; its inputs are the tensors those ops read
 *  that no kept op makes (activations made before `from`, or graph inputs), in index order. */
export function segmentModel(model: TflModel, from: number, outputs: number[]): { model: TflModel; inputs: number[] } {
  const sg = model.subgraphs[0];
  const producer = producersOf(sg);
  const keep = new Set<number>();
  const inputs = new Set<number>();
  const stack = [...outputs];
  while (stack.length) {
    const t = stack.pop()!;
    const k = producer.get(t);
    if (k === undefined || k < from) {
      if (!isConst(sg.tensors[t])) inputs.add(t);
      continue;
    }
    if (keep.has(k)) continue;
    keep.add(k);
    for (const i of sg.operators[k].inputs) if (i >= 0) stack.push(i);
  }
  const ins = [...inputs].sort((a, b) => a - b);
  const operators = sg.operators.filter((_, k) => keep.has(k));
  return { model: { ...model, subgraphs: [{ ...sg, operators, inputs: ins, outputs: [...outputs] }, ...model.subgraphs.slice(1)], signatures: undefined }, inputs: ins };
}

/** The activations live at op `at`: made before it (or graph inputs) and read by an op at or after it other than
 *  those in `except`. */
export function liveAt(sg: TflSubgraph, at: number, except: Set<number> = new Set()): number[] {
  const producer = producersOf(sg);
  const live = new Set<number>();
  sg.operators.forEach((op, k) => {
    if (k < at || except.has(k)) return;
    for (const i of op.inputs) {
      if (i < 0 || isConst(sg.tensors[i])) continue;
      const p = producer.get(i);
      if (p === undefined || p < at) live.add(i);
    }
  });
  return [...live].sort((a, b) => a - b);
}
