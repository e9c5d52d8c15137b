// Converts one .onnx file to a .tflite file next to it (or where told): the job behind `onnx2lite convert`
// and the editor's Convert to TFLite command.
import * as path from 'node:path';
import { readModelFile } from '../onnx/reader';
import { convertModel, ConvertResult } from '../convert/convert';
import type { ConvertOptions } from '../convert/types';
import { serializeTflite } from '../tflite/writer';
import { checkOutputPath, writeFileAtomic } from './atomic';
import { degradedWarning, isDegraded, REFUSE_COSINE, verifyOnLiteRt, withinReference, type Verification } from './verify';
import { ModelError } from '../ir/types';

export interface ConvertFileResult {
  source: string;
  output: string;
  bytes: number;
  opHistogram: Record<string, number>;
  transposeCount: number;
  warnings: string[];
  ms: number;
  /** The self-check on LiteRT against onnxruntime (absent with --no-verify). */
  verification?: Verification;
}

export function defaultOutputPath(model: string, outDir?: string, suffix = ''): string {
  const base = path.basename(model).replace(/\.onnx$/i, '') + suffix + '.tflite';
  return path.join(outDir ?? path.dirname(path.resolve(model)), base);
}

function convertBytes(input: string, opts: ConvertOptions, transform?: (r: ConvertResult) => ConvertResult) {
  const model = readModelFile(input);
  let result = convertModel(model, { ...opts, source: path.basename(input) });
  if (transform) result = transform(result);
  return { result, tflite: serializeTflite(result.model) };
}

/** Reads, converts and writes; returns the in-memory result too for callers that go on (quantize, compare). */
export function convertFile(input: string, output: string, opts: ConvertOptions = {},
  transform?: (r: ConvertResult) => ConvertResult): ConvertFileResult & { result: ConvertResult; tflite: Uint8Array } {
  const t0 = performance.now();
  const out = checkOutputPath(output, [input]);
  const { result, tflite } = convertBytes(input, opts, transform);
  writeFileAtomic(out, tflite);
  return summarize(input, output, result, tflite, t0);
}

/** As convertFile, and (unless `verify` is false) checks the bytes on LiteRT beside onnxruntime before the atomic
 *  write: a model LiteRT cannot load or run throws ModelError and nothing is written. */
export async function convertFileVerified(input: string, output: string, opts: ConvertOptions = {}, verify = true,
  transform?: (r: ConvertResult) => ConvertResult, allowDegraded = false): Promise<ConvertFileResult & { result: ConvertResult; tflite: Uint8Array }> {
  const t0 = performance.now();
  const out = checkOutputPath(output, [input]);
  const { result, tflite } = convertBytes(input, opts, transform);
  const verification = verify ? await verifyOnLiteRt(input, tflite, result.warnings, { quantized: (result.qdqActivations ?? 0) > 0 }) : undefined;
  // Beyond the verified bar: a warning; far beyond it (cosine < REFUSE_COSINE), nothing written unless allowed (or,
  // for a quantized model, unless onnxruntime's own two runs of it differ as much).
  if (verification && isDegraded(verification)) {
    if (verification.cosine < REFUSE_COSINE && !allowDegraded && !withinReference(verification)) {
      throw new ModelError(`${degradedWarning(verification)}; nothing written (--allow-degraded writes it anyway)`);
    }
    result.warnings.push(degradedWarning(verification));
  }
  writeFileAtomic(out, tflite);
  return { ...summarize(input, output, result, tflite, t0), ...(verification ? { verification } : {}) };
}

function summarize(input: string, output: string, result: ConvertResult, tflite: Uint8Array, t0: number) {
  return {
    source: path.resolve(input),
    output: path.resolve(output),
    bytes: tflite.byteLength,
    opHistogram: result.opHistogram,
    transposeCount: result.transposeCount,
    warnings: result.warnings,
    ms: Math.round(performance.now() - t0),
    result,
    tflite,
  };
}
