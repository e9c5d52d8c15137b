// A deterministic run-time estimate of a (quantized) TFLite model on LiteRT's one-thread WASM XNNPack, for the
// mixed-precision search's stop rule (mixed-precision.ts): the search must write the same file for the same model and
// calibration on any machine, so it cannot stop at a time measured while it runs (on a loaded machine the same
// search of PaddleOCR det kept 168 ops float32, on a quiet one 7). `estimatedMs` (the search's): each op costs its
// work — multiply-accumulates for the ops with weights or a matmul (MACs), else the elements it writes — times a
// factor for the precision it runs in (float32, int8, 16x8) and QUANTIZE / DEQUANTIZE between them (per element),
// fitted once to whole-model LiteRT times (bench/cost-model-calibration.ts: on 2026-12-04, load 12-17, PaddleOCR det
// 640 float32 183.6 ms, int8 144.0 ms, all-16x8 4690 ms; rec 57.2 / 45.3 / 1443 ms). `tableEstimatedMs`: each op
// from the per-op table (op-costs.ts, fitted by bench/op-cost-fit.ts to each op of PP-OCRv4 rec / det timed alone
// with bench/op-latency.ts) for its kind (opcode; CONV_2D 1x1 apart from larger kernels), precision and work (per
// op, per MAC, per output pixel or per element): it sees what one factor per MAC misses (int8 1x1 convs ~0.5× float32,
// larger / depthwise ~0.6×, int8 MUL / ADD by a constant 1.2-2.4× per element) but ops timed alone overstate int8's
// share of a whole model. `boundMs` is that table with its int8 ops' and conversions' time weighted by
// WHOLE_MODEL_INT8_WEIGHT, fitted to whole models (bench/cost-correction-fit.ts): the work factors put PP-OCRv4 rec
// plain int8 at 0.78× float32 and a float-island choice at 0.83× where both measured 0.65× / 0.75×, so the search's
// 1.15× plain int8 lets float islands through that cost more than they buy. As the search's bound (bench int8-tasks,
// 2026-12-05, load 4-14): det chose the same 58 float32 ops (IoU 0.9766 / 0.9634, 0.76×), rec 23 instead of 61
// (0.63× instead of 0.76×, but 77.1% / 84.7% of lines instead of 79.2% / 88.2%), so it is not the bound yet; it prices
// the islands the opt-in prune puts back to int8 (island-prune.ts). A float op reading int8-stored weights through a
// DEQUANTIZE (a hybrid island) costs what float32 does: the constant DEQUANTIZE runs once. Ops that only reinterpret
// a buffer (RESHAPE, SQUEEZE, EXPAND_DIMS) cost nothing. Only ratios between estimates matter to the search.
import type { TflModel, TflOperator, TflSubgraph, TflTensor } from '../tflite/model';
import { isConst } from './graph';
import { OP_COSTS } from './op-costs';

/** A LiteRT op's own time beside its work (dispatch, XNNPack setup per run): the op-cost table's typical intercept. */
const PER_OP_NS = 5000;

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

/** An op's kind for the per-op cost table (op-costs.ts): its opcode, convolutions split by kernel (1×1 or larger),
 *  and its work: MACs, elements (of its largest activation) and output pixels (elements over the last axis). */
export interface OpWork { kind: string; macs: number; elems: number; pixels: number }

