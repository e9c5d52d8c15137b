// The graph view's first frame of an .onnx file, by the lean read (src/onnx/lean-reader.ts) alone. The worker
// answers `open` from this module without loading the rest (src/worker/heavy.ts: the full reader, shape inference,
// compatibility, TFLite, the jobs), so keep its imports to the lean reader's own.
import * as fs from 'node:fs';
import type { Finished } from '../shared/graph-wire';
import { leanOnnxWireGraph } from '../onnx/lean-reader';
import { onnxBytesWithoutWeights } from './onnx-sparse-bytes';

/** Files above this size are read without their weights (squeezenet1_1's 5 MB: 17 kB read, a few ms instead of
 *  10-20 ms of reading and walking the whole file; the lean read never looks at weight data). */
const SPARSE_ABOVE = 1 << 20;

/** The lean read's graph (packed when first read: graph-wire.ts builtView() gives it unpacked before) and the
 *  tensors its values list, in order. */
export type LeanGraph = Finished;

export function isTflite(file: string): boolean { return file.toLowerCase().endsWith('.tflite'); }

/** The bytes of .onnx `file` the lean read looks at (a file over 1 MB without its weights); undefined for a .tflite
 *  file or one that cannot be read or is empty. */
export function leanBytes(file: string): Buffer | undefined {
  if (isTflite(file)) return undefined;
  let bytes: Buffer | undefined;
  try {
    if (fs.statSync(file).size > SPARSE_ABOVE) bytes = onnxBytesWithoutWeights(file);
    bytes ??= fs.readFileSync(file);
  } catch { return undefined; }
  return bytes.length ? bytes : undefined;
}

/** The graph of .onnx `file` read the lean way; null when the full read must do it (a .tflite file, a file that
 *  cannot be read or is empty, a layout the lean reader does not cover): the full read also gives the error. */
export function leanOpen(file: string, bytes = leanBytes(file)): LeanGraph | null {
  return (bytes ? leanOnnxWireGraph(bytes, file) : undefined) ?? null;
}
