// A small constant evaluator: computes a node's outputs when its inputs are known (Shape and Size only need
// the input's static shape). Shape inference uses it for shape-determining inputs; the converter for folding.
// Values are computed in float64 JavaScript numbers (int64 beyond 2^53 is approximate, clamped on output).
import { INT_TYPES, V, batchNorm, broadcast, castValues, einsum, gather, matmul, melWeightMatrix, norm, reshapeDims, scatterND, slice, softmax, stridesOf, tensorFromNumbers, toV, transpose } from './fold-kernels';
import { QRANGES, perAxis } from './fold-qdq';
import { neverGrows, numAttr, wouldFit } from './fold-size';
import { ONNX_DTYPES } from './tensor';
import { AttrValue, DType, Node, Shape, Tensor, elementCount, isStaticShape } from './types';

export { tensorFromNumbers, stridesOf } from './fold-kernels';

type Fold = (n: Node, ins: (V | undefined)[], opset: number, shapes: (Shape | undefined)[]) => V[] | undefined;

export interface FoldOptions {
  /** Largest output (elements) worth computing; bigger results are left unfolded. Default 1 << 20. */
  maxElements?: number;
  /** A MatMul may grow past its inputs' size (left to the caller, which folds it only when what the chain after it
   *  makes is small again: simplify-const-chain.ts). */
  growing?: boolean;
}

