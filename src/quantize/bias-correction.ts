// Bias correction for full-integer int8: an int8 layer's output is shifted from the float one by a per-channel
// mean that its own int8 input (rounding, and clipping where the range is narrower than the data: a clipped tail
// always pulls the mean the same way) and its own weight rounding leave. correctBiases measures both on the
// calibration samples (the float model on LiteRT, every conv / depthwise / fully connected input as an extra output)
// and moves each layer's bias by minus the input's part of that shift (the weights' part is GPTQ's business), before its fused activation. Each layer is corrected for its own
// error only: correcting every layer by the whole int8 model's shift at its output (what meanShifts measures) counts
// the earlier layers' shift again at every later layer and made mobilenet_v3_small's shift 20× larger.
import type { ConvertResult } from '../convert/convert';
import type { Tensor } from '../ir/types';
import { readFloatValues } from '../calibration/float-values';
import { openTflite } from '../runtime/litert';
import { toTfliteLayout } from '../runtime/tflite-onnx-io';
import { serializeTflite } from '../tflite/writer';
import { consumersOf, isConst, isFloatActivation } from './graph';
import { Int8Options, quantizeInt8 } from './int8';
import { cloneResult } from './mixed-precision';
import { floatData, roundAway, type QParams } from './params';

const LAYERS = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED']);
const CLAMP: Record<string, [number, number]> = { NONE: [-Infinity, Infinity], RELU: [0, Infinity], RELU6: [0, 6], RELU_N1_TO_1: [-1, 1] };
/** Channels measured on fewer positions than this keep their bias. */
export const MIN_POSITIONS = 16;

export interface Target { op: number; output: number; bias: number; clamp: [number, number]; channels: number }

/** The layers whose bias can move: int8 ops with a float constant bias of their own, one value per output channel. */
export function targets(result: ConvertResult, params: Map<number, QParams>): Target[] {
  const sg = result.model.subgraphs[0];
  const t = sg.tensors;
  const use = consumersOf(sg);
  const out: Target[] = [];
  sg.operators.forEach((op, k) => {
    if (!LAYERS.has(op.opcode)) return;
    const [x, w, b] = op.inputs;
    const o = op.outputs[0];
    if (x === undefined || x < 0 || !params.has(x) || w === undefined || w < 0 || !isConst(t[w])) return;
    if (b === undefined || b < 0 || !isConst(t[b]) || t[b].type !== 'FLOAT32' || (use.get(b)?.length ?? 0) !== 1) return;
    if (!isFloatActivation(t[o]) || !params.has(o) || sg.outputs.includes(o)) return;
    const clamp = CLAMP[String(op.options?.fusedActivationFunction ?? 'NONE')];
    const channels = t[b].shape[0] ?? 1;
    if (!clamp || t[o].shape[t[o].shape.length - 1] !== channels) return;
    out.push({ op: k, output: o, bias: b, clamp, channels });
  });
  return out;
}

/** Runs the float and the int8 model (same extra outputs) on every sample, one sample at a time. */
async function runBoth(float: Uint8Array, int8: Uint8Array, result: ConvertResult, samples: Tensor[][],
  each: (f: Tensor[], q: Tensor[]) => void): Promise<void> {
  const a = await openTflite(float);
  try {
    const b = await openTflite(int8);
    try {
      const md = result.metadata;
      for (const s of samples) {
        const inputs = md.inputs.map((m, k) => toTfliteLayout(s[k], m));
        each(await a.run(inputs), await b.run(inputs));
      }
    } finally {
      b.close();
    }
  } finally {
    a.close();
  }
}

/** A copy of `result` whose graph outputs end with the targets' outputs. */
export function withOutputs(result: ConvertResult, ts: Target[]): { copy: ConvertResult; first: number } {
  const copy = cloneResult(result);
  const sg = copy.model.subgraphs[0];
  const first = sg.outputs.length;
  sg.outputs.push(...ts.map((x) => x.output));
  copy.model.signatures = undefined;
  return { copy, first };
}

export interface BiasCorrection {
  /** What to add to each corrected float bias tensor (by index in the float model), per output channel. */
  delta: Map<number, Float32Array>;
  layers: number;
  ms: number;
}

/** The int8 model's mean output shift from the float model per target layer and output channel (NaN where fewer
 *  than MIN_POSITIONS positions were off the clamp), on `samples`, with `opts` (biasDelta included) as the int8 pass's. */
