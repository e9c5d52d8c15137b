// `--weight-rounding gptq`: int8 weights of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED rounded with GPTQ against
// the layer's own inputs on the calibration samples. Each TFLite layer is matched to its ONNX Conv / Gemm / MatMul by
// its weight values (the converter copies them), the ONNX input of that node is read from onnxruntime-node, and its
// im2col columns (ONNX padding, stride, dilation, in the TFLite filter's input order) build H per group (per
// channel for depthwise). Layers without a match keep round-to-nearest. Bias correction then removes the mean output
// shift the rounding leaves: b += (W − Q)·E[x], E[x] the mean calibration column. Measured on the shared CNNs
// (mean cosine on 8 held-out random inputs, full int8 on LiteRT), each part adds 0.001–0.003: GPTQ on conv,
// GPTQ on depthwise, bias correction; per-channel clip search finds nothing (uniform random weights).
import type { ConvertResult } from '../convert/convert';
import type { Model, Node, Tensor } from '../ir/types';
import type { TflTensor } from '../tflite/model';
import { attrInt, attrInts, attrString, attrFloat } from '../convert/attrs';
import { encodeModel } from '../onnx/writer';
import { openOnnx } from '../runtime/ort';
import { withOutputs } from '../calibration/ranges';
import { toFloat32 } from '../ir/tensor';
import { isConst } from './graph';
import { floatData, quantizeSymmetric, weightAxis, weightScaleAxis } from './params';
import { addColumn, gptqRow, inverseCholeskyUpper, symmetrize } from './gptq';

export type WeightRounding = 'nearest' | 'gptq';
export interface RoundedWeights {
  data: Int8Array;
  scales: number[];
  /** The float bias with the rounding's mean output shift removed: b + (W − Q)·E[x] (bias correction). */
  bias?: Float32Array;
  /** The float bias tensor `bias` replaces (a weight shared by ops with other biases keeps theirs). */
  biasTensor?: number;
}

/** Column budget per layer: at most MAX_COLUMNS, and about FLOP_BUDGET multiply-adds for H. */
const MAX_COLUMNS = 20_000;
const FLOP_BUDGET = 1e8;
/** Depthwise filters have 9 inputs per channel: a few thousand columns fill their H. */
const MAX_DEPTHWISE_COLUMNS = 5_000;
/** Fewer columns than this many per input leave H too close to singular: GPTQ then fits the calibration samples
 *  (e.g. a classifier seeing one pooled vector per sample) and does worse than nearest on new inputs. */
const MIN_COLUMNS_PER_INPUT = 4;
const DAMP = 0.01;

interface Layer {
  weight: number;
  /** The TFLite op's input tensor (its int8 scale sets the input rounding noise). */
  tflInput: number;
  tflBias: number;
  depthwise: boolean;
  input: string;
  cout: number;
  /** Row length in TFLite order: kh·kw·cinG (conv; ky, kx, ci), kh·kw (depthwise), K (fully connected). */
  K: number;
  groups: number;
  cinG: number;
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number;
  /** Begin pads (top, left); the ends follow from the input size. */
  pads?: number[];
  autoPad: string;
  fc: boolean;
  H: Float64Array[];
  /** Σ x per group, for E[x]. */
  sums: Float64Array[];
  cols: number;
  /** Whether H is built: false when the layer cannot reach MIN_COLUMNS_PER_INPUT · K columns (it stays nearest,
   *  with bias correction from `sums`): building its H would cost about K³ multiply-adds for nothing. */
  hessian?: boolean;
}

