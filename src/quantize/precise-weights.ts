// Precise weights for the layers whose int8 weight rounding costs the task most. Even with every activation float,
// int8 weights alone change what a trained model does (PP-OCRv4 rec: dynamic-range int8 decodes 91.7% of lines as
// float32 does), so part of the size budget left under INT8_SIZE_BUDGET goes to weights: each op with weights of
// MIN_DYNAMIC_ELEMENTS+ elements (the candidates; a float op's smaller weights are int8-stored too, weights.ts
// storedInt8) is measured alone — the float32 model with only that op's weights rounded to int8 (per channel, round
// to nearest, as a float op's int8-stored weights are) — on the search's samples, by the search's measure (the
// task's for class / mask outputs, task-signal.ts, else the pooled SNR of the logits, sensitivity.ts). The ops whose rounding costs the most run in float32 with float32
// weights (three bytes per weight over int8), the number growing while the model fits the size budget and the
// search's latency bound (mixed-precision.ts). Not float16 weights: LiteRT.js runs a DEQUANTIZE of a FLOAT16
// constant at every inference (PP-OCRv4 rec with float16 weights for 4 ops measured 1.89× float32, `--quantize fp16`
// 4.87×), while float32 weights are packed once.
import type { ConvertResult } from '../convert/convert';
import type { TflModel, TflSubgraph } from '../tflite/model';
import type { Scorer } from './sensitivity';
import { INT8_OPS } from './int8-ops';
import { isConst } from './graph';
import { elementCount, floatData, quantizeSymmetric, weightAxis } from './params';

export interface WeightPoint {
  /** The op (float model index) and its weight tensor. */
  op: number;
  weight: number;
  elements: number;
  /** The search's measure (OutputScore.objective: the task's smooth measure, else the output SNR in dB) with only
   *  this op's weights int8. */
  measure: number;
}

/** The candidate ops: those reading a float32 constant weight (of any size: small ones are the cheapest to keep). */
export function weightOps(sg: TflSubgraph): { op: number; weight: number; elements: number }[] {
  const out: { op: number; weight: number; elements: number }[] = [];
  sg.operators.forEach((op, k) => {
    if (!INT8_OPS[op.opcode]?.weights || weightAxis(op.opcode) === undefined) return;
    const w = sg.tensors[op.inputs[1]];
    if (!w || w.type !== 'FLOAT32' || !isConst(w)) return;
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
    points.push({ ...w, measure: s.objective });
  }
  // Ties (and equal SNRs) in graph order: the ranking depends only on the model and the samples.
  return points.sort((a, b) => a.measure - b.measure || a.op - b.op);
}
