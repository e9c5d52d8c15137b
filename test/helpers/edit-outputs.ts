// Edits of an ONNX model's outputs after the fact, for tests of convert's self-check: the .tflite converted from the
// model is checked against a copy whose outputs were reordered or moved (test/core/verify-*detections.test.ts).
import { readModelFile } from '../../src/onnx/reader';
import { encodeModel } from '../../src/onnx/writer';
import { node, tensor } from '../../src/onnx/builder';
import type { Model, Node, Tensor } from '../../src/ir/types';

/** The model with each output `name` in `which` renamed `name_pre` and recomputed by `edit(name_pre, name)`. */
export function edited(file: string, which: string[], edit: (from: string, to: string) => { nodes: Node[]; consts: Tensor[] }): Uint8Array {
  const m: Model = readModelFile(file);
  const g = m.graph;
  for (const name of which) {
    const pre = `${name}_pre`;
    for (const n of g.nodes) {
      n.outputs = n.outputs.map((o) => (o === name ? pre : o));
      n.inputs = n.inputs.map((i) => (i === name ? pre : i));
    }
    const e = edit(pre, name);
    // Node names of their own (the exporter's and the reader's names could be the builder's too).
    e.nodes.forEach((n, k) => { n.name = `${name}_edit_${k}`; });
    g.nodes.push(...e.nodes);
    for (const t of e.consts) g.initializers.set(t.name, t);
  }
  return encodeModel(m);
}

export const i64 = (name: string, dims: number[], v: number[]) => tensor(name, 'int64', dims, v);

/** Rows (along `axis`) in reverse order: Slice with step -1. (A Gather by Range(N - 1, -1, -1) comes out empty in
 *  onnxruntime-node 1.30 with all graph optimizations on, and crashes it when the indices are an output too.) */
export function reversed(from: string, to: string, axis = 0) {
  const p = `${to}_rev`;
  return {
    nodes: [node('Slice', [from, `${p}_s`, `${p}_e`, `${p}_a`, `${p}_step`], [to])],
    consts: [i64(`${p}_s`, [1], [-1]), i64(`${p}_e`, [1], [-(2 ** 31)]), i64(`${p}_a`, [1], [axis]), i64(`${p}_step`, [1], [-1])],
  };
}

/** An edit that moves the first `rows` rows (along `axis`) of an output by `delta` (of dims `dims`, broadcast over each row). */
export function firstRowsMoved(rows: number, dims: number[], delta: number[], axis = 0) {
  return (from: string, to: string) => {
    const p = `${to}_moved`;
    return {
      nodes: [
        node('Slice', [from, `${p}_s0`, `${p}_e0`, `${p}_a`], [`${p}_first`]),
        node('Add', [`${p}_first`, `${p}_delta`], [`${p}_moved`]),
        node('Slice', [from, `${p}_e0`, `${p}_end`, `${p}_a`], [`${p}_rest`]),
        node('Concat', [`${p}_moved`, `${p}_rest`], [to], { axis }),
      ],
      consts: [i64(`${p}_s0`, [1], [0]), i64(`${p}_e0`, [1], [rows]), i64(`${p}_end`, [1], [2 ** 31 - 1]), i64(`${p}_a`, [1], [axis]),
        tensor(`${p}_delta`, 'float32', dims, delta)],
    };
  };
}
