// The core features the graph view uses that land separately (shape inference, TFLite reading, compatibility).
// Each has a clear "not available" answer until its module exists, so the view works at every step.
import type { Model } from '../ir/types';
import { ModelError } from '../ir/types';
import type { CompatReport } from '../convert/compat-types';
import type { ViewGraph, WeightStats } from '../protocol';

/** Fills graph.values with dtypes and shapes; returns a note when it could not. */
export function completeShapes(model: Model, inputShapes: Map<string, number[]>): string | undefined {
  void model; void inputShapes;
  return 'shape inference is not available in this build: only declared shapes are shown';
}

export function compatOf(model: Model, inputShapes: Map<string, number[]>): { report: CompatReport | null; note?: string } {
  void model; void inputShapes;
  return { report: null, note: 'compatibility analysis is not available in this build' };
}

export function readTfliteView(bytes: Uint8Array, file: string): { graph: ViewGraph; stats(tensor: string): WeightStats } {
  void bytes;
  throw new ModelError(`cannot open ${file}: reading .tflite files is not available in this build`);
}
