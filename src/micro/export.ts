// `onnx2lite micro`: a .tflite → C++ sources for TensorFlow Lite for Microcontrollers (model array, op resolver,
// tensor-arena estimate). Checks everything first; then writes all files as one step, or none.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelError } from '../ir/types';
import { isTflite, parseTflite } from '../tflite/reader';
import { serializeTflite } from '../tflite/writer';
import { integerOnlyHardSwish, unpackFloat16Weights } from './integer-only';
import { writeFilesAtomic } from '../core/atomic';
import { analyzeMicro, type MicroAnalysis } from './analyze';
import type { TargetBits } from './arena';
import { cIdentifier, isCIdentifier, modelDataHeader, modelDataSource, opResolverHeader, type MicroSourceInfo } from './emit';

export interface MicroExportOptions {
  /** Folder for the sources; default: the model's folder. */
  outDir?: string;
  /** C identifier for the symbols and file names; default: the model's base name made one. */
  name?: string;
  /** Pointer size of the target the arena estimate is for: 32 (microcontrollers, default) or 64. */
  targetBits?: TargetBits;
}

/** The `--json` shape (a public contract). */
export interface MicroExportResult {
  source: string;
  files: string[];
  opResolver: { ops: string[]; count: number };
  arenaEstimateBytes: number;
  /** Size of the model array (the .tflite's bytes; an int8 model's float HARD_SWISH form written back as integer ops). */
  bytes: number;
  /** What the arena estimate was computed for: the target's pointer size and TFLM's kernels. */
  arena: { targetBits: TargetBits; kernels: 'reference' };
}

export function exportMicro(file: string, opts: MicroExportOptions = {}): { result: MicroExportResult; analysis: MicroAnalysis } {
  const name = opts.name ?? cIdentifier(path.basename(file));
  if (!isCIdentifier(name)) throw new ModelError(`--name "${name}" is not a C identifier (letters, digits, _; not starting with a digit)`);
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new ModelError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!isTflite(bytes)) throw new ModelError(`${path.basename(file)} is not a .tflite model (no "TFL3" identifier); onnx2lite micro takes a converted .tflite`);
  // An int8 model's float HARD_SWISH form (written for LiteRT) goes back to the integer form, its float16-stored
  // weights to float32 (integer-only.ts).
  const model = parseTflite(bytes);
  const rewritten = integerOnlyHardSwish(model) + unpackFloat16Weights(model);
  if (rewritten > 0) bytes = serializeTflite(model);
  const analysis = analyzeMicro(model, { targetBits: opts.targetBits ?? 32 });
  const outDir = path.resolve(opts.outDir ?? path.dirname(path.resolve(file)));
  if (!fs.existsSync(outDir) || !fs.statSync(outDir).isDirectory()) throw new ModelError(`--out-dir ${outDir} is not a folder`);
  const info: MicroSourceInfo = { name, source: path.basename(file), bytes, analysis };
  const enc = new TextEncoder();
  const files = [
    { path: path.join(outDir, `${name}_model_data.h`), bytes: enc.encode(modelDataHeader(info)) },
    { path: path.join(outDir, `${name}_model_data.cc`), bytes: enc.encode(modelDataSource(info)) },
    { path: path.join(outDir, `${name}_op_resolver.h`), bytes: enc.encode(opResolverHeader(info)) },
  ];
  writeFilesAtomic(files);
  return {
    analysis,
    result: {
      source: path.resolve(file),
      files: files.map((f) => f.path),
      opResolver: { ops: analysis.ops.map((o) => o.op), count: analysis.ops.length },
      arenaEstimateBytes: analysis.arena.totalBytes,
      bytes: bytes.byteLength,
      arena: { targetBits: analysis.arena.targetBits, kernels: analysis.arena.kernels },
    },
  };
}
