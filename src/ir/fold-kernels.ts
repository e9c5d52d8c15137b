// Array kernels of the constant evaluator (fold.ts): values as plain numbers with dims, numpy broadcasting,
// gather, transpose, slice, reshape, casts, and the conversion back to typed tensors.
import { arrayTypeFor, floatToHalf, toNumbers } from './tensor';
import { DType, Tensor, elementCount } from './types';

export interface V { dtype: DType; dims: number[]; v: number[] }
export const INT_TYPES = new Set<DType>(['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool']);

export function toV(t: Tensor): V | undefined {
  if (Array.isArray(t.data) || t.dtype.startsWith('complex') || t.dtype.startsWith('float8')) return undefined;
  return { dtype: t.dtype, dims: t.dims, v: toNumbers(t) };
}

/** Builds a Tensor from numbers, saturating int64 at its range instead of wrapping. */
export function tensorFromNumbers(name: string, dtype: DType, dims: number[], vals: ArrayLike<number>): Tensor {
  const n = elementCount(dims);
  const Ctor = arrayTypeFor(dtype);
  const out = new Ctor(n);
  if (dtype === 'int64' || dtype === 'uint64') {
    const lo = dtype === 'int64' ? -(2n ** 63n) : 0n;
    const hi = dtype === 'int64' ? 2n ** 63n - 1n : 2n ** 64n - 1n;
    for (let i = 0; i < n; i++) {
      const x = vals[i];
      let b = Number.isFinite(x) ? BigInt(Math.trunc(x)) : x > 0 ? hi : lo;
      if (b < lo) b = lo;
      if (b > hi) b = hi;
      (out as BigInt64Array)[i] = b;
    }
  } else if (dtype === 'float16' || dtype === 'bfloat16') {
    return { ...tensorFromNumbersF16(name, dtype, dims, vals) };
  } else if (dtype === 'bool') {
    for (let i = 0; i < n; i++) (out as Uint8Array)[i] = vals[i] ? 1 : 0;
  } else {
    for (let i = 0; i < n; i++) (out as Float64Array)[i] = INT_TYPES.has(dtype) ? Math.trunc(vals[i]) : vals[i];
  }
  return { name, dtype, dims: [...dims], data: out };
}

function tensorFromNumbersF16(name: string, dtype: DType, dims: number[], vals: ArrayLike<number>): Tensor {
  const n = elementCount(dims);
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) out[i] = dtype === 'bfloat16' ? floatToBfloat16(vals[i]) : floatToHalf(vals[i]);
  return { name, dtype, dims: [...dims], data: out };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function floatToBfloat16(v: number): number {
  f32[0] = v;
  return u32[0] >>> 16;
}
export const norm = (a: number, r: number) => (a < 0 ? a + r : a);
export function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

/** Numpy broadcast of value arrays: out dims and, for each input, the source index of every output element. */
export function broadcast(vs: V[]): { dims: number[]; idx: Int32Array[] } | undefined {
  const rank = Math.max(...vs.map((v) => v.dims.length));
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const v of vs) {
      const x = v.dims[v.dims.length - rank + i] ?? 1;
      if (x !== 1) { if (d !== 1 && d !== x) return undefined; d = x; }
    }
    dims.push(d);
  }
  const n = elementCount(dims);
  const idx = vs.map((v) => {
    const out = new Int32Array(n);
    const vd = Array(rank - v.dims.length).fill(1).concat(v.dims);
    const vs2 = stridesOf(vd);
    const os = stridesOf(dims);
    for (let k = 0; k < n; k++) {
      let src = 0;
      for (let a = 0; a < rank; a++) if (vd[a] !== 1) src += Math.floor(k / os[a]) % dims[a] * vs2[a];
      out[k] = src;
    }
    return out;
  });
  return { dims, idx };
}

export function gather(data: V, idx: V, axis: number): V {
  const ax = norm(axis, data.dims.length);
  const outer = elementCount(data.dims.slice(0, ax));
  const inner = elementCount(data.dims.slice(ax + 1));
  const d = data.dims[ax];
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const i0 of idx.v) {
      const i = i0 < 0 ? i0 + d : i0;
      if (i < 0 || i >= d) throw new RangeError('gather index out of range');
      for (let k = 0; k < inner; k++) out.push(data.v[(o * d + i) * inner + k]);
    }
  }
  return { dtype: data.dtype, dims: [...data.dims.slice(0, ax), ...idx.dims, ...data.dims.slice(ax + 1)], v: out };
}

