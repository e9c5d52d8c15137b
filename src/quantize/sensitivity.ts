// Which activations' int8 rounding changes a model's output most: each rounding point (the output of an op with its
// own int8 parameters, together with the same-scale ops that pass it on unchanged) is rounded ALONE in the float
// model — a QUANTIZE → DEQUANTIZE pair with its int8 parameters, every other tensor float — and the output error on
// the guard samples measured against onnxruntime, on the real LiteRT. The points whose rounding alone costs the most
// output SNR are the ones mixed precision (mixed-precision.ts) keeps in float or 16x8.
//
// Output error is pooled over the samples (total squared error over total signal, in dB): a smooth measure. The
// worst per-sample cosine is not one: on a CTC recognizer a sample near a tie between two characters swings from
// cosine 0.94 to 0.85 when any early layer changes by a few dB either way (PP-OCRv4 rec sample 3 drops to 0.975
// when only the first conv is int8).
import type { ConvertResult } from '../convert/convert';
import type { Tensor } from '../ir/types';
import type { TflOperator } from '../tflite/model';
import { serializeTflite } from '../tflite/writer';
import { openConverted } from '../runtime/tflite-onnx-io';
import { consumersOf, isFloatActivation, producersOf } from './graph';
import { DEQUANTIZE_INT8_VERSION, INT8_OPS, QUANTIZE_VERSION } from './int8-ops';
import { type QParams, quantParams } from './params';

/** One rounding point: the tensor rounded to int8, and the float model's ops that must leave int8 for it not to be
 *  (its producer, the same-scale ops carrying it and every op reading it or them). */
export interface RoundingPoint {
  tensor: number;
  ops: number[];
  /** Output SNR (dB, pooled over the samples) with only this point rounded; Infinity when not measured. */
  snrDb: number;
}

/** A model's outputs on samples against references: pooled SNR, worst cosine, median run time. */
export interface OutputScore { snrDb: number; cosine: number; ms: number }

/** Runs `tflite` (float I/O, onnx2lite metadata) on the samples and scores its float outputs against `refs`. */
export async function scoreOutputs(tflite: Uint8Array, samples: Tensor[][], refs: Map<string, Tensor>[]): Promise<OutputScore> {
  const s = await openConverted(tflite);
  try {
    let err = 0;
    let sig = 0;
    let worst = 1;
    const times: number[] = [];
    for (let k = 0; k < samples.length; k++) {
      const t0 = performance.now();
      const out = await s.run(samples[k]);
      times.push(performance.now() - t0);
      for (const [name, ref] of refs[k]) {
        const got = out.get(name);
        if (!got || !(ref.data instanceof Float32Array) || !(got.data instanceof Float32Array)) continue;
        let dot = 0;
        let rr = 0;
        let gg = 0;
        for (let i = 0; i < ref.data.length; i++) {
          const r = ref.data[i];
          const g = got.data[i];
          err += (r - g) * (r - g);
          dot += r * g;
          rr += r * r;
          gg += g * g;
        }
        sig += rr;
        const cos = rr === 0 && gg === 0 ? 1 : dot / Math.sqrt(rr * gg);
        worst = Math.min(worst, Number.isFinite(cos) ? cos : 0);
      }
    }
    times.sort((a, b) => a - b);
    const snrDb = err === 0 ? 200 : sig === 0 ? -200 : Math.min(200, 10 * Math.log10(sig / err));
    return { snrDb: Number.isNaN(snrDb) ? -200 : snrDb, cosine: worst, ms: times[times.length >> 1] ?? 0 };
  } finally {
    s.close();
  }
}