function attr(n: Node, name: string): AttrValue | undefined { return n.attrs.get(name); }
const aInt = numAttr;
const aFloat = aInt; // a numeric attribute, either type
/** BatchNormalization normalizes by the batch's statistics: training_mode 1, or (before opset 14) more than one output. */
export function trainingBatchNorm(n: Node, opset: number): boolean {
  return aInt(n, 'training_mode', 0) === 1 || (opset < 14 && n.outputs.filter(Boolean).length > 1);
}
function aInts(n: Node, name: string): number[] | undefined {
  const a = attr(n, name);
  return a && (a.type === 'ints' || a.type === 'floats') ? a.value : undefined;
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

function axesOf(n: Node, ins: (V | undefined)[], opset: number, inputFrom: number): number[] | undefined {
  return opset >= inputFrom ? ins[1]?.v : aInts(n, 'axes');
}

/** A reduction: `f` accumulates each element (after `pre`), `post` finishes each result (given the reduced count). */
function reduce(f: (acc: number, x: number) => number, init: number, axesInputFrom: number,
  pre: (x: number) => number = (x) => x, post?: (acc: number, count: number) => number): Fold {
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
      out[dst] = f(out[dst], pre(x.v[k]));
    }
    if (post) {
      const count = out.length ? x.v.length / out.length : 0;
      for (let k = 0; k < out.length; k++) out[k] = post(out[k], count);
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
  MelWeightMatrix: (n, ins) => (ins.length === 5 && ins.every((x) => x) ? [melWeightMatrix(...(ins.map((x) => x!.v[0]) as [number, number, number, number, number]), ONNX_DTYPES[aInt(n, 'output_datatype', 1)] ?? 'float32')] : undefined),
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
  Split: (n, ins, opset) => {
    const x = ins[0];
    if (!x) return undefined;
    const axis = norm(aInt(n, 'axis', 0), x.dims.length);
    const dim = x.dims[axis];
    let sizes = opset >= 13 ? ins[1]?.v : aInts(n, 'split');
    if (!sizes) {
      const parts = aInt(n, 'num_outputs', n.outputs.length);
      const size = Math.ceil(dim / parts);
      sizes = Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(size, dim - size * i)));
    }
    if (sizes.length !== n.outputs.length || sizes.reduce((a, b) => a + b, 0) !== dim) return undefined;
    let at = 0;
    return sizes.map((len) => slice(x, [at], [(at += len)], [axis], [1]));
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
  // Positional tables computed from constants (rotary sin/cos of positions × inverse frequencies, diffusion's
  // exp frequency ladder): folded, so that the elementwise ops they feed keep their other input's stored order.
  Sin: unary(Math.sin),
  Cos: unary(Math.cos),
  Atan: unary(Math.atan),
  Exp: unary(Math.exp),
  Log: unary(Math.log),
  Tanh: unary(Math.tanh),
  Sigmoid: unary((a) => 1 / (1 + Math.exp(-a))),
  Reciprocal: unary((a) => 1 / a),
  Not: unary((a) => (a ? 0 : 1)),
  Sign: unary(Math.sign),
  // A scale computed from a learned constant (TimesFM's query `softplus(per_dim_scale)`): folded, so it moves with q.
  Softplus: unary((a) => (a > 30 ? a : Math.log1p(Math.exp(a)))),
  // Filters computed from learned constants (SincNet's band-pass filters in pyannote's segmentation model: the outer
  // product of cut-offs and sample times, Sin / Cos, Clip of the band edges) fold, so a Conv reads constant weights.
  Clip: (n, ins, opset) => {
    const x = ins[0];
    if (!x) return undefined;
    const lo = opset >= 11 ? (n.inputs[1] ? ins[1]?.v[0] : -Infinity) : aInt(n, 'min', -Infinity);
    const hi = opset >= 11 ? (n.inputs[2] ? ins[2]?.v[0] : Infinity) : aInt(n, 'max', Infinity);
    if (lo === undefined || hi === undefined) return undefined;
    return [{ ...x, v: x.v.map((a) => Math.min(Math.max(a, lo), hi)) }];
  },
  // Also a positional table through a linear layer (icefall's Zipformer `linear_pos` of its atan positions). A product
  // bigger than its two factors together and than 64 Ki values (a low-rank pair of big weights) stays two factors.
  MatMul: (_n, [a, b]) => {
    const r = a && b && !isInt(a.dtype) ? matmul(a, b, 1 << 24) : undefined;
    return r && (r.v.length <= Math.max(a!.v.length + b!.v.length, 1 << 16)) ? [r] : undefined;
  },
  Einsum: (n, ins) => {
    const r = ins.every((x) => x && !isInt(x.dtype)) ? einsum(String(attr(n, 'equation')?.value ?? ''), ins as V[], 1 << 20) : undefined;
    return r ? [r] : undefined;
  },
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
  // Weight norm's ‖v‖ (wav2vec2's positional conv, exported without PyTorch's constant folding) and other statistics
  // of learned constants: folded, so that g · v / ‖v‖ becomes the constant weight a Conv needs.
  ReduceL1: reduce((a, x) => a + x, 0, 18, Math.abs),
  ReduceL2: reduce((a, x) => a + x, 0, 18, (x) => x * x, Math.sqrt),
  ReduceSumSquare: reduce((a, x) => a + x, 0, 18, (x) => x * x),
  ReduceMean: reduce((a, x) => a + x, 0, 18, undefined, (a, c) => a / c),
  ReduceLogSum: reduce((a, x) => a + x, 0, 18, undefined, Math.log),
  ReduceLogSumExp: reduce((a, x) => a + x, 0, 18, Math.exp, Math.log),
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
  BatchNormalization: (n, ins, opset) => (ins.length === 5 && ins.every((v) => v) && ins[0]!.dims.length >= 2
    ? batchNorm(ins as V[], aFloat(n, 'epsilon', 1e-5), aFloat(n, 'momentum', 0.9), trainingBatchNorm(n, opset)).slice(0, n.outputs.length)
    : undefined),
  Softmax: (n, [x], opset) => (x && x.dims.length ? [softmax(x, aInt(n, 'axis', opset >= 13 ? -1 : 1), opset < 13)] : undefined),
  Trilu: (n, [x, k]) => {
    if (!x || x.dims.length < 2) return undefined;
    const [r, c] = x.dims.slice(-2);
    const kk = k ? k.v[0] : 0;
    const upper = aInt(n, 'upper', 1) === 1;
    const v = x.v.map((a, idx) => {
      const d = (idx % c) - (Math.floor(idx / c) % r);
      return (upper ? d >= kk : d <= kk) ? a : 0;
    });
    return [{ ...x, v }];
  },
  ScatterND: (n, [d, i, u]) => {
    if (!d || !i || !u) return undefined;
    const r = attr(n, 'reduction');
    const out = scatterND(d, i, u, r?.type === 'string' ? r.value : 'none');
    return out ? [out] : undefined;
  },
  Constant: (n) => {
    const c = constantAttr(n);
    return c ? [c] : undefined;
  },
  // QDQ models' constant weights and int32 biases (PyTorch's quantized export, onnxruntime's quantize_static):
  // (x - zero point) · scale, per tensor or per `axis`, rounded once to float32 as onnxruntime computes it.
  DequantizeLinear: (n, [x, s, z]) => {
    if (!x || !s || (n.inputs[2] && !z)) return undefined;
    const ch = perAxis(n, x, s);
    return ch && [{ dtype: s.dtype, dims: x.dims, v: x.v.map((q, i) => Math.fround((q - (z ? z.v[ch(i) % z.v.length] : 0)) * s.v[ch(i)])) }];
  },
  QuantizeLinear: (n, [x, s, z]) => {
    if (!x || !s || (n.inputs[2] && !z)) return undefined;
    const ch = perAxis(n, x, s);
    const dtype = z?.dtype ?? 'uint8';
    const [lo, hi] = QRANGES[dtype] ?? [undefined, undefined];
    if (lo === undefined || hi === undefined || !ch) return undefined;
    return [{ dtype, dims: x.dims, v: x.v.map((f, i) => {
      const y = Math.fround(f / s.v[ch(i)]);
      const r = Math.abs(y % 1) === 0.5 ? 2 * Math.round(y / 2) : Math.round(y);
      return Math.max(lo, Math.min(hi, r + (z ? z.v[ch(i) % z.v.length] : 0)));
    }) }];
  },
};

