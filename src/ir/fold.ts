// A small constant evaluator: computes a node's outputs when its inputs are known (Shape and Size only need
// the input's static shape). Shape inference uses it for shape-determining inputs; the converter for folding.
// Values are computed in float64 JavaScript numbers (int64 beyond 2^53 is approximate, clamped on output).
import { ONNX_DTYPES, arrayTypeFor, toNumbers } from './tensor';
import { AttrValue, DType, Node, Shape, Tensor, elementCount, isStaticShape } from './types';

export interface FoldOptions {
  /** Largest output (elements) worth computing; bigger results are left unfolded. Default 1 << 20. */
  maxElements?: number;
}

interface V { dtype: DType; dims: number[]; v: number[] }
type Fold = (n: Node, ins: (V | undefined)[], opset: number, shapes: (Shape | undefined)[]) => V[] | undefined;

const INT_TYPES = new Set<DType>(['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool']);

function toV(t: Tensor): V | undefined {
  if (Array.isArray(t.data) || t.dtype.startsWith('complex') || t.dtype.startsWith('float8') || t.dtype.endsWith('int4')) return undefined;
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

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function tensorFromNumbersF16(name: string, dtype: DType, dims: number[], vals: ArrayLike<number>): Tensor {
  const n = elementCount(dims);
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    if (dtype === 'bfloat16') { f32[0] = vals[i]; out[i] = u32[0] >>> 16; } else out[i] = halfBits(vals[i]);
  }
  return { name, dtype, dims: [...dims], data: out };
}
function halfBits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const e = ((x >>> 23) & 0xff) - 112;
  if (((x >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | ((x & 0x7fffff) ? 0x200 : 0);
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) return sign | Math.round(Math.abs(v) / 2 ** -24);
  return sign | ((e << 10) + Math.round((x & 0x7fffff) / 8192));
}

function attr(n: Node, name: string): AttrValue | undefined { return n.attrs.get(name); }
function aInt(n: Node, name: string, def: number): number {
  const a = attr(n, name);
  return a && (a.type === 'int' || a.type === 'float') ? a.value : def;
}
function aInts(n: Node, name: string): number[] | undefined {
  const a = attr(n, name);
  return a && (a.type === 'ints' || a.type === 'floats') ? a.value : undefined;
}
const norm = (a: number, r: number) => (a < 0 ? a + r : a);
export function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

/** Numpy broadcast of value arrays: out dims and, for each input, the source index of every output element. */
function broadcast(vs: V[]): { dims: number[]; idx: Int32Array[] } | undefined {
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

function elementwise(dtype: DType | ((ins: V[]) => DType), f: (...x: number[]) => number): Fold {
  return (_n, ins) => {
    if (ins.some((v) => !v)) return undefined;
    const vs = ins as V[];
    const b = broadcast(vs);
    if (!b) return undefined;
    const out = new Array<number>(b.idx[0].length);
    const args = new Array<number>(vs.length);
    for (let k = 0; k < out.length; k++) {
      for (let j = 0; j < vs.length; j++) args[j] = vs[j].v[b.idx[j][k]];
      out[k] = f(...args);
    }
    return [{ dtype: typeof dtype === 'function' ? dtype(vs) : dtype, dims: b.dims, v: out }];
  };
}
const first = (ins: V[]) => ins[0].dtype;
const isInt = (d: DType) => INT_TYPES.has(d);
const arith = (f: (a: number, b: number) => number, intF?: (a: number, b: number) => number): Fold => (n, ins, o, s) => {
  const d = ins[0]?.dtype;
  return elementwise(first, d && isInt(d) && intF ? intF : f)(n, ins, o, s);
};
const unary = (f: (a: number) => number, dtype?: DType): Fold => elementwise(dtype ?? first, f);
const cmp = (f: (a: number, b: number) => boolean): Fold => elementwise('bool', (a, b) => (f(a, b) ? 1 : 0));
const variadic = (f: (a: number, b: number) => number): Fold => (n, ins, o, s) => {
  let acc = ins[0];
  for (let i = 1; i < ins.length && acc; i++) acc = elementwise(first, f)(n, [acc, ins[i]], o, s)?.[0];
  return acc ? [acc] : undefined;
};

function gather(data: V, idx: V, axis: number): V {
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

function transpose(x: V, perm: number[]): V {
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
function slice(x: V, starts: number[], ends: number[], axes: number[], steps: number[]): V {
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

function reshapeDims(x: number[], shape: number[], allowzero: boolean): number[] | undefined {
  const out = shape.map((d, i) => (d === 0 && !allowzero ? x[i] : d));
  const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const total = elementCount(x);
  const m = out.indexOf(-1);
  if (m >= 0) { if (known === 0 || total % known) return undefined; out[m] = total / known; } else if (known !== total) return undefined;
  return out;
}

function axesOf(n: Node, ins: (V | undefined)[], opset: number, inputFrom: number): number[] | undefined {
  return opset >= inputFrom ? ins[1]?.v : aInts(n, 'axes');
}

function reduce(f: (acc: number, x: number) => number, init: number, axesInputFrom: number): Fold {
  return (n, ins, opset) => {
    const x = ins[0];
    if (!x) return undefined;
    const r = x.dims.length;
    let axes = axesOf(n, ins, opset, axesInputFrom);
    if (!axes || axes.length === 0) axes = aInt(n, 'noop_with_empty_axes', 0) && opset >= axesInputFrom ? [] : x.dims.map((_, i) => i);
    const set = new Set(axes.map((a) => norm(a, r)));
    const keep = aInt(n, 'keepdims', 1) === 1;
    const kd = x.dims.map((d, i) => (set.has(i) ? 1 : d));
    const out = new Array<number>(elementCount(kd)).fill(init);
    const is = stridesOf(x.dims);
    const os = stridesOf(kd);
    for (let k = 0; k < x.v.length; k++) {
      let dst = 0;
      for (let a = 0; a < r; a++) if (!set.has(a)) dst += (Math.floor(k / is[a]) % x.dims[a]) * os[a];
      out[dst] = f(out[dst], x.v[k]);
    }
    return [{ dtype: x.dtype, dims: keep ? kd : x.dims.filter((_, i) => !set.has(i)), v: out }];
  };
}

const FOLDS: Record<string, Fold> = {
  Identity: (_n, [x]) => (x ? [x] : undefined),
  Shape: (n, _ins, _o, [s]) => {
    if (!isStaticShape(s)) return undefined;
    const r = s.length;
    const clamp = (v: number) => Math.min(Math.max(norm(v, r), 0), r);
    const start = clamp(aInt(n, 'start', 0));
    const end = clamp(aInt(n, 'end', r));
    const v = s.slice(start, Math.max(start, end));
    return [{ dtype: 'int64', dims: [v.length], v }];
  },
  Size: (_n, _ins, _o, [s]) => (isStaticShape(s) ? [{ dtype: 'int64', dims: [], v: [elementCount(s)] }] : undefined),
  Gather: (n, [d, i]) => (d && i ? [gather(d, i, aInt(n, 'axis', 0))] : undefined),
  Concat: (n, ins) => {
    if (ins.some((v) => !v) || ins.length === 0) return undefined;
    const vs = ins as V[];
    const r = vs[0].dims.length;
    const ax = norm(aInt(n, 'axis', 0), r);
    const outer = elementCount(vs[0].dims.slice(0, ax));
    const out: number[] = [];
    for (let o = 0; o < outer; o++) {
      for (const v of vs) {
        const chunk = elementCount(v.dims.slice(ax));
        for (let k = 0; k < chunk; k++) out.push(v.v[o * chunk + k]);
      }
    }
    const dims = [...vs[0].dims];
    dims[ax] = vs.reduce((a, v) => a + v.dims[ax], 0);
    return [{ dtype: vs[0].dtype, dims, v: out }];
  },
  Unsqueeze: (n, ins, opset) => {
    const x = ins[0];
    const axes = axesOf(n, ins, opset, 13);
    if (!x || !axes) return undefined;
    const r = x.dims.length + axes.length;
    const set = new Set(axes.map((a) => norm(a, r)));
    const dims: number[] = [];
    let j = 0;
    for (let i = 0; i < r; i++) dims.push(set.has(i) ? 1 : x.dims[j++]);
    return [{ ...x, dims }];
  },
  Squeeze: (n, ins, opset) => {
    const x = ins[0];
    if (!x) return undefined;
    const axes = axesOf(n, ins, opset, 13);
    const set = new Set(axes ? axes.map((a) => norm(a, x.dims.length)) : x.dims.flatMap((d, i) => (d === 1 ? [i] : [])));
    return [{ ...x, dims: x.dims.filter((_, i) => !set.has(i)) }];
  },
  Slice: (n, ins, opset) => {
    const x = ins[0];
    if (!x) return undefined;
    const starts = opset >= 10 ? ins[1]?.v : aInts(n, 'starts');
    const ends = opset >= 10 ? ins[2]?.v : aInts(n, 'ends');
    if (!starts || !ends) return undefined;
    const axes = (opset >= 10 ? ins[3]?.v : aInts(n, 'axes')) ?? starts.map((_, i) => i);
    const steps = (opset >= 10 ? ins[4]?.v : undefined) ?? starts.map(() => 1);
    return [slice(x, starts, ends, axes, steps)];
  },
  Cast: (n, [x]) => (x ? [{ dtype: castTarget(n) ?? x.dtype, dims: x.dims, v: castValues(x.v, castTarget(n) ?? x.dtype) }] : undefined),
  CastLike: (_n, [x, t]) => (x && t ? [{ dtype: t.dtype, dims: x.dims, v: castValues(x.v, t.dtype) }] : undefined),
  Add: arith((a, b) => a + b),
  Sub: arith((a, b) => a - b),
  Mul: arith((a, b) => a * b),
  Div: arith((a, b) => a / b, (a, b) => Math.trunc(a / b)),
  Mod: (n, ins, o, s) => elementwise(first, aInt(n, 'fmod', 0) ? (a, b) => a % b : (a, b) => a - b * Math.floor(a / b))(n, ins, o, s),
  Pow: elementwise(first, (a, b) => a ** b),
  Neg: unary((a) => -a),
  Abs: unary(Math.abs),
  Relu: unary((a) => Math.max(a, 0)),
  Floor: unary(Math.floor),
  Ceil: unary(Math.ceil),
  Sqrt: unary(Math.sqrt),
  Reciprocal: unary((a) => 1 / a),
  Not: unary((a) => (a ? 0 : 1)),
  Sign: unary(Math.sign),
  Equal: cmp((a, b) => a === b),
  Less: cmp((a, b) => a < b),
  LessOrEqual: cmp((a, b) => a <= b),
  Greater: cmp((a, b) => a > b),
  GreaterOrEqual: cmp((a, b) => a >= b),
  And: cmp((a, b) => !!a && !!b),
  Or: cmp((a, b) => !!a || !!b),
  Where: elementwise((ins) => ins[1].dtype, (c, a, b) => (c ? a : b)),
  Min: variadic(Math.min),
  Max: variadic(Math.max),
  Sum: variadic((a, b) => a + b),
  ReduceProd: reduce((a, x) => a * x, 1, 18),
  ReduceSum: reduce((a, x) => a + x, 0, 13),
  ReduceMin: reduce(Math.min, Infinity, 18),
  ReduceMax: reduce(Math.max, -Infinity, 18),
  Reshape: (n, [x, s]) => {
    if (!x || !s) return undefined;
    const dims = reshapeDims(x.dims, s.v, aInt(n, 'allowzero', 0) === 1);
    return dims ? [{ ...x, dims }] : undefined;
  },
  Flatten: (n, [x]) => {
    if (!x) return undefined;
    const a = norm(aInt(n, 'axis', 1), x.dims.length);
    return [{ ...x, dims: [elementCount(x.dims.slice(0, a)), elementCount(x.dims.slice(a))] }];
  },
  Transpose: (n, [x]) => (x ? [transpose(x, aInts(n, 'perm') ?? x.dims.map((_, i) => x.dims.length - 1 - i))] : undefined),
  Expand: (_n, [x, s]) => {
    if (!x || !s) return undefined;
    const b = broadcast([x, { dtype: x.dtype, dims: s.v, v: [] }]);
    return b ? [{ dtype: x.dtype, dims: b.dims, v: Array.from(b.idx[0], (i) => x.v[i]) }] : undefined;
  },
  Tile: (_n, [x, r]) => {
    if (!x || !r) return undefined;
    const dims = x.dims.map((d, i) => d * r.v[i]);
    const os = stridesOf(dims);
    const is = stridesOf(x.dims);
    const v = new Array<number>(elementCount(dims));
    for (let k = 0; k < v.length; k++) {
      let src = 0;
      for (let a = 0; a < dims.length; a++) src += ((Math.floor(k / os[a]) % dims[a]) % x.dims[a]) * is[a];
      v[k] = x.v[src];
    }
    return [{ dtype: x.dtype, dims, v }];
  },
  Range: (_n, [s, l, d]) => {
    if (!s || !l || !d) return undefined;
    const [a, b, c] = [s.v[0], l.v[0], d.v[0]];
    const n = Math.max(Math.ceil((b - a) / c), 0);
    if (!Number.isFinite(n)) return undefined;
    return [{ dtype: s.dtype, dims: [n], v: Array.from({ length: n }, (_, i) => a + i * c) }];
  },
  ConstantOfShape: (n, [s]) => {
    if (!s) return undefined;
    const a = attr(n, 'value');
    const t = a?.type === 'tensor' ? toV(a.value) : undefined;
    const dtype = t?.dtype ?? 'float32';
    return [{ dtype, dims: s.v, v: new Array<number>(elementCount(s.v)).fill(t?.v[0] ?? 0) }];
  },
  Constant: (n) => {
    const c = constantAttr(n);
    return c ? [c] : undefined;
  },
};

function castTarget(n: Node): DType | undefined {
  return ONNX_DTYPES[aInt(n, 'to', 0)];
}

function castValues(v: number[], to: DType): number[] {
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
function constantAttr(n: Node): V | undefined {
  for (const [k, a] of n.attrs) {
    if (k === 'value' && a.type === 'tensor') return toV(a.value);
    if (k === 'value_float' && a.type === 'float') return { dtype: 'float32', dims: [], v: [a.value] };
    if (k === 'value_int' && (a.type === 'int' || a.type === 'float')) return { dtype: 'int64', dims: [], v: [a.value] };
    if (k === 'value_floats' && (a.type === 'floats' || a.type === 'ints')) return { dtype: 'float32', dims: [a.value.length], v: a.value };
    if (k === 'value_ints' && (a.type === 'ints' || a.type === 'floats')) return { dtype: 'int64', dims: [a.value.length], v: a.value };
  }
  return undefined;
}

export function canFold(node: Node): boolean {
  return (node.domain === '' || node.domain === 'ai.onnx') && node.opType in FOLDS;
}

/**
 * Evaluates `node` on constant inputs. `inputs[i]` is the known value of input i (undefined when not constant);
 * `shapes[i]` its shape (Shape/Size need only that). Returns the outputs, or undefined when the op is not
 * foldable, an input is missing, or the result would be larger than `maxElements`.
 */
export function foldNode(node: Node, inputs: (Tensor | undefined)[], opset: number,
  shapes: (Shape | undefined)[] = [], opts: FoldOptions = {}): Tensor[] | undefined {
  if (!canFold(node)) return undefined;
  if (node.opType === 'Constant') {
    const a = node.attrs.get('value');
    if (a?.type === 'tensor') return [{ ...a.value, name: node.outputs[0] }];
    if (node.attrs.has('value_string') || node.attrs.has('value_strings')) {
      const s = node.attrs.get('value_string') ?? node.attrs.get('value_strings');
      if (s?.type === 'string') return [{ name: node.outputs[0], dtype: 'string', dims: [], data: [s.value] }];
      if (s?.type === 'strings') return [{ name: node.outputs[0], dtype: 'string', dims: [s.value.length], data: s.value }];
    }
  }
  const max = opts.maxElements ?? 1 << 20;
  const shapeOnly = node.opType === 'Shape' || node.opType === 'Size';
  if (!shapeOnly && node.inputs.some((name, i) => name !== '' && !inputs[i])) return undefined;
  const ins = inputs.map((t) => (t && elementCount(t.dims) <= max * 4 ? toV(t) : undefined));
  if (!shapeOnly && ins.some((v, i) => node.inputs[i] && !v)) return undefined;
  if (node.opType === 'Identity' && inputs[0]) return [{ ...inputs[0], name: node.outputs[0] }];
  let outs: V[] | undefined;
  try {
    if (!wouldFit(node, ins, max)) return undefined;
    outs = FOLDS[node.opType](node, ins, opset, shapes);
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError) return undefined;
    throw e;
  }
  if (!outs || outs.some((o) => o.v.length > max || o.v.length !== elementCount(o.dims))) return undefined;
  return outs.map((o, i) => tensorFromNumbers(node.outputs[i] ?? '', o.dtype, o.dims, o.v));
}

/** Refuses ops whose output size is set by an input value (ConstantOfShape, Expand, Tile, Range) when too big. */
function wouldFit(node: Node, ins: (V | undefined)[], max: number): boolean {
  const shapeIn = node.opType === 'ConstantOfShape' ? ins[0] : node.opType === 'Expand' ? ins[1] : undefined;
  if (shapeIn && shapeIn.v.reduce((a, b) => a * Math.max(b, 1), 1) > max) return false;
  if (node.opType === 'Tile' && ins[0] && ins[1] && elementCount(ins[0].dims) * ins[1].v.reduce((a, b) => a * b, 1) > max) return false;
  if (node.opType === 'Range' && ins[0] && ins[1] && ins[2] && Math.abs((ins[1].v[0] - ins[0].v[0]) / ins[2].v[0]) > max) return false;
  return ins.every((v) => !v || v.v.length <= max * 4);
}
