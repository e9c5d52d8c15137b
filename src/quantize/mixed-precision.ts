// `--int16 auto`: full-integer models whose int8 rounding the network amplifies (the error of the first layers grows
// through every layer after them) get their first layers in 16x8 — int16 activations, and weights as an int8 tensor
// plus an int8 tensor of its rounding residual (see int16.ts) — until the model's outputs on the calibration samples
// reach GUARD_COSINE against onnxruntime, within the size budget. Each candidate is the real quantized model run on
// LiteRT; a model that already meets the guard in plain int8 stays plain int8.
import type { ConvertResult } from '../convert/convert';
import type { Model, Tensor } from '../ir/types';
import { encodeModel } from '../onnx/writer';
import { openOnnx } from '../runtime/ort';
import { openConverted } from '../runtime/tflite-onnx-io';
import { compareViews, onnxView } from '../compare/metrics';
import { serializeTflite } from '../tflite/writer';
import { Int8Options, quantizeInt8 } from './int8';
import type { QParams } from './params';

export type Int16Mode = 'auto' | 'off' | 'all';

/** Cosine the quantized outputs must reach on every guard sample before the search stops. */
export const GUARD_COSINE = 0.995;
/** Calibration samples the guard runs (the first ones). */
export const GUARD_SAMPLES = 4;
/** Share of plain int8's gap to the guard a 16x8 region that misses it must close to stay. */
const MIN_GAP_CLOSED = 0.5;
/** Region sizes tried, as fractions of the op count (the first ops in graph order). */
const STEPS = [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5];

export interface MixedChoice {
  /** Ops (float model indices) that run in 16x8; empty for plain int8. */
  int16Ops: Set<number>;
  /** Of those, the ones whose weights carry an int8 residual (the first ones, as many as the size budget allows). */
  splitOps: Set<number>;
  /** Worst output cosine on the guard samples, plain int8 and chosen. */
  int8Cosine: number;
  cosine: number;
  /** Whether the chosen model reaches GUARD_COSINE. */
  met: boolean;
  ms: number;
}

/** A copy of a float ConvertResult that quantizeInt8 can change without touching the original. */
export function cloneResult(r: ConvertResult): ConvertResult {
  const model = { ...r.model, metadata: new Map(r.model.metadata), subgraphs: r.model.subgraphs.map((sg) => ({
    ...sg, tensors: [...sg.tensors], inputs: [...sg.inputs], outputs: [...sg.outputs],
    operators: sg.operators.map((op) => ({ ...op, inputs: [...op.inputs], outputs: [...op.outputs], options: op.options && { ...op.options } })),
  })) };
  return { ...r, model, warnings: [...r.warnings], opHistogram: { ...r.opHistogram } };
}

/** Outputs of at most this many values (a score, a probability) are judged over all samples at once: the cosine
 *  of one value is only its sign, and 0 when either side rounds to exactly 0 (onnxruntime's sigmoid gives 0 where
 *  LiteRT's gives 6e-9: a wake-word head "collapsed" in float32). */
export const SCALAR_OUTPUT = 4;

/** The worst cosine over samples and float outputs between the quantized model and the ONNX reference. */
export async function score(tflite: Uint8Array, samples: Tensor[][], refs: Map<string, Tensor>[]): Promise<number> {
  const s = await openConverted(tflite);
  try {
    let worst = 1;
    const joint = new Map<string, { ref: number[]; got: number[] }>();
    for (let k = 0; k < samples.length; k++) {
      const out = await s.run(samples[k]);
      for (const [name, ref] of refs[k]) {
        const got = out.get(name);
        if (!got || !(ref.data instanceof Float32Array) || !(got.data instanceof Float32Array)) continue;
        if (ref.data.length <= SCALAR_OUTPUT && got.data.length === ref.data.length) {
          const j = joint.get(name) ?? { ref: [], got: [] };
          j.ref.push(...ref.data);
          j.got.push(...got.data);
          joint.set(name, j);
          continue;
        }
        worst = Math.min(worst, compareViews(onnxView(ref.data, ref.dims), onnxView(got.data, got.dims)).cosine);
      }
    }
    for (const { ref, got } of joint.values()) {
      worst = Math.min(worst, compareViews(onnxView(Float32Array.from(ref), [ref.length]), onnxView(Float32Array.from(got), [got.length])).cosine);
    }
    return worst;
  } finally {
    s.close();
  }
}

