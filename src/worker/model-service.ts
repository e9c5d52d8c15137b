// Opens models for the graph view and answers the view's questions about them. Runs inside the worker thread
// (src/worker/worker.ts); tests and benchmarks call it directly. No vscode here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readModelFile, readModelFileDeferred } from '../onnx/reader';
import type { Model } from '../ir/types';
import { ModelError } from '../ir/types';
import type { HostNotifications, WeightStats, WireGraph } from '../shared/protocol';
import type { CompatReport } from '../shared/compat-types';
import { encodeShapes } from '../shared/graph-wire';
import { onnxWireGraph, valuesOf } from './view-graph';
import { isTflite, leanOpen } from './lean-open';
import type { LeanGraph } from './lean-open';
import { tensorStats } from './weight-stats';
import { completeShapes, compatOf, readTfliteView } from './features';

export interface OpenOptions {
  /** Fixed dims for dynamic inputs (setting onnx2lite.inputShapes). */
  inputShapes?: Record<string, number[]>;
  /** Inputs frozen to constants (setting onnx2lite.inputValues): the compatibility marks judge the model with them. */
  inputValues?: Record<string, number[]>;
}

export interface OpenedModel {
  /** The graph with declared shapes: ready before shape inference runs. */
  graph: WireGraph;
  /** Inferred dtypes and shapes of graph's values (ONNX: shape inference runs on the first call); null when the
   *  graph already had them all (TFLite). */
  shapes(): HostNotifications['shapes'] | null;
  stats(tensor: string): WeightStats;
  compat(): { report: CompatReport | null; note?: string };
}

function toMap(shapes: Record<string, number[]> | undefined): Map<string, number[]> {
  return new Map(Object.entries(shapes ?? {}));
}

function openOnnx(file: string, opts: OpenOptions, lean: LeanGraph | null): OpenedModel {
  // The first frame needs the graph only: it is read straight from the bytes when the lean reader covers the file
  // (the IR is read afterwards, for shapes and statistics), otherwise from the IR read without the declared shapes
  // of intermediate values (they are read with shape inference, after the graph has been sent).
  let model: Model | undefined;
  let addValueInfo = (): void => {};
  if (!lean) ({ model, addValueInfo } = readModelFileDeferred(file));
  const full = (): Model => (model ??= readModelFile(file));
  const { graph, names } = lean ?? onnxWireGraph(model!, path.basename(file));
  let shapes: HostNotifications['shapes'] | undefined;
  return {
    graph,
    shapes() {
      if (!shapes) {
        let m: Model;
        try {
          m = full();
        } catch (e) {
          return (shapes = { shapes: { strings: [], shapes: [] }, note: `${(e as Error).message}: only the graph is shown` });
        }
        let note: string | undefined;
        try {
          addValueInfo();
          note = completeShapes(m, toMap(opts.inputShapes));
        } catch (e) {
          note = `declared shapes could not be read (${(e as Error).message}): only the inputs' and outputs' are shown`;
        }
        shapes = { shapes: encodeShapes(valuesOf(m.graph, names)), note };
      }
      return shapes;
    },
    stats(tensor) {
      const t = full().graph.initializers.get(tensor);
      if (!t) throw new ModelError(`${tensor} is not a constant of this model`);
      return tensorStats(t);
    },
    compat: () => compatOf(file, toMap(opts.inputShapes), toMap(opts.inputValues)),
  };
}

/** Opens an .onnx or .tflite file; throws ModelError (one clear line) for anything it cannot read. `lean` is the lean
 *  read's result when the caller has already tried it (src/worker/handlers.ts answers `open` with it first). */
export function openModel(file: string, opts: OpenOptions = {}, lean: LeanGraph | null = leanOpen(file)): OpenedModel {
  if (isTflite(file)) {
    let bytes: Uint8Array;
    try { bytes = fs.readFileSync(file); } catch { throw new ModelError(`cannot read ${file}`); }
    if (bytes.length === 0) throw new ModelError(`${path.basename(file)} is empty: not a TFLite model`);
    const m = readTfliteView(bytes, path.basename(file));
    return { graph: m.graph, stats: m.stats, shapes: () => null,
      compat: () => ({ report: null, note: 'compatibility is checked on ONNX models' }) };
  }
  return openOnnx(file, opts, lean);
}