export async function meanShifts(result: ConvertResult, params: Map<number, QParams>, opts: Int8Options, samples: Tensor[][],
  ts = targets(result, params)): Promise<{ targets: Target[]; shifts: Float64Array[] }> {
  const float = withOutputs(result, ts);
  const q = withOutputs(result, ts);
  quantizeInt8(q.copy, params, { ...opts, int8Io: false, int16Ops: new Set(), splitOps: new Set() });
  const sum = ts.map((x) => new Float64Array(x.channels));
  const count = ts.map((x) => new Float64Array(x.channels));
  await runBoth(serializeTflite(float.copy.model), serializeTflite(q.copy.model), result, samples, (fo, qo) => {
    ts.forEach((x, j) => {
      const f = fo[float.first + j].data as Float32Array;
      const g = qo[q.first + j].data as Float32Array;
      const [lo, hi] = x.clamp;
      const C = x.channels;
      const sj = sum[j];
      const cj = count[j];
      for (let i = 0; i < f.length; i++) {
        const a = f[i];
        const b = g[i];
        if (a <= lo || a >= hi || b <= lo || b >= hi) continue;
        sj[i % C] += b - a;
        cj[i % C]++;
      }
    });
  });
  return { targets: ts, shifts: sum.map((sj, j) => sj.map((v, c) => (count[j][c] >= MIN_POSITIONS ? v / count[j][c] : NaN))) };
}

/** Per-channel bias deltas that take out the mean output shift each layer's own int8 input makes: the mean
 *  rounding-and-clipping error of the input, E[Q(x) − x] per input channel over the calibration samples (x from the
 *  float model), through the layer's float weights (padding, which quantizes exactly, aside). A layer's output is
 *  corrected before its activation, for its own error only: what earlier layers shift, their own deltas take out. */
export async function correctBiases(result: ConvertResult, params: Map<number, QParams>, samples: Tensor[][]): Promise<BiasCorrection> {
  const t0 = performance.now();
  const sg = result.model.subgraphs[0];
  const t = sg.tensors;
  const ts = targets(result, params);
  if (!ts.length || !samples.length) return { delta: new Map(), layers: 0, ms: performance.now() - t0 };
  // Each layer's float input, read on LiteRT (graph inputs from the samples themselves: see float-values.ts).
  const read = [...new Set(ts.map((x) => sg.operators[x.op].inputs[0]))];
  const err = new Map<number, { sum: Float64Array; n: number }>();
  await readFloatValues(result, read, samples, (byTensor) => {
    for (const [i, x] of byTensor) {
      const p = params.get(i);
      if (!p) continue;
      const C = t[i].shape[t[i].shape.length - 1] ?? 1;
      const e = err.get(i) ?? { sum: new Float64Array(C), n: 0 };
      for (let k = 0; k < x.length; k++) {
        const q = (Math.max(-128, Math.min(127, roundAway(x[k] / p.scale) + p.zeroPoint)) - p.zeroPoint) * p.scale;
        e.sum[k % C] += q - x[k];
      }
      e.n += x.length / C;
      err.set(i, e);
    }
  });
  const delta = new Map<number, Float32Array>();
  for (const x of ts) {
    const op = sg.operators[x.op];
    const e = err.get(op.inputs[0]);
    if (!e || !e.n) continue;
    const mean = Array.from(e.sum, (v) => v / e.n);
    if (!mean.every(Number.isFinite)) continue;
    const w = floatData(t[op.inputs[1]]);
    // Only the input's shift: also taking out the weights' own rounding shift, (Ŵ − W)·E[Q(x)] (what GPTQ's bias
    // correction does), lowered PP-OCRv4 det's mask IoU (0.867 → 0.837) where the input part alone raises it (0.876).
    const d = new Float32Array(x.channels);
    const cin = mean.length;
    if (op.opcode === 'DEPTHWISE_CONV_2D') {
      // [1, kh, kw, Cout]; output channel c reads input channel c / multiplier.
      const m = x.channels / cin;
      for (let i = 0; i < w.length; i++) {
        const c = i % x.channels;
        const ci = Math.floor(c / m);
        d[c] -= w[i] * mean[ci];
      }
    } else {
      // CONV_2D [Cout, kh, kw, Cin], FULLY_CONNECTED [Cout, K]: input channel is the innermost index.
      const per = w.length / x.channels;
      if (per % cin) continue;
      for (let c = 0; c < x.channels; c++) {
        let acc = 0;
        for (let k = 0; k < per; k++) {
          const i = c * per + k;
          acc += w[i] * mean[k % cin];
        }
        d[c] = -acc;
      }
    }
    delta.set(x.bias, d);
  }
  return { delta, layers: delta.size, ms: performance.now() - t0 };
}
