// Shared by the quantization tests: reference runs and the error measures the issue names.
import type { Tensor } from '../../src/ir/types';
import type { TflModel } from '../../src/tflite/model';

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return dot / Math.sqrt(na * nb);
}

/** max|a - b| / max|b|. */
export function relMaxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let md = 0;
  let mr = 0;
  for (let i = 0; i < a.length; i++) { md = Math.max(md, Math.abs(a[i] - b[i])); mr = Math.max(mr, Math.abs(b[i])); }
  return md / mr;
}

/** Float32 tensors computed inside the graph (neither constants nor model inputs/outputs). */
export function innerFloatActivations(model: TflModel): string[] {
  const sg = model.subgraphs[0];
  const edge = new Set([...sg.inputs, ...sg.outputs]);
  return sg.tensors.filter((t, i) => t.type === 'FLOAT32' && !t.data?.byteLength && !edge.has(i)).map((t) => t.name);
}

export function floats(t: Tensor): Float32Array {
  return t.data as Float32Array;
}