/** ONNX nodes with an initializer weight, by size, output channels, first and last weight value. */
function onnxCandidates(onnx: Model): Map<string, Node[]> {
  const m = new Map<string, Node[]>();
  for (const n of onnx.graph.nodes) {
    if (n.domain !== '' || !['Conv', 'Gemm', 'MatMul'].includes(n.opType)) continue;
    const w = onnx.graph.initializers.get(n.inputs[1]);
    if (!w || w.dtype !== 'float32' || !(w.data instanceof Float32Array)) continue;
    let rows: number;
    if (n.opType === 'Conv') { if (w.dims.length !== 4) continue; rows = w.dims[0]; }
    else if (w.dims.length !== 2) continue;
    else rows = n.opType === 'Gemm' && attrInt(n, 'transB', 0) ? w.dims[0] : w.dims[1];
    // First and last elements sit at the same place in the ONNX and TFLite layouts; matchLayer compares the rest.
    const k = `${w.data.length}:${rows}:${w.data[0]}:${w.data[w.data.length - 1]}`;
    const l = m.get(k) ?? [];
    l.push(n);
    m.set(k, l);
  }
  return m;
}

/** The layer when the TFLite weight (shape `shape`, values `v`) is exactly `n`'s ONNX weight in TFLite layout. */
function matchLayer(n: Node, onnx: Model, opcode: string, weight: number, shape: number[], v: Float32Array): Layer | undefined {
  const W = onnx.graph.initializers.get(n.inputs[1])!;
  const w = W.data as Float32Array;
  const base = { weight, tflInput: -1, tflBias: -1, sums: [], input: n.inputs[0], H: [], cols: 0, sh: 1, sw: 1, dh: 1, dw: 1, kh: 1, kw: 1, autoPad: 'NOTSET' };
  if (opcode === 'FULLY_CONNECTED') {
    if (n.opType === 'Conv' || shape.length !== 2) return undefined;
    if (n.opType === 'Gemm' && (attrInt(n, 'transA', 0) || attrFloat(n, 'alpha', 1) !== 1)) return undefined;
    const [cout, K] = shape;
    const trans = n.opType === 'Gemm' && attrInt(n, 'transB', 0) === 1;
    for (let c = 0; c < cout; c++) for (let k = 0; k < K; k++) if (v[c * K + k] !== w[trans ? c * K + k : k * cout + c]) return undefined;
    return { ...base, depthwise: false, fc: true, cout, K, groups: 1, cinG: K };
  }
  if (n.opType !== 'Conv' || shape.length !== 4) return undefined;
  const [co, ci, kh, kw] = W.dims;
  const group = attrInt(n, 'group', 1);
  const strides = attrInts(n, 'strides') ?? [1, 1];
  const dil = attrInts(n, 'dilations') ?? [1, 1];
  const conv = { kh, kw, sh: strides[0], sw: strides[1], dh: dil[0], dw: dil[1], pads: attrInts(n, 'pads'), autoPad: attrString(n, 'auto_pad', 'NOTSET') };
  if (opcode === 'CONV_2D') {
    if (shape[0] !== co || shape[1] !== kh || shape[2] !== kw || shape[3] !== ci) return undefined;
    const K = kh * kw * ci;
    for (let c = 0; c < co; c++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < ci; i++) {
      if (v[c * K + (y * kw + x) * ci + i] !== w[((c * ci + i) * kh + y) * kw + x]) return undefined;
    }
    return { ...base, ...conv, depthwise: false, fc: false, cout: co, K, groups: group, cinG: ci };
  }
  if (opcode === 'DEPTHWISE_CONV_2D') {
    if (ci !== 1 || shape[0] !== 1 || shape[1] !== kh || shape[2] !== kw || shape[3] !== co || co % group) return undefined;
    for (let c = 0; c < co; c++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
      if (v[(y * kw + x) * co + c] !== w[(c * kh + y) * kw + x]) return undefined;
    }
    return { ...base, ...conv, depthwise: true, fc: false, cout: co, K: kh * kw, groups: group, cinG: 1 };
  }
  return undefined;
}