function castTarget(n: Node): DType | undefined {
  return ONNX_DTYPES[aInt(n, 'to', 0)];
}

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

/** onnxruntime's com.microsoft Quantize/DequantizeLinear (UseQDQContribOps) are ONNX's under another domain. */
export function isQdqNode(node: Node, op: 'QuantizeLinear' | 'DequantizeLinear'): boolean {
  return node.opType === op && (node.domain === '' || node.domain === 'ai.onnx' || node.domain === 'com.microsoft');
}

export function canFold(node: Node): boolean {
  return ((node.domain === '' || node.domain === 'ai.onnx') && node.opType in FOLDS)
    || isQdqNode(node, 'QuantizeLinear') || isQdqNode(node, 'DequantizeLinear');
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
  // A QDQ model's weights are DequantizeLinear of constants: as big as the weights, never bigger than their input, and
  // worth folding at any size a conv or fully connected layer has (left unfolded they are dequantized at every run).
  // So are weights computed from constants by ops that never grow their largest input (weight norm's g · v / ‖v‖ in a
  // model exported without constant folding): left unfolded, a Conv or MatMul reads computed weights.
  const base = opts.maxElements ?? 1 << 20;
  const max = base * (node.opType === 'DequantizeLinear' || neverGrows(node, inputs) ? 16 : 1);
  const shapeOnly = node.opType === 'Shape' || node.opType === 'Size';
  if (!shapeOnly && node.inputs.some((name, i) => name !== '' && !inputs[i])) return undefined;
  const ins = inputs.map((t) => (t && elementCount(t.dims) <= max * 4 ? toV(t) : undefined));
  if (!shapeOnly && ins.some((v, i) => node.inputs[i] && !v)) return undefined;
  if (node.opType === 'Identity' && inputs[0]) return [{ ...inputs[0], name: node.outputs[0] }];
  let outs: V[] | undefined;
  try {
    if (!wouldFit(node, ins, max)) return undefined;
    outs = node.opType === 'MatMul' && opts.growing && ins[0] && ins[1] && !INT_TYPES.has(ins[0].dtype)
      ? [matmul(ins[0], ins[1], 1 << 24)].filter((r): r is V => !!r)
      : FOLDS[node.opType](node, ins, opset, shapes);
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError) return undefined;
    throw e;
  }
  if (!outs || outs.some((o) => o.v.length > max || o.v.length !== elementCount(o.dims))) return undefined;
  return outs.map((o, i) => tensorFromNumbers(node.outputs[i] ?? '', o.dtype, o.dims, o.v));
}