/** The rounding points of a float model: outputs of ops with their own int8 parameters (not same-scale ones). */
export function roundingPoints(result: ConvertResult, params: Map<number, QParams>): RoundingPoint[] {
  const sg = result.model.subgraphs[0];
  const readers = consumersOf(sg);
  const points: RoundingPoint[] = [];
  sg.operators.forEach((op, k) => {
    const spec = INT8_OPS[op.opcode];
    if (!spec || spec.sameScale) return;
    for (const o of op.outputs) {
      if (!isFloatActivation(sg.tensors[o]) || !params.has(o)) continue;
      const ops = new Set([k]);
      const walk = [o];
      while (walk.length) {
        for (const r of readers.get(walk.pop()!) ?? []) {
          if (ops.has(r)) continue;
          ops.add(r);
          // A same-scale op passes the rounded values on: its outputs carry the same rounding.
          if (INT8_OPS[sg.operators[r].opcode]?.sameScale) walk.push(...sg.operators[r].outputs);
        }
      }
      points.push({ tensor: o, ops: [...ops].sort((a, b) => a - b), snrDb: Infinity });
    }
  });
  return points;
}

/** A copy of the float model in which the given tensors (only) are rounded to int8 with their parameters. */
export function fakeQuantized(result: ConvertResult, tensors: number[], params: Map<number, QParams>): Uint8Array {
  const src = result.model.subgraphs[0];
  const tens = [...src.tensors];
  const producer = producersOf(src);
  const after = new Map<number, TflOperator[]>();
  const swap = new Map<number, number>();
  for (const t of tensors) {
    const q = tens.push({ name: `${tens[t].name}__q`, type: 'INT8', shape: [...tens[t].shape], quantization: quantParams(params.get(t)!) }) - 1;
    const dq = tens.push({ name: `${tens[t].name}__dq`, type: 'FLOAT32', shape: [...tens[t].shape] }) - 1;
    const k = producer.get(t)!;
    after.set(k, [...(after.get(k) ?? []),
      { opcode: 'QUANTIZE', version: QUANTIZE_VERSION, inputs: [t], outputs: [q] },
      { opcode: 'DEQUANTIZE', version: DEQUANTIZE_INT8_VERSION, inputs: [q], outputs: [dq] }]);
    swap.set(t, dq);
  }
  const ops: TflOperator[] = [];
  src.operators.forEach((op, k) => {
    ops.push({ ...op, inputs: op.inputs.map((i) => swap.get(i) ?? i) });
    ops.push(...(after.get(k) ?? []));
  });
  const sg = { ...src, tensors: tens, operators: ops, outputs: src.outputs.map((o) => swap.get(o) ?? o) };
  return serializeTflite({ ...result.model, subgraphs: [sg, ...result.model.subgraphs.slice(1)] });
}

/** Measures every rounding point alone (most sensitive first). Coarse to fine: the points are first rounded in
 *  groups of consecutive ones, and only the worst groups' points one by one, so the cost is ~2·√n model runs. */
export async function rankRoundingPoints(result: ConvertResult, params: Map<number, QParams>, samples: Tensor[][],
  refs: Map<string, Tensor>[]): Promise<RoundingPoint[]> {
  const points = roundingPoints(result, params);
  const measure = async (ts: number[]) => (await scoreOutputs(fakeQuantized(result, ts, params), samples, refs)).snrDb;
  const size = Math.max(1, Math.ceil(Math.sqrt(points.length)));
  const groups: { members: RoundingPoint[]; snrDb: number }[] = [];
  for (let i = 0; i < points.length; i += size) {
    const members = points.slice(i, i + size);
    groups.push({ members, snrDb: await measure(members.map((p) => p.tensor)) });
  }
  groups.sort((a, b) => a.snrDb - b.snrDb);
  // The worst groups hold most of the error (a group's error is about the sum of its points').
  const refine = groups.slice(0, Math.max(1, Math.ceil(groups.length / 4)));
  for (const g of refine) {
    if (g.members.length === 1) { g.members[0].snrDb = g.snrDb; continue; }
    for (const p of g.members) p.snrDb = await measure([p.tensor]);
    g.members.sort((a, b) => a.snrDb - b.snrDb);
  }
  // Unrefined groups follow in their group's order (their points share the group's measure, which bounds each).
  for (const g of groups.slice(refine.length)) for (const p of g.members) p.snrDb = Math.max(p.snrDb === Infinity ? g.snrDb : p.snrDb, g.snrDb);
  return groups.flatMap((g) => g.members).sort((a, b) => a.snrDb - b.snrDb);
}
