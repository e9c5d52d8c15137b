// Empirical bias correction for full-integer int8: the int8 model's conv / depthwise / fully connected outputs are
// shifted from the float model's by a per-channel mean that rounding and clipped activation ranges leave (a clipped
// tail always pulls the mean the same way). Both models run on the calibration samples with every such output as an
// extra graph output (the int8 one dequantized by the int8 pass itself); the mean difference per output channel, over
// the positions where neither output sits on the op's fused activation clamp (there the pre-activation is unseen), is
// subtracted from the bias. The layers are corrected together, then measured again: a layer's shift partly comes
// from the layers before it, which the first round corrects as well, so later rounds take out what is left.
import type { ConvertResult } from '../convert/convert';
import type { Tensor } from '../ir/types';
import { openTflite } from '../runtime/litert';
import { toTfliteLayout } from '../runtime/tflite-onnx-io';
import { serializeTflite } from '../tflite/writer';
import { consumersOf, isConst, isFloatActivation } from './graph';
import { Int8Options, quantizeInt8 } from './int8';
import { cloneResult } from './mixed-precision';
import type { QParams } from './params';

const LAYERS = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED']);
const CLAMP: Record<string, [number, number]> = { NONE: [-Infinity, Infinity], RELU: [0, Infinity], RELU6: [0, 6], RELU_N1_TO_1: [-1, 1] };
/** Channels measured on fewer positions than this keep their bias. */
const MIN_POSITIONS = 16;

interface Target { op: number; output: number; bias: number; clamp: [number, number]; channels: number }

/** The layers whose bias can move: int8 ops with a float constant bias of their own, one value per output channel. */
function targets(result: ConvertResult, params: Map<number, QParams>): Target[] {
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
function withOutputs(result: ConvertResult, ts: Target[]): { copy: ConvertResult; first: number } {
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

/** Per-channel bias deltas that take the int8 model's mean output shift out (for Int8Options.biasDelta). */
export async function correctBiases(result: ConvertResult, params: Map<number, QParams>, opts: Int8Options, samples: Tensor[][],
  rounds = 2): Promise<BiasCorrection> {
  const t0 = performance.now();
  const ts = targets(result, params);
  const delta = new Map<number, Float32Array>(ts.map((x) => [x.bias, new Float32Array(x.channels)]));
  if (!ts.length || !samples.length) return { delta: new Map(), layers: 0, ms: performance.now() - t0 };
  const float = withOutputs(result, ts);
  const floatModel = serializeTflite(float.copy.model);
  for (let round = 0; round < rounds; round++) {
    const q = withOutputs(result, ts);
    quantizeInt8(q.copy, params, { ...opts, int8Io: false, int16Ops: new Set(), splitOps: new Set(), biasDelta: delta });
    const sum = ts.map((x) => new Float64Array(x.channels));
    const count = ts.map((x) => new Float64Array(x.channels));
    await runBoth(floatModel, serializeTflite(q.copy.model), result, samples, (fo, qo) => {
      ts.forEach((x, j) => {
        const f = fo[float.first + j].data as Float32Array;
        const g = qo[q.first + j].data as Float32Array;
        const [lo, hi] = x.clamp;
        const C = x.channels;
        for (let i = 0; i < f.length; i++) {
          const a = f[i];
          const b = g[i];
          if (a <= lo || a >= hi || b <= lo || b >= hi) continue;
          sum[j][i % C] += b - a;
          count[j][i % C]++;
        }
      });
    });
    ts.forEach((x, j) => {
      const d = delta.get(x.bias)!;
      for (let c = 0; c < x.channels; c++) if (count[j][c] >= MIN_POSITIONS) d[c] -= sum[j][c] / count[j][c];
    });
  }
  return { delta, layers: ts.length, ms: performance.now() - t0 };
}