async function referenceOutputs(onnx: Model, samples: Tensor[][]): Promise<Map<string, Tensor>[]> {
  const outputs = onnx.graph.outputs.map((o) => o.name);
  const session = await openOnnx(encodeModel(onnx, { valueInfo: false }));
  const refs: Map<string, Tensor>[] = [];
  try {
    for (const s of samples) refs.push(await session.run(s, outputs));
  } finally {
    await session.close();
  }
  return refs;
}

/** Picks the 16x8 region for `--int16 auto` (or `all`): the smallest prefix of the graph that meets the guard.
 *  `reference`: onnxruntime's outputs for the first samples when calibration already ran them. */
export async function chooseInt16Ops(result: ConvertResult, onnx: Model, samples: Tensor[][], params: Map<number, QParams>,
  opts: Int8Options, mode: Int16Mode, maxBytes: number, reference?: Map<string, Tensor>[], target = GUARD_COSINE): Promise<MixedChoice> {
  const t0 = performance.now();
  const n = result.model.subgraphs[0].operators.length;
  const prefix = (f: number) => new Set(Array.from({ length: Math.round(f * n) }, (_, k) => k));
  const guard = samples.slice(0, GUARD_SAMPLES);
  const refs = reference && reference.length >= guard.length ? reference.slice(0, guard.length) : await referenceOutputs(onnx, guard);
  // int8 model inputs / outputs do not change the inside: the guard runs the float-I/O variant LiteRT can feed.
  const build = (int16Ops: Set<number>, splitOps: Set<number>) =>
    serializeTflite(quantizeInt8(cloneResult(result), params, { ...opts, int8Io: false, int16Ops, splitOps }).model);
  if (mode !== 'auto') {
    // No search: the model as written is still measured for the accuracy guard (--min-cosine).
    const ops = mode === 'all' ? prefix(1) : new Set<number>();
    const cos = await score(build(ops, ops), guard, refs);
    return { int16Ops: ops, splitOps: ops, int8Cosine: mode === 'off' ? cos : NaN, cosine: cos, met: true, ms: performance.now() - t0 };
  }
  let best: MixedChoice | undefined;
  let int8Cosine = NaN;
  let splitLimit = 1;
  for (const f of STEPS) {
    const int16Ops = prefix(f);
    if (f > 0 && int16Ops.size === 0) continue;
    // Residual weights cost size: past the budget only the first layers keep them (int16 activations cost none).
    let bytes = build(int16Ops, prefix(Math.min(f, splitLimit)));
    while (f > 0 && bytes.byteLength > maxBytes && splitLimit > 0) {
      splitLimit = STEPS.filter((s) => s < Math.min(f, splitLimit)).pop() ?? 0;
      bytes = build(int16Ops, prefix(Math.min(f, splitLimit)));
    }
    if (f > 0 && bytes.byteLength > maxBytes) break;
    const splitOps = prefix(Math.min(f, splitLimit));
    const cos = await score(bytes, guard, refs);
    if (f === 0) int8Cosine = cos;
    if (!best || cos > best.cosine) best = { int16Ops, splitOps, int8Cosine, cosine: cos, met: cos >= target, ms: 0 };
    if (cos >= target) break;
  }
  // 16x8 runs on TFLite's reference kernels (LiteRT WASM: 10–40× the float32 time per multiply-add): a region that
  // misses the guard stays only when it closes at least half of plain int8's gap to it (PP-OCRv4 rec: 0.9449 → 0.9482
  // at 16× the float32 latency is not worth it).
  if (best && !best.met && best.int16Ops.size > 0 && best.cosine - int8Cosine < MIN_GAP_CLOSED * (target - int8Cosine)) {
    const none = new Set<number>();
    best = { int16Ops: none, splitOps: none, int8Cosine, cosine: int8Cosine, met: false, ms: 0 };
  }
  return { ...best!, int8Cosine, ms: performance.now() - t0 };
}
