// Converts an ONNX model (only `--input-shape`-style options), runs it on real LiteRT and onnxruntime-node on the
// same seeded inputs, and measures max|diff| / max|ref| for every output. Used by the transformer tests and by
// scripts/check-models.ts on the big exported models.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { convertModel, type ConvertResult } from '../../src/convert/convert';
import { seededUniform } from '../../src/core/random';
import { makeTensor } from '../../src/ir/tensor';
import type { Model, Tensor } from '../../src/ir/types';
import { encodeModel } from '../../src/onnx/writer';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';

export interface OutputMatch {
  name: string;
  maxDiff: number;
  maxRef: number;
  /** maxDiff / maxRef (0 when both are 0). */
  rel: number;
}

export interface MatchResult {
  result: ConvertResult;
  outputs: OutputMatch[];
  worst: number;
}

/**
 * Seeded inputs: floats uniform in [lo, hi) (images [0, 1); audio and embeddings [-1, 1)); integers 0 or 1 (valid
 * token ids, attention masks and token types alike). `shapes` gives dynamic inputs their dims (as --input-shape).
 */
export function seededInputs(model: Model, seed = 1, lo = -1, hi = 1, shapes?: Map<string, number[]>): Tensor[] {
  const rnd = seededUniform(seed);
  return model.graph.inputs.map((i) => {
    const shape = (shapes?.get(i.name) ?? model.graph.values.get(i.name)?.shape ?? i.shape ?? []) as number[];
    const n = shape.reduce((a, b) => a * b, 1);
    const dtype = model.graph.values.get(i.name)?.dtype ?? i.dtype ?? 'float32';
    if (dtype === 'int64' || dtype === 'int32') return makeTensor(i.name, dtype, shape, Array.from({ length: n }, () => (rnd() < 0.75 ? 1 : 0)));
    // Boolean inputs (key padding masks): a quarter true, the first element false (a row all true has no finite score).
    if (dtype === 'bool') return makeTensor(i.name, dtype, shape, Array.from({ length: n }, (_, k) => (k > 0 && rnd() < 0.25 ? 1 : 0)));
    const data = new Float32Array(n);
    for (let k = 0; k < n; k++) data[k] = lo + (hi - lo) * rnd();
    return makeTensor(i.name, 'float32', shape, data);
  });
}

/** `model` is read from `file` (conversion rewrites its shapes: onnxruntime reads the file itself, or its bytes); `inputs` feed
 *  onnxruntime every input, LiteRT those the converted model still takes (as --input-value). `ortOptimization`
 *  'disabled' keeps onnxruntime from fusing QDQ pairs into its integer kernels (QLinearConv...), which round
 *  differently from the float ops the file spells out. */
export async function convertAndMatch(file: string | Uint8Array, model: Model, inputs: Tensor[],
  opts: { inputShapes?: Map<string, number[]>; inputValues?: Map<string, number[]>; ortOptimization?: 'disabled' | 'all' } = {}): Promise<MatchResult> {
  const result = convertModel(model, { inputShapes: opts.inputShapes, inputValues: opts.inputValues });
  const bytes = serializeTflite(result.model);
  const ortOpts = opts.ortOptimization ? { graphOptimizationLevel: opts.ortOptimization } : {};
  const sess = typeof file === 'string' ? await ort.InferenceSession.create(file, ortOpts) : await ort.InferenceSession.create(file, ortOpts);
  const feeds: Record<string, ort.Tensor> = {};
  for (const t of inputs) feeds[t.name] = new ort.Tensor(t.dtype as 'float32' | 'int64' | 'int32' | 'bool', t.data as Float32Array, t.dims);
  const ref = await sess.run(feeds);
  await sess.release();
  const lite = await openConverted(bytes);
  try {
    const outs = await lite.run(inputs);
    const outputs: OutputMatch[] = [];
    for (const name of Object.keys(ref)) {
      // int64 outputs (detectors' labels) come from onnxruntime as BigInt64Array.
      const r = ref[name].data instanceof BigInt64Array ? Float64Array.from(ref[name].data as BigInt64Array, Number) : ref[name].data as Float32Array;
      const got = outs.get(name);
      if (!got) throw new Error(`output ${name} missing on LiteRT`);
      if (got.dims.join() !== [...ref[name].dims].join()) throw new Error(`output ${name}: dims [${got.dims}] vs [${ref[name].dims}]`);
      const g = got.data instanceof BigInt64Array ? Float64Array.from(got.data, Number) : got.data as Float32Array;
      let maxRef = 0;
      let maxDiff = 0;
      for (let i = 0; i < r.length; i++) {
        maxRef = Math.max(maxRef, Math.abs(r[i]));
        const d = Math.abs(r[i] - g[i]);
        maxDiff = Math.max(maxDiff, Number.isNaN(d) ? Infinity : d);
      }
      outputs.push({ name, maxDiff, maxRef, rel: maxDiff === 0 ? 0 : maxDiff / maxRef });
    }
    return { result, outputs, worst: Math.max(...outputs.map((o) => o.rel)) };
  } finally {
    lite.close();
  }
}

/** A model built in a test, written to a temp file (onnxruntime reads files), converted and run on seeded inputs in
 *  [-1, 1); its worst output within `bound` of max|ref|. */
export async function matchBuilt(model: Model, name: string, seed: number, bound = 1e-5): Promise<MatchResult> {
  const file = join(mkdtempSync(join(tmpdir(), `${name}-`)), `${name}.onnx`);
  writeFileSync(file, encodeModel(model));
  const m = await convertAndMatch(file, model, seededInputs(model, seed, -1, 1));
  assert.ok(m.worst <= bound, `rel ${m.worst}`);
  return m;
}

/** Smooth deterministic values in [-0.5, 0.5] for built models' weights. */
export const waveValues = (n: number, seed: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(i * 7.31 + seed) * 0.5);
