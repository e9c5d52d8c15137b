// A deterministic run-time estimate of a (quantized) TFLite model on LiteRT's one-thread WASM XNNPack, for the
// mixed-precision search's stop rule (mixed-precision.ts): the search must write the same file for the same model and
// calibration on any machine, so it cannot stop at a time measured while it runs (on a loaded machine the same
// search of PaddleOCR det kept 168 ops float32, on a quiet one 7). Each op costs its work — multiply-accumulates for
// the ops with weights or a matmul (MACs), else the elements it writes — times a factor for the precision it runs
// in: float32 (XNNPack f32), int8 (XNNPack qs8/qu8, or TFLite's optimized int8 kernels), 16x8 (int16 activations:
// TFLite's reference kernels) and QUANTIZE / DEQUANTIZE between them (per element). A float op reading int8-stored
// weights through a DEQUANTIZE (a hybrid island, hybrid-islands.ts) costs what float32 does: the constant DEQUANTIZE
// runs once. Ops that only reinterpret a buffer (RESHAPE, SQUEEZE, EXPAND_DIMS) cost nothing.
//
// The factors (ns per MAC / per element) were fitted once to LiteRT run times measured with bench/paired-latency.ts
// (thread CPU time, interleaved rounds; bench/cost-model-calibration.ts prints the measurements and the fit): on
// 2026-12-04 (load 12-17 on 2 cores; ratios hold under load, see paired-latency.ts) PaddleOCR det 640 float32 183.6 ms,
// int8 144.0 ms (0.78×), all-16x8 4690 ms (25.6×); rec 48×320 57.2 / 45.3 (0.79×) / 1443 ms (25.2×). The fit
// estimates those within 4% (the small classifier at half: its time is per-op overhead). Only ratios between estimates matter to the search.
import type { TflModel, TflOperator, TflSubgraph, TflTensor } from '../tflite/model';
import { isConst } from './graph';

export type Precision = 'float32' | 'int8' | 'int16';

export interface KernelFactors {
  /** ns per multiply-accumulate of CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED / BATCH_MATMUL / TRANSPOSE_CONV. */
  mac: Record<Precision, number>;
  /** ns per output element of every other op. */
  elem: Record<Precision, number>;
  /** ns per element of a QUANTIZE / DEQUANTIZE of an activation. */
  convert: number;
}

/** Fitted by bench/cost-model-calibration.ts (see there for the measurements). */
export const KERNEL_FACTORS: KernelFactors = {
  mac: { float32: 0.0758, int8: 0.0548, int16: 1.0 },
  elem: { float32: 0.2, int8: 0.2, int16: 4.7 },
  convert: 0.2,
};

const MAC_OPS = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'BATCH_MATMUL', 'TRANSPOSE_CONV']);
const FREE_OPS = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS']);

const elements = (t: TflTensor | undefined): number => (t ? t.shape.reduce((a, d) => a * Math.max(1, d), 1) : 0);

/** Multiply-accumulates of an op with weights or a matmul (0 for other ops). */
export function opMacs(op: TflOperator, tensors: TflTensor[]): number {
  const out = elements(tensors[op.outputs[0]]);
  const w = tensors[op.inputs[1]];
  switch (op.opcode) {
    case 'CONV_2D': // weights [O, KH, KW, I]
      return w ? out * w.shape[1] * w.shape[2] * w.shape[3] : 0;
    case 'DEPTHWISE_CONV_2D': // weights [1, KH, KW, O]
      return w ? out * w.shape[1] * w.shape[2] : 0;
    case 'FULLY_CONNECTED': // weights [O, I]
      return w ? out * w.shape[w.shape.length - 1] : 0;
    case 'TRANSPOSE_CONV': { // inputs: output shape, weights [O, KH, KW, I], input
      const x = tensors[op.inputs[2]];
      return w && x ? elements(x) * w.shape[0] * w.shape[1] * w.shape[2] : 0;
    }
    case 'BATCH_MATMUL': {
      const a = tensors[op.inputs[0]];
      if (!a || a.shape.length < 2) return 0;
      const k = op.options?.adjX ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
      return out * k;
    }
    default:
      return 0;
  }
}

/** The precision an op computes in: that of its first activation (non-constant) input, else its output. */
export function opPrecision(op: TflOperator, tensors: TflTensor[]): Precision {
  const act = op.inputs.find((i) => i >= 0 && tensors[i] && !isConst(tensors[i]));
  const t = tensors[act ?? op.outputs[0]];
  return t?.type === 'INT8' || t?.type === 'UINT8' ? 'int8' : t?.type === 'INT16' ? 'int16' : 'float32';
}

/** Work by kind, summed over a subgraph: MACs and elements per precision, and converted elements. */
export interface Work { mac: Record<Precision, number>; elem: Record<Precision, number>; convert: number }

export function subgraphWork(sg: TflSubgraph): Work {
  const w: Work = { mac: { float32: 0, int8: 0, int16: 0 }, elem: { float32: 0, int8: 0, int16: 0 }, convert: 0 };
  for (const op of sg.operators) {
    if (FREE_OPS.has(op.opcode)) continue;
    const t = sg.tensors;
    if (op.opcode === 'QUANTIZE' || op.opcode === 'DEQUANTIZE') {
      // A DEQUANTIZE of a constant (int8-stored weights) runs once, not per inference.
      if (!isConst(t[op.inputs[0]])) w.convert += elements(t[op.outputs[0]]);
      continue;
    }
    const p = opPrecision(op, t);
    if (MAC_OPS.has(op.opcode)) w.mac[p] += opMacs(op, t);
    else w.elem[p] += Math.max(...op.outputs.map((o) => elements(t[o])), 0);
  }
  return w;
}

/** Estimated run time (ms) of work under the factors. */
export function workMs(w: Work, f: KernelFactors = KERNEL_FACTORS): number {
  let ns = w.convert * f.convert;
  for (const p of ['float32', 'int8', 'int16'] as Precision[]) ns += w.mac[p] * f.mac[p] + w.elem[p] * f.elem[p];
  return ns / 1e6;
}

/** Estimated run time (ms) of a model's first subgraph (control-flow bodies are not counted). */
export function estimatedMs(model: TflModel, f: KernelFactors = KERNEL_FACTORS): number {
  return workMs(subgraphWork(model.subgraphs[0]), f);
}