export function opWork(op: TflOperator, tensors: TflTensor[]): OpWork {
  const out = tensors[op.outputs[0]];
  // Elements touched: the largest activation read or written (a MEAN or a pool reads more than it writes).
  const acts = [...op.outputs, ...op.inputs.filter((i) => i >= 0 && tensors[i] && !isConst(tensors[i]))];
  const elems = Math.max(...acts.map((t) => elements(tensors[t])), 0);
  const pixels = out && out.shape.length ? elems / Math.max(1, out.shape[out.shape.length - 1]) : elems;
  const w = tensors[op.inputs[1]];
  const kind = op.opcode === 'CONV_2D' && w ? (w.shape[1] * w.shape[2] === 1 ? 'CONV_2D 1x1' : 'CONV_2D kxk') : op.opcode;
  return { kind, macs: opMacs(op, tensors), elems, pixels };
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

/** Estimated run time (ns) of one op: the measured per-op table (op-costs.ts) for its kind and precision (a kind
 *  measured only in float32 costs that in int8 too); 16x8 ops and kinds the table lacks by the work factors, plus the
 *  table's typical per-op time. */
export function opCostNs(op: TflOperator, tensors: TflTensor[], f: KernelFactors = KERNEL_FACTORS): number {
  if (FREE_OPS.has(op.opcode)) return 0;
  // A DEQUANTIZE of a constant (int8-stored weights) runs once, not per inference.
  if (op.opcode === 'DEQUANTIZE' && isConst(tensors[op.inputs[0]])) return 0;
  const w = opWork(op, tensors);
  const p = op.opcode === 'QUANTIZE' || op.opcode === 'DEQUANTIZE' ? undefined : opPrecision(op, tensors);
  const byP = OP_COSTS[w.kind];
  const c = p === 'int16' ? undefined : byP?.[p ?? 'float32'] ?? byP?.int8 ?? byP?.float32;
  if (c) return c.op + c.mac * w.macs + c.elem * w.elems + c.pixel * w.pixels;
  if (!p) return PER_OP_NS + w.elems * f.convert;
  return PER_OP_NS + (MAC_OPS.has(op.opcode) ? w.macs * f.mac[p] : w.elems * f.elem[p]);
}

/** The per-op table's estimate (ms) of a model's first subgraph, op by op, split by where the time goes: ops computing
 *  in float32, in int8, in 16x8 (work factors), and QUANTIZE / DEQUANTIZE of activations. */
export interface TableParts { float32: number; int8: number; int16: number; convert: number }

export function tableParts(model: TflModel, f: KernelFactors = KERNEL_FACTORS): TableParts {
  const sg = model.subgraphs[0];
  const parts: TableParts = { float32: 0, int8: 0, int16: 0, convert: 0 };
  for (const op of sg.operators) {
    const ns = opCostNs(op, sg.tensors, f);
    if (!ns) continue;
    parts[op.opcode === 'QUANTIZE' || op.opcode === 'DEQUANTIZE' ? 'convert' : opPrecision(op, sg.tensors)] += ns / 1e6;
  }
  return parts;
}

/** The per-op table's estimate (ms) of a model's first subgraph: the sum of its ops timed alone. Ops timed alone
 *  overstate int8's share (table: PP-OCRv4 rec plain int8 0.70×, det 0.81× float32; measured whole 0.61× / 0.68×):
 *  `boundMs` corrects that. */
export function tableEstimatedMs(model: TflModel, f: KernelFactors = KERNEL_FACTORS): number {
  const sg = model.subgraphs[0];
  let ns = 0;
  for (const op of sg.operators) ns += opCostNs(op, sg.tensors, f);
  return ns / 1e6;
}

/** How much of the per-op table's time for int8 ops and QUANTIZE / DEQUANTIZE a whole model spends (float32 ops 1):
 *  fitted by bench/cost-correction-fit.ts to whole PaddleOCR det / rec models (float32, plain int8 with and without
 *  an int8 RELU outside XNNPack, mixed-precision choices with 24-94 float32 ops) timed together on LiteRT: 0.84 and
 *  0.90 in two runs at load 12-24 (one weight: conversions are 2-5% of these models, too little to fit apart). */
export const WHOLE_MODEL_INT8_WEIGHT = 0.84;

/** A latency estimate for the mixed-precision search (ms, deterministic): the per-op table with its int8 ops and
 *  conversions weighted as whole models run them (WHOLE_MODEL_INT8_WEIGHT); 16x8 ops by the work factors. */
export function boundMs(model: TflModel, int8Weight = WHOLE_MODEL_INT8_WEIGHT): number {
  const p = tableParts(model);
  return p.float32 + p.int16 + int8Weight * (p.int8 + p.convert);
}

/** Estimated run time (ms) of a model's first subgraph (control-flow bodies are not counted): its work by the factors. */
export function estimatedMs(model: TflModel, f: KernelFactors = KERNEL_FACTORS): number {
  return workMs(subgraphWork(model.subgraphs[0]), f);
}