export function transpose(x: V, perm: number[]): V {
  const dims = perm.map((p) => x.dims[p]);
  const is = stridesOf(x.dims);
  const os = stridesOf(dims);
  const n = x.v.length;
  const out = new Array<number>(n);
  for (let k = 0; k < n; k++) {
    let src = 0;
    for (let a = 0; a < dims.length; a++) src += (Math.floor(k / os[a]) % dims[a]) * is[perm[a]];
    out[k] = x.v[src];
  }
  return { dtype: x.dtype, dims, v: out };
}

/** Slice of x along the given axes (starts/ends clamped as ONNX does). */
export function slice(x: V, starts: number[], ends: number[], axes: number[], steps: number[]): V {
  const r = x.dims.length;
  const st = x.dims.map(() => 0);
  const sp = x.dims.map(() => 1);
  const cnt = [...x.dims];
  axes.forEach((a0, i) => {
    const a = norm(a0, r);
    const d = x.dims[a];
    const step = steps[i] ?? 1;
    let s = starts[i] < 0 ? starts[i] + d : starts[i];
    let e = ends[i] < 0 ? ends[i] + d : ends[i];
    if (step > 0) { s = Math.min(Math.max(s, 0), d); e = Math.min(Math.max(e, 0), d); } else { s = Math.min(Math.max(s, -1), d - 1); e = Math.min(Math.max(e, -1), d - 1); }
    st[a] = s; sp[a] = step;
    cnt[a] = Math.max(0, Math.ceil((e - s) / step));
  });
  const is = stridesOf(x.dims);
  const os = stridesOf(cnt);
  const n = elementCount(cnt);
  const out = new Array<number>(n);
  for (let k = 0; k < n; k++) {
    let src = 0;
    for (let a = 0; a < r; a++) src += (st[a] + (Math.floor(k / os[a]) % cnt[a]) * sp[a]) * is[a];
    out[k] = x.v[src];
  }
  return { dtype: x.dtype, dims: cnt, v: out };
}

export function reshapeDims(x: number[], shape: number[], allowzero: boolean): number[] | undefined {
  const out = shape.map((d, i) => (d === 0 && !allowzero ? x[i] : d));
  const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const total = elementCount(x);
  const m = out.indexOf(-1);
  if (m >= 0) { if (known === 0 || total % known) return undefined; out[m] = total / known; } else if (known !== total) return undefined;
  return out;
}

export function castValues(v: number[], to: DType): number[] {
  if (to === 'bool') return v.map((x) => (x ? 1 : 0));
  if (to === 'float32') return Array.from(Float32Array.from(v));
  if (INT_TYPES.has(to)) {
    const Ctor = arrayTypeFor(to);
    if (to === 'int64' || to === 'uint64') return v.map(Math.trunc);
    return Array.from(new (Ctor as unknown as new (a: number[]) => ArrayLike<number>)(v.map(Math.trunc)));
  }
  return v;
}

/** The value of a Constant node (value, value_float(s), value_int(s)); undefined for strings and sparse forms. */

/** ONNX ScatterND: copies `data`, then writes (or combines, per `reduction`) each update slice at its index tuple. */
export function scatterND(data: V, idx: V, upd: V, reduction: string): V | undefined {
  const k = idx.dims[idx.dims.length - 1];
  if (k === undefined || k > data.dims.length) return undefined;
  const st = stridesOf(data.dims);
  const slice = data.dims.slice(k).reduce((a, b) => a * b, 1);
  const n = idx.v.length / Math.max(k, 1);
  const out = [...data.v];
  const f: Record<string, (a: number, b: number) => number> = {
    none: (_a, b) => b, add: (a, b) => a + b, mul: (a, b) => a * b, max: Math.max, min: Math.min,
  };
  const op = f[reduction];
  if (!op || upd.v.length !== n * slice) return undefined;
  for (let j = 0; j < n; j++) {
    let base = 0;
    for (let a = 0; a < k; a++) {
      const i = norm(idx.v[j * k + a], data.dims[a]);
      if (i < 0 || i >= data.dims[a]) return undefined;
      base += i * st[a];
    }
    for (let t = 0; t < slice; t++) out[base + t] = op(out[base + t], upd.v[j * slice + t]);
  }
  return { dtype: data.dtype, dims: data.dims, v: out };
}

