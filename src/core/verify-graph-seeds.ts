// Seeds for a graph net's dense adjacency input (a float [..., N, N] named `adj...`: GAT / EGNN / PaiNN / DimeNet-style
// models written on dense graphs). The generator's floats are uniform in [0, 1): every pair of nodes, each node with
// itself too, joined by a fractional weight, so `adj > 0` masks nothing and the self-check never runs the model's
// masking; and a node's edge to itself, which no graph has, reaches geometry the model is not defined at (DimeNet's
// spherical Bessel functions of the distance 0 between a node and itself: float32 noise of 1e9-sized terms that a
// real adjacency multiplies by 0; the eighteenth sweep's dimenet_lite was refused at cosine -1 on those seeds and
// matches PyTorch exactly on a molecule's graph). A real graph is what it gets instead: symmetric 0 / 1 edges
// (about 40% of pairs), no self-loops, every node with at least one neighbour, the same graph in each batch row.
import type { IoTensor } from '../deploy/tensors';
import { seededUniform } from './random';
import { onnxName } from './verify-seeds';

const ADJACENCY_NAME = /adj/i;

/** A symmetric 0 / 1 adjacency of `n` nodes without self-loops, every node with a neighbour. */
export function seededGraph(n: number, rnd: () => number): number[] {
  const a = new Array<number>(n * n).fill(0);
  const join = (i: number, j: number) => { a[i * n + j] = 1; a[j * n + i] = 1; };
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (rnd() < 0.4) join(i, j);
  for (let i = 0; i < n; i++) if (!a.slice(i * n, (i + 1) * n).some((v) => v)) join(i, (i + 1) % n);
  return a;
}

/** `values` with a seeded graph for each float input [..., N, N] named for an adjacency whose leading axes stay in
 *  ONNX order (values already set are kept). */
export function adjacencySeeds(inputs: IoTensor[], seed: number, values: Map<string, number[]>): Map<string, number[]> {
  const rnd = seededUniform(seed + 104729);
  for (const io of inputs) {
    const name = onnxName(io);
    const r = io.shape.length;
    const n = io.shape[r - 1] ?? 0;
    if (values.has(name) || !ADJACENCY_NAME.test(name) || !/^float/.test(io.mapping?.onnxDtype ?? io.dtype)
      || r < 2 || n < 2 || io.shape[r - 2] !== n || (io.mapping && io.mapping.perm.slice(0, r - 2).some((p, k) => p !== k))) continue;
    const rows = io.shape.slice(0, r - 2).reduce((a, b) => a * b, 1);
    const graph = seededGraph(n, rnd);
    values.set(name, Array.from({ length: rows }, () => graph).flat());
  }
  return values;
}
