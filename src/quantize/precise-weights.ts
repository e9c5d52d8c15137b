// Precise weights for the layers whose int8 weight rounding costs the task most. Even with every activation float,
// int8 weights alone change what a trained model does (PP-OCRv4 rec: dynamic-range int8 decodes 91.7% of lines as
// float32 does), so part of the size budget left under INT8_SIZE_BUDGET goes to weights: each op with weights large
// enough to be stored int8 is measured alone — the float32 model with only that op's weights rounded to int8 (per
// channel, round to nearest, as a float op's int8-stored weights are) — on the guard samples, by the search's measure
// (pooled SNR of the logits, sensitivity.ts). The ops whose rounding costs the most run in float32 with FLOAT16
// weights behind a DEQUANTIZE (one byte per weight over int8; LiteRT evaluates the constant DEQUANTIZE once), the
// number growing while the model fits the size budget and the search's latency bound (mixed-precision.ts).
import type { ConvertResult } from '../convert/convert';
import type { TflModel, TflSubgraph } from '../tflite/model';
import type { Scorer } from './sensitivity';
import { INT8_OPS } from './int8-ops';
import { isConst, uniqueNamer } from './graph';
import { elementCount, float16Bytes, floatData, quantizeSymmetric, weightAxis } from './params';
import { MIN_DYNAMIC_ELEMENTS } from './weights';

export interface WeightPoint {
  /** The op (float model index) and its weight tensor. */
  op: number;
  weight: number;
  elements: number;
  /** Output SNR (dB, pooled over the guard samples) with only this op's weights int8. */
  snrDb: number;
}

/** The ops whose weights would be stored int8 (MIN_DYNAMIC_ELEMENTS+ float32 constant elements). */
export function weightOps(sg: TflSubgraph): { op: number; weight: number; elements: number }[] {
  const out: { op: number; weight: number; elements: number }[] = [];
  sg.operators.forEach((op, k) => {
    if (!INT8_OPS[op.opcode]?.weights || weightAxis(op.opcode) === undefined) return;
    const w = sg.tensors[op.inputs[1]];
    if (!w || w.type !== 'FLOAT32' || !isConst(w) || elementCount(w.shape) < MIN_DYNAMIC_ELEMENTS) return;
    out.push({ op: k, weight: op.inputs[1], elements: elementCount(w.shape) });
  });
  return out;
}

/** The float model with the given weight tensors rounded to int8 and back (per channel, round to nearest). */
export function roundedWeightsModel(result: ConvertResult, weights: { op: number; weight: number }[]): TflModel {
  const src = result.model.subgraphs[0];
  const tensors = [...src.tensors];
  for (const { op, weight } of weights) {
    const t = tensors[weight];
    const axis = weightAxis(src.operators[op].opcode);
    const values = floatData(t);
    const { data, scales } = quantizeSymmetric(values, t.shape, axis);
    const channels = axis === undefined ? 1 : t.shape[axis];
    const inner = axis === undefined ? values.length : elementCount(t.shape.slice(axis + 1));
    const back = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) back[i] = data[i] * scales[axis === undefined ? 0 : Math.floor(i / inner) % channels];
    tensors[weight] = { ...t, data: new Uint8Array(back.buffer) };
  }
  return { ...result.model, subgraphs: [{ ...src, tensors }, ...result.model.subgraphs.slice(1)] };
}

/** Every weight op measured alone, the most sensitive first. */
export async function rankWeightOps(result: ConvertResult, scorer: Scorer): Promise<WeightPoint[]> {
  const points: WeightPoint[] = [];
  for (const w of weightOps(result.model.subgraphs[0])) {
    const s = await scorer.score(roundedWeightsModel(result, [w]), result.metadata);
    points.push({ ...w, snrDb: s.snrDb });
  }
  // Ties (and equal SNRs) in graph order: the ranking depends only on the model and the samples.
  return points.sort((a, b) => a.snrDb - b.snrDb || a.op - b.op);
}

/** Stores the FLOAT32 constants named `names` as FLOAT16 behind a DEQUANTIZE (before the int8 pass's closing
 *  dynamic-range pass, which then leaves them: they are no longer float32 constants). */
export function storeFp16Weights(result: ConvertResult, names: Set<string>): number {
  if (!names.size) return 0;
  const sg = result.model.subgraphs[0];
  const name = uniqueNamer(sg);
  const deq = [];
  const n = sg.tensors.length;
  for (let idx = 0; idx < n; idx++) {
    const t = sg.tensors[idx];
    if (t.type !== 'FLOAT32' || !isConst(t) || !names.has(t.name)) continue;
    const src = sg.tensors.push({ name: name(`${t.name}_fp16`), type: 'FLOAT16', shape: [...t.shape], data: float16Bytes(floatData(t)) }) - 1;
    sg.tensors[idx] = { name: t.name, type: 'FLOAT32', shape: [...t.shape] };
    deq.push({ opcode: 'DEQUANTIZE', version: 3, inputs: [src], outputs: [idx] });
  }
  sg.operators.unshift(...deq);
  return deq.length;
}