function planLayers(result: ConvertResult, onnx: Model): Layer[] {
  const sg = result.model.subgraphs[0];
  const cands = onnxCandidates(onnx);
  const layers = new Map<number, Layer>();
  for (const op of sg.operators) {
    if (!['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED'].includes(op.opcode)) continue;
    const wi = op.inputs[1];
    if (wi === undefined || wi < 0 || layers.has(wi)) continue;
    const t = sg.tensors[wi];
    if (t.type !== 'FLOAT32' || !isConst(t)) continue;
    const v = floatData(t);
    const rows = t.shape[weightAxis(op.opcode)!];
    const list = cands.get(`${v.length}:${rows}:${v[0]}:${v[v.length - 1]}`) ?? [];
    const found = list.map((n) => matchLayer(n, onnx, op.opcode, wi, t.shape, v)).filter((l): l is Layer => !!l);
    // A weight shared by ONNX nodes with different inputs has no single H: keep it nearest.
    if (found.length && found.every((l) => l.input === found[0].input)) layers.set(wi, { ...found[0], tflInput: op.inputs[0], tflBias: op.inputs[2] ?? -1 });
  }
  return [...layers.values()];
}

function beginPads(l: Layer, H: number, W: number): [number, number] {
  if (l.autoPad === 'NOTSET') return [l.pads?.[0] ?? 0, l.pads?.[1] ?? 0];
  if (l.autoPad === 'VALID') return [0, 0];
  const one = (size: number, k: number, s: number, d: number) => {
    const out = Math.ceil(size / s);
    const total = Math.max(0, (out - 1) * s + (k - 1) * d + 1 - size);
    return l.autoPad === 'SAME_LOWER' ? Math.ceil(total / 2) : Math.floor(total / 2);
  };
  return [one(H, l.kh, l.sh, l.dh), one(W, l.kw, l.sw, l.dw)];
}

/** Columns a layer gets over all samples when each sample takes every `step`-th of its `positions` from its own
 *  offset (sample % step), as accumulate does. */
export function plannedColumns(positions: number, samples: number, step: number): number {
  let cols = 0;
  for (let s = 0; s < samples; s++) cols += Math.max(0, Math.ceil((positions - (s % step)) / step));
  return cols;
}

/** Allocates the layer's sums, and its H only when `cols` columns are enough for GPTQ to round it. */
function allocate(l: Layer, cols: number): void {
  if (l.sums.length) return;
  l.hessian = cols >= MIN_COLUMNS_PER_INPUT * l.K;
  for (let g = 0; g < l.groups; g++) {
    if (l.hessian) l.H.push(new Float64Array(l.K * l.K));
    l.sums.push(new Float64Array(l.K));
  }
}