/** Numpy matmul of two values (1-D operands promoted and their unit dim dropped, batch dims broadcast), or undefined
 *  when the dims do not match or the work (multiply-adds) is over `maxWork`. */
export function matmul(a: V, b: V, maxWork: number): V | undefined {
  const ad = a.dims.length === 1 ? [1, a.dims[0]] : a.dims;
  const bd = b.dims.length === 1 ? [b.dims[0], 1] : b.dims;
  if (ad.length < 2 || bd.length < 2) return undefined;
  const [m, k] = ad.slice(-2);
  const [k2, n] = bd.slice(-2);
  if (k !== k2) return undefined;
  const batch = broadcast([{ ...a, dims: ad.slice(0, -2), v: [] }, { ...b, dims: bd.slice(0, -2), v: [] }]);
  if (!batch) return undefined;
  const count = batch.idx[0].length;
  if (count * m * n * k > maxWork) return undefined;
  const v = new Array<number>(count * m * n);
  for (let p = 0; p < count; p++) {
    const ao = batch.idx[0][p] * m * k;
    const bo = batch.idx[1][p] * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += a.v[ao + i * k + t] * b.v[bo + t * n + j];
        v[(p * m + i) * n + j] = s;
      }
    }
  }
  const dims = [...batch.dims, ...(a.dims.length === 1 ? [] : [m]), ...(b.dims.length === 1 ? [] : [n])];
  return { dtype: a.dtype, dims, v };
}

/** ONNX MelWeightMatrix (opset 17) as its reference implementation computes it: [dft_length / 2 + 1, num_mel_bins]
 *  triangles between mel-spaced bins (the mel step over num_mel_bins + 2 points, bins floored). */
export function melWeightMatrix(numMel: number, dftLength: number, sampleRate: number, lowHz: number, highHz: number, dtype: DType): V {
  const rows = Math.floor(dftLength / 2) + 1;
  const toMel = (hz: number) => 2595 * Math.log10(1 + hz / 700);
  const [lo, hi] = [toMel(lowHz), toMel(highHz)];
  const step = (hi - lo) / (numMel + 2);
  const bins = Array.from({ length: numMel + 2 }, (_, i) => Math.floor(((dftLength + 1) * 700 * (10 ** ((i * step + lo) / 2595) - 1)) / sampleRate));
  const v = new Array<number>(rows * numMel).fill(0);
  for (let i = 0; i < numMel; i++) {
    const [left, centre, right] = [bins[i], bins[i + 1], bins[i + 2]];
    if (centre === left) v[centre * numMel + i] = 1;
    else for (let j = left; j <= centre; j++) v[j * numMel + i] = (j - left) / (centre - left);
    if (right > centre) for (let j = centre; j < right; j++) v[j * numMel + i] = (right - j) / (right - centre);
  }
  return { dtype, dims: [rows, numMel], v };
}

/** An explicit Einsum ("ij,jk->ik": letters only, no repeated label in a term) of float constants, by summing over
 *  every label assignment; undefined past `maxWork` steps. Rotary tables written `einsum("i,j->ij", t, inv_freq)`. */
export function einsum(equation: string, vs: V[], maxWork: number): V | undefined {
  const m = /^([a-zA-Z,]+)->([a-zA-Z]*)$/.exec(equation.replace(/\s/g, ''));
  if (!m) return undefined;
  const terms = m[1].split(',').map((t) => [...t]);
  const out = [...m[2]];
  if (terms.length !== vs.length || terms.some((t, i) => t.length !== vs[i].dims.length || new Set(t).size !== t.length)) return undefined;
  const size = new Map<string, number>();
  for (let i = 0; i < terms.length; i++) {
    for (let j = 0; j < terms[i].length; j++) {
      const d = vs[i].dims[j];
      if ((size.get(terms[i][j]) ?? d) !== d) return undefined;
      size.set(terms[i][j], d);
    }
  }
  if (out.some((l) => !size.has(l)) || new Set(out).size !== out.length) return undefined;
  const labels = [...out, ...[...size.keys()].filter((l) => !out.includes(l))];
  const dims = labels.map((l) => size.get(l)!);
  const work = elementCount(dims);
  if (work > maxWork) return undefined;
  const outDims = out.map((l) => size.get(l)!);
  const v = new Array<number>(elementCount(outDims)).fill(0);
  const strides = terms.map((t, i) => labels.map((l) => (t.includes(l) ? stridesOf(vs[i].dims)[t.indexOf(l)] : 0)));
  const outN = elementCount(dims.slice(out.length));
  const idx = new Array<number>(labels.length).fill(0);
  for (let k = 0; k < work; k++) {
    let p = 1;
    for (let i = 0; i < vs.length; i++) {
      let at = 0;
      for (let a = 0; a < labels.length; a++) at += idx[a] * strides[i][a];
      p *= vs[i].v[at];
    }
    v[Math.floor(k / outN)] += p;
    for (let a = labels.length - 1; a >= 0 && ++idx[a] === dims[a]; a--) idx[a] = 0;
  }
  return { dtype: vs[0].dtype, dims: outDims, v };
}

