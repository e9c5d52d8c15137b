// Error metrics between a reference tensor and a compared one, read through strided views so that a TFLite tensor
// in its own layout (TFLite dim i = ONNX dim perm[i]) is compared with the ONNX tensor without copying it.
import { bfloat16ToFloat, halfToFloat } from '../ir/tensor';
import type { Metrics } from './types';
import type { TflModel } from '../tflite/model';
import { producersOf } from '../tflite/graph';

export const SNR_CAP = 200;
/** Largest |got| that still matches an all-zero reference. */
export const ZERO_TOL = 1e-5;

/** A tensor's values seen in ONNX dim order: element at ONNX index (i0..ik) is data[Σ ij·strides[j]]. */
export interface View {
  data: ArrayLike<number>;
  /** ONNX dims. */
  dims: number[];
  /** Element strides per ONNX dim. */
  strides: number[];
}

function rowMajor(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) { s[i] = acc; acc *= dims[i]!; }
  return s;
}

/** An ONNX-layout tensor. */
export function onnxView(data: ArrayLike<number>, dims: number[]): View {
  return { data, dims: [...dims], strides: rowMajor(dims) };
}

/** A TFLite tensor of dims `tflDims` holding ONNX dims permuted by `perm`. */
export function permutedView(data: ArrayLike<number>, tflDims: number[], perm: number[]): View {
  const st = rowMajor(tflDims);
  const dims = new Array<number>(perm.length);
  const strides = new Array<number>(perm.length);
  perm.forEach((p, i) => { dims[p] = tflDims[i]!; strides[p] = st[i]!; });
  return { data, dims, strides };
}

/** Why two views cannot be compared element by element ('' when they can). */
export function mismatch(a: View, b: View): string {
  const count = (d: number[]) => d.reduce((x, y) => x * y, 1);
  if (a.dims.length === b.dims.length && a.dims.every((d, i) => d === b.dims[i])) return '';
  if (count(a.dims) === count(b.dims) && isContiguous(a) && isContiguous(b)) return '';
  return `shape [${a.dims.join(', ')}] vs [${b.dims.join(', ')}]`;
}

function isContiguous(v: View): boolean {
  const s = rowMajor(v.dims);
  return v.dims.every((d, i) => d === 1 || s[i] === v.strides[i]);
}

class Acc {
  n = 0; sumAbs = 0; maxAbs = 0; maxRef = 0; ref2 = 0; got2 = 0; err2 = 0; dot = 0; bad = 0;
  add(r: number, g: number): void {
    const d = g - r;
    if (!Number.isFinite(d)) {
      // Same non-finite value on both sides counts as equal; anything else is a failure of the compared model.
      if (!(Object.is(r, g) || (Number.isNaN(r) && Number.isNaN(g)))) this.bad++;
      this.n++;
      return;
    }
    const ad = d < 0 ? -d : d;
    const ar = r < 0 ? -r : r;
    this.n++;
    this.sumAbs += ad;
    if (ad > this.maxAbs) this.maxAbs = ad;
    if (ar > this.maxRef) this.maxRef = ar;
    this.ref2 += r * r;
    this.got2 += g * g;
    this.err2 += d * d;
    this.dot += r * g;
  }
  result(): Metrics {
    if (this.bad > 0) return { maxAbs: Infinity, meanAbs: Infinity, rel: Infinity, cosine: 0, snrDb: -SNR_CAP };
    const rel = this.maxRef > 0 ? this.maxAbs / this.maxRef : this.maxAbs;
    const cosine = this.ref2 === 0 && this.got2 === 0 ? 1
      : this.ref2 === 0 || this.got2 === 0 ? 0 : this.dot / Math.sqrt(this.ref2 * this.got2);
    // An all-zero reference has no signal to measure noise against: within ZERO_TOL it is a match, else a failure.
    let snrDb = this.err2 === 0 ? SNR_CAP : this.ref2 === 0 ? (this.maxAbs <= ZERO_TOL ? SNR_CAP : -SNR_CAP)
      : 10 * Math.log10(this.ref2 / this.err2);
    snrDb = Math.max(-SNR_CAP, Math.min(SNR_CAP, snrDb));
    return { maxAbs: this.maxAbs, meanAbs: this.n ? this.sumAbs / this.n : 0, rel, cosine: Math.max(-1, Math.min(1, cosine)), snrDb };
  }
}