/** Adds one sample's input of layer `l` (ONNX NCHW, or [N, K] for fully connected) to its H. */
function accumulate(l: Layer, x: Tensor, sample: number, samples: number): void {
  const d = x.data as Float32Array;
  const K = l.K;
  const add = (g: number, x: Float64Array) => {
    if (l.hessian) addColumn(l.H[g], x, K);
    const sg = l.sums[g];
    for (let k = 0; k < K; k++) sg[k] += x[k];
  };
  const col = new Float64Array(K);
  if (l.fc) {
    const rows = d.length / K;
    allocate(l, rows * samples);
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < K; k++) col[k] = d[r * K + k];
      add(0, col);
      l.cols++;
    }
    return;
  }
  const [N, C, H, W] = x.dims;
  const [pt, pl] = beginPads(l, H, W);
  const pb = l.autoPad === 'NOTSET' ? (l.pads?.[2] ?? 0) : 0;
  const pr = l.autoPad === 'NOTSET' ? (l.pads?.[3] ?? 0) : 0;
  const oh = l.autoPad === 'NOTSET' || l.autoPad === 'VALID' ? Math.floor((H + pt + pb - ((l.kh - 1) * l.dh + 1)) / l.sh) + 1 : Math.ceil(H / l.sh);
  const ow = l.autoPad === 'NOTSET' || l.autoPad === 'VALID' ? Math.floor((W + pl + pr - ((l.kw - 1) * l.dw + 1)) / l.sw) + 1 : Math.ceil(W / l.sw);
  if (C !== l.groups * l.cinG || oh <= 0 || ow <= 0) return;
  const positions = N * oh * ow;
  const cap = Math.min(l.depthwise ? MAX_DEPTHWISE_COLUMNS : MAX_COLUMNS, Math.max(2 * K, Math.floor(FLOP_BUDGET / (l.groups * K * K / 2 + 1))));
  const step = Math.max(1, Math.ceil((positions * samples) / cap));
  allocate(l, plannedColumns(positions, samples, step));
  for (let p = sample % step; p < positions; p += step) {
    const n = Math.floor(p / (oh * ow));
    const oy = Math.floor(p / ow) % oh;
    const ox = p % ow;
    for (let g = 0; g < l.groups; g++) {
      for (let ky = 0; ky < l.kh; ky++) {
        const iy = oy * l.sh - pt + ky * l.dh;
        for (let kx = 0; kx < l.kw; kx++) {
          const ix = ox * l.sw - pl + kx * l.dw;
          const inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
          const kb = (ky * l.kw + kx) * l.cinG;
          for (let ci = 0; ci < l.cinG; ci++) {
            col[kb + ci] = inside ? d[((n * C + g * l.cinG + ci) * H + iy) * W + ix] : 0;
          }
        }
      }
      add(g, col);
    }
    l.cols++;
  }
}

/** Rounds layer `l`'s TFLite weight (values `v`) with GPTQ and the given per-channel (or per-tensor) scales. */
function roundLayer(l: Layer, v: Float32Array, scales: number[], fallback: Int8Array, inputScale: number, tune: GptqTuning = {}): Int8Array | undefined {
  const out = Int8Array.from(fallback);
  let rounded = false;
  const K = l.K;
  const perGroup = l.cout / l.groups;
  const row = new Float64Array(K);
  const q = new Int8Array(K);
  for (let g = 0; g < l.groups; g++) {
    const H = l.H[g];
    if (!H) continue;
    symmetrize(H, K);
    if (l.cols < MIN_COLUMNS_PER_INPUT * K) continue;
    // The int8 input adds rounding noise of variance scale²/12 on every input: GPTQ must not hide the weight error
    // in directions the calibration data leaves empty but that noise fills.
    // actOrder: inputs rounded in order of falling H diagonal (the most active inputs first, their error spread
    // over the quieter ones).
    const order = tune.actOrder ? [...Array(K).keys()].sort((a, b) => H[b * K + b] - H[a * K + a]) : undefined;
    const Hp = order ? permuted(H, K, order) : H;
    const U = inverseCholeskyUpper(Hp, K, tune.damp ?? DAMP, l.cols * inputScale * inputScale / 12);
    if (!U) continue;
    rounded = true;
    for (let c = g * perGroup; c < (g + 1) * perGroup; c++) {
      const at = (k: number) => (l.depthwise ? k * l.cout + c : c * K + k);
      for (let k = 0; k < K; k++) row[k] = v[at(order ? order[k] : k)];
      gptqRow(row, scales.length === 1 ? scales[0] : scales[c], U, K, q);
      for (let k = 0; k < K; k++) out[at(order ? order[k] : k)] = q[k];
    }
  }
  return rounded ? out : undefined;
}

/** H with rows and columns taken in `order`. */
function permuted(H: Float64Array, K: number, order: number[]): Float64Array {
  const P = new Float64Array(K * K);
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) P[i * K + j] = H[order[i] * K + order[j]];
  return P;
}

/** GPTQ's knobs: `damp` (fraction of H's mean diagonal added, default DAMP), `actOrder` (inputs by falling H diagonal). */
export interface GptqTuning { damp?: number; actOrder?: boolean }

