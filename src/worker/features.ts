// The core features the graph view uses: shape inference, TFLite reading, compatibility verdicts.
import type { Model } from '../ir/types';
import { inferShapes } from '../ir/shapes/index';
import { parseTflite } from '../tflite/reader';
import { analyzeCompatibility } from '../convert/compat';
import { readModelFile } from '../onnx/reader';
import type { CompatReport } from '../shared/compat-types';
import type { WeightStats, WireGraph } from '../shared/protocol';
import { tfliteTensorStats, tfliteWireGraph } from './view-graph-tflite';

/** Fills graph.values with dtypes and shapes; returns a note when it could not (the view still draws). */
export function completeShapes(model: Model, inputShapes: Map<string, number[]>): string | undefined {
  try {
    const r = inferShapes(model, { inputShapes });
    return r.warnings.length ? `shape inference: ${r.warnings[0]}${r.warnings.length > 1 ? ` (+${r.warnings.length - 1} more)` : ''}` : undefined;
  } catch (e) {
    return `shapes could not be inferred (${(e as Error).message}): only declared shapes are shown`;
  }
}

/** Verdicts on a fresh copy of the model: the trial conversion may rewrite the graph it is given. */
export function compatOf(file: string, inputShapes: Map<string, number[]>, inputValues?: Map<string, number[]>): { report: CompatReport | null; note?: string } {
  const model = readModelFile(file);
  return { report: analyzeCompatibility(model, { inputShapes, inputValues, fixStyle: 'vscode' }) };
}

export function readTfliteView(bytes: Uint8Array, file: string): { graph: WireGraph; stats(tensor: string): WeightStats } {
  const m = parseTflite(bytes);
  return { graph: tfliteWireGraph(m, file), stats: (tensor) => tfliteTensorStats(m, tensor) };
}