/** Metrics of `got` against `ref`; the views must not mismatch (see mismatch()). */
export function compareViews(ref: View, got: View): Metrics {
  const acc = new Acc();
  const rd = ref.data;
  const gd = got.data;
  const rank = ref.dims.length;
  const sameDims = rank === got.dims.length && ref.dims.every((d, i) => d === got.dims[i]);
  if (!sameDims || (isContiguous(ref) && isContiguous(got))) {
    const n = Math.min(rd.length, gd.length);
    for (let i = 0; i < n; i++) acc.add(rd[i]!, gd[i]!);
    return acc.result();
  }
  // Odometer over the ONNX index space; the innermost dim runs as a plain strided loop.
  const dims = ref.dims;
  const inner = dims[rank - 1]!;
  const rs = ref.strides[rank - 1]!;
  const gs = got.strides[rank - 1]!;
  const idx = new Array<number>(rank).fill(0);
  let total = 1;
  for (const d of dims) total *= d;
  if (total === 0) return acc.result();
  let rBase = 0;
  let gBase = 0;
  for (;;) {
    for (let k = 0, r = rBase, g = gBase; k < inner; k++, r += rs, g += gs) acc.add(rd[r]!, gd[g]!);
    let j = rank - 2;
    for (; j >= 0; j--) {
      idx[j]!++;
      rBase += ref.strides[j]!;
      gBase += got.strides[j]!;
      if (idx[j]! < dims[j]!) break;
      rBase -= ref.strides[j]! * dims[j]!;
      gBase -= got.strides[j]! * dims[j]!;
      idx[j] = 0;
    }
    if (j < 0) break;
  }
  return acc.result();
}

/** A tensor's values as numbers (int64 and float16 decoded); float32 data is returned as is. */
export function numericData(data: ArrayLike<number> | BigInt64Array | BigUint64Array | string[], dtype: string): ArrayLike<number> {
  if (data instanceof Float32Array || data instanceof Float64Array) return data;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Float64Array.from(data, (v) => Number(v));
  if (Array.isArray(data)) throw new Error('string tensors have no numeric value');
  if (dtype === 'float16') return Float32Array.from(data as Uint16Array, halfToFloat);
  if (dtype === 'bfloat16') return Float32Array.from(data as Uint16Array, bfloat16ToFloat);
  return data as ArrayLike<number>;
}

// Label-map outputs (a segmentation network's per-pixel arg-max, a classifier's class index): integers picked among
// near-tied scores. A float rounding apart may pick the other class at a tie (BiSeNetV2-style, 512×1024: 6 of 524,288
// pixels, onnxruntime against itself 1), which a relative max error reads as a whole-class error. The self-check
// compares them as labels instead: the share of elements that differ.

/** Up to this share of a label map's elements may differ (ties); beyond it the labels count as a mismatch. */
export const LABELS_OFF_SHARE = 1e-3;

/** Ops a label map may pass through after its arg-max (PaddleSeg's `.int()` cast, a squeeze of the class axis). */
const CARRIERS = new Set(['CAST', 'RESHAPE', 'SQUEEZE', 'EXPAND_DIMS']);

/** Outputs (by position in `tensors`) written by ARG_MAX / ARG_MIN in the main subgraph, directly or through a cast /
 *  reshape: label maps. */
export function labelOutputs(model: TflModel, tensors: number[]): Set<number> {
  const ops = model.subgraphs[0]!.operators;
  const producer = producersOf(ops);
  const writer = (t: number) => { const k = producer.get(t); return k === undefined ? undefined : ops[k]; };
  const isLabel = (t: number): boolean => {
    for (let op = writer(t), k = 0; op && k < 4; op = writer(op.inputs[0]!), k++) {
      if (op.opcode === 'ARG_MAX' || op.opcode === 'ARG_MIN') return true;
      if (!CARRIERS.has(op.opcode)) return false;
    }
    return false;
  };
  return new Set(tensors.flatMap((t, k) => (isLabel(t) ? [k] : [])));
}

/** How many elements of two label maps differ. */
export function labelsDiffering(ref: ArrayLike<number>, got: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < ref.length; i++) if (ref[i] !== got[i]) n++;
  return n;
}

/** Label maps within the tie allowance: at most LABELS_OFF_SHARE of the elements differ. */
export function labelsAgree(differ: number, count: number): boolean {
  return differ <= Math.floor(count * LABELS_OFF_SHARE);
}