/** b + (W − Q)·E[x] per output channel, E[x] the mean calibration column of the channel's group. */
function correctedBias(l: Layer, v: Float32Array, q: Int8Array, scales: number[], b: TflTensor | undefined): Float32Array | undefined {
  if (!b || b.type !== 'FLOAT32' || !isConst(b) || !l.cols) return undefined;
  const bias = floatData(b);
  if (bias.length !== l.cout) return undefined;
  const out = Float32Array.from(bias);
  const perGroup = l.cout / l.groups;
  for (let c = 0; c < l.cout; c++) {
    const mean = l.sums[Math.floor(c / perGroup)];
    const s = scales.length === 1 ? scales[0] : scales[c];
    let shift = 0;
    for (let k = 0; k < l.K; k++) {
      const i = l.depthwise ? k * l.cout + c : c * l.K + k;
      shift += (v[i] - q[i] * s) * mean[k];
    }
    out[c] += shift / l.cols;
  }
  return out;
}

/** layers: weights GPTQ rounded (bias correction may touch more), of: conv / depthwise / fully connected ops,
 *  hessians: layers whose H was built (those with enough calibration columns to round). */
export interface GptqStats { layers: number; of: number; ms: number; hessians?: number }

/** GPTQ-rounded int8 weights by TFLite weight tensor index, for the float model `result` (before the int8 pass). */
export async function gptqWeights(result: ConvertResult, onnx: Model, samples: Tensor[][],
  opts: { perTensor?: boolean; inputScale?: (tensor: number) => number | undefined } & GptqTuning = {}):
  Promise<{ weights: Map<number, RoundedWeights>; stats: GptqStats }> {
  const t0 = performance.now();
  const sg = result.model.subgraphs[0];
  const of = sg.operators.filter((op) => ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED'].includes(op.opcode)).length;
  const layers = planLayers(result, onnx);
  const weights = new Map<number, RoundedWeights>();
  if (!layers.length || !samples.length) return { weights, stats: { layers: 0, of, ms: performance.now() - t0 } };
  const graphInputs = new Set(onnx.graph.inputs.map((i) => i.name));
  const names = [...new Set(layers.map((l) => l.input).filter((n) => !graphInputs.has(n)))];
  const session = names.length ? await openOnnx(encodeModel(withOutputs(onnx, names), { valueInfo: false })) : undefined;
  try {
    for (let s = 0; s < samples.length; s++) {
      const out = session ? await session.run(samples[s], names) : new Map<string, Tensor>();
      for (const t of samples[s]) out.set(t.name, t);
      for (const l of layers) {
        const v = out.get(l.input);
        const x = v?.dtype === 'float16' ? { ...v, dtype: 'float32' as const, data: toFloat32(v) } : v;
        if (x && x.data instanceof Float32Array) accumulate(l, x, s, samples.length);
      }
    }
  } finally {
    await session?.close();
  }
  let rounded = 0;
  for (const l of layers) {
    if (!l.cols) continue;
    const t = sg.tensors[l.weight];
    const v = floatData(t);
    const axis = opts.perTensor ? undefined : weightScaleAxis(v, t.shape, l.depthwise ? 3 : 0);
    const nearest = quantizeSymmetric(v, t.shape, axis);
    const data = roundLayer(l, v, nearest.scales, nearest.data, opts.inputScale?.(l.tflInput) ?? 0, opts);
    // Bias correction also for layers GPTQ leaves nearest (a classifier seeing one pooled column per sample).
    const bias = correctedBias(l, v, data ?? nearest.data, nearest.scales, sg.tensors[l.tflBias]);
    if (data) rounded++;
    if (data || bias) weights.set(l.weight, { data: data ?? nearest.data, scales: nearest.scales, bias, biasTensor: l.tflBias });
  }
  return { weights, stats: { layers: rounded, of, ms: performance.now() - t0, hessians: layers.filter((l) => l.hessian).length } };
}