/**
 * BatchNormalization over [N, C, ...]: with the inputs' statistics (inference), or with the batch's own (training:
 * `training_mode` 1, or more than one output before opset 14 — timm's ScaledStdConv2d standardizes its weight by
 * F.batch_norm(training=True), which torch exports so). Outputs Y, then for training the running mean / variance
 * (input · momentum + batch · (1 − momentum)) and, before opset 14, the batch mean / variance as the saved ones.
 */
export function batchNorm([x, s, b, m, v]: V[], eps: number, momentum: number, training: boolean): V[] {
  const C = x.dims[1];
  const inner = elementCount(x.dims.slice(2));
  const N = x.dims[0];
  const perChannel = (p: V) => (p.v.length === C ? (c: number) => p.v[c] : undefined);
  const [sc, bi, mi, vi] = [s, b, m, v].map(perChannel);
  if (!sc || !bi || !mi || !vi) throw new RangeError('BatchNormalization statistics not per channel');
  const mean = new Array<number>(C).fill(0);
  const vr = new Array<number>(C).fill(0);
  const count = N * inner;
  for (let c = 0; c < C; c++) {
    if (!training) { mean[c] = mi(c); vr[c] = vi(c); continue; }
    let acc = 0;
    for (let n = 0; n < N; n++) for (let k = 0; k < inner; k++) acc += x.v[(n * C + c) * inner + k];
    mean[c] = acc / count;
    let sq = 0;
    for (let n = 0; n < N; n++) for (let k = 0; k < inner; k++) sq += (x.v[(n * C + c) * inner + k] - mean[c]) ** 2;
    vr[c] = sq / count;
  }
  const y = new Array<number>(x.v.length);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const k = sc(c) / Math.sqrt(vr[c] + eps);
      for (let i = 0; i < inner; i++) {
        const at = (n * C + c) * inner + i;
        y[at] = (x.v[at] - mean[c]) * k + bi(c);
      }
    }
  }
  const out: V[] = [{ dtype: x.dtype, dims: x.dims, v: y }];
  if (!training) return out;
  const run = (p: (c: number) => number, batch: number[]) => ({ dtype: x.dtype, dims: [C], v: batch.map((t, c) => p(c) * momentum + t * (1 - momentum)) });
  return [...out, run(mi, mean), run(vi, vr), { dtype: x.dtype, dims: [C], v: mean }, { dtype: x.dtype, dims: [C], v: vr }];
}

/** Softmax along `axis` (opset 13 on), or over the dims from `axis` on flattened (before 13): a constant input folds
 *  (ConViT's positional attention is a softmax of a Linear of constant relative positions). */
export function softmax(x: V, axis: number, coerced: boolean): V {
  const r = x.dims.length;
  const a = norm(axis, r);
  const len = coerced ? elementCount(x.dims.slice(a)) : x.dims[a];
  const inner = coerced ? 1 : elementCount(x.dims.slice(a + 1));
  const outer = x.v.length / (len * inner);
  const out = new Array<number>(x.v.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (k: number) => (o * len + k) * inner + i;
      let max = -Infinity;
      for (let k = 0; k < len; k++) max = Math.max(max, x.v[at(k)]);
      let sum = 0;
      for (let k = 0; k < len; k++) sum += (out[at(k)] = Math.exp(x.v[at(k)] - max));
      for (let k = 0; k < len; k++) out[at(k)] /= sum;
    }
  }
  return { dtype: x.dtype, dims: x.dims, v: out };
}
