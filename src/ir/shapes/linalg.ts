// Matrix ops and reductions: MatMul (numpy semantics), Gemm, Einsum, Det, the Reduce* family.
import { Dim, Shape } from '../types';
import { OutInfo, ShapeCtx, attrInt, attrInts, attrStr, intsOf, register } from './context';
import { InvalidNodeError, broadcastShapes, dimAdd, fmt, isNum, normAxis } from './dims';

function matmul(c: ShapeCtx, dtype = c.dtype(0)): OutInfo[] {
  const a0 = c.shape(0);
  const b0 = c.shape(c.node.opType === 'QLinearMatMul' ? 3 : 1);
  if (!a0 || !b0) return [{ dtype }];
  const a = a0.length === 1 ? [1, a0[0]] : a0;
  const b = b0.length === 1 ? [b0[0], 1] : b0;
  const [k, kb] = [a[a.length - 1], b[b.length - 2]];
  // torch 1.13's export of `x.unfold(-1, size, step)` stacks the windows on the wrong axis ([.., size, n] for [.., n,
  // size]): the Linear after it contracts n against size, and onnxruntime refuses the file.
  if (c.node.opType === 'MatMul' && isNum(k) && isNum(kb) && k !== kb) {
    throw new InvalidNodeError(`cannot multiply ${fmt(a0)} by ${fmt(b0)}: the contracted dims ${k} and ${kb} differ`);
  }
  const batch = broadcastShapes([a.slice(0, -2), b.slice(0, -2)], c.namer);
  const out: Shape = [...batch];
  if (a0.length !== 1) out.push(a[a.length - 2]);
  if (b0.length !== 1) out.push(b[b.length - 1]);
  return [{ dtype, shape: out }];
}
register('MatMul', (c) => matmul(c));
register('MatMulInteger', (c) => matmul(c, 'int32'));
register('QLinearMatMul', (c) => matmul(c, c.dtype(7)));

function gemm(c: ShapeCtx): OutInfo[] {
  const a = c.shape(0);
  const b = c.shape(1);
  const m = a ? (attrInt(c, 'transA', 0) ? a[1] : a[0]) : c.namer.make();
  const n = b ? (attrInt(c, 'transB', 0) ? b[0] : b[1]) : c.namer.make();
  return [{ dtype: c.dtype(0), shape: [m, n] }];
}
register('Gemm', gemm);
register('FusedGemm', gemm, 'com.microsoft');

// onnxruntime's fused forms (com.microsoft): MatMul with transposed operands, Gemm with an activation.
register('FusedMatMul', (c) => {
  const a = c.shape(0);
  const b = c.shape(1);
  if (!a || !b || a.length < 2 || b.length < 2) return [{ dtype: c.dtype(0) }];
  const swap = (s: Shape, t: number): Shape => (t ? [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]] : s);
  // transBatch moves the first dim next to the last ([1, ..., r-2, 0, r-1]) before trans swaps the last two.
  const batch = (s: Shape, t: number): Shape => (t && s.length >= 3 ? [...s.slice(1, -1), s[0], s[s.length - 1]] : s);
  const [ta, tb] = [swap(batch(a, attrInt(c, 'transBatchA', 0)), attrInt(c, 'transA', 0)), swap(batch(b, attrInt(c, 'transBatchB', 0)), attrInt(c, 'transB', 0))];
  return [{ dtype: c.dtype(0), shape: [...broadcastShapes([ta.slice(0, -2), tb.slice(0, -2)], c.namer), ta[ta.length - 2], tb[tb.length - 1]] }];
}, 'com.microsoft');

// com.microsoft Attention: [B, S, E] with packed [E, Hq + Hk + Hv] weights → [B, S, Hv]; with past state
// [2, B, N, P, h] the present output is [2, B, N, P + S, h].
register('Attention', (c) => {
  const x = c.shape(0);
  const w = c.shape(1);
  const sizes = attrInts(c, 'qkv_hidden_sizes');
  const hidden = sizes ? sizes[2] : w && typeof w[1] === 'number' ? w[1] / 3 : undefined;
  const out: OutInfo[] = [{ dtype: c.dtype(0), shape: x && hidden !== undefined ? [x[0], x[1], hidden] : undefined }];
  const past = c.has(4) ? c.shape(4) : undefined;
  const heads = attrInt(c, 'num_heads', 1);
  if (x && past && past.length === 5) out.push({ dtype: c.dtype(0), shape: [2, x[0], past[2], dimAdd(past[3], x[1], c.namer), past[4]] });
  else if (x && hidden !== undefined) out.push({ dtype: c.dtype(0), shape: [2, x[0], heads, x[1], hidden / heads] });
  return out;
}, 'com.microsoft');

// ONNX Attention (23): Y [B, Nq, S, dv] (or [B, S, Nq·dv] for 3-D inputs), present_key / present_value [B, Nkv,
// P + L, h / dv], qk_matmul_output [B, Nq, S, P + L].
register('Attention', (c) => {
  const [q, k, v] = [c.shape(0), c.shape(1), c.shape(2)];
  const dt = c.dtype(0);
  if (!q || !k || !v || q.length !== k.length || q.length !== v.length || (q.length !== 3 && q.length !== 4)) return [{ dtype: dt }, { dtype: dt }, { dtype: dt }, { dtype: dt }];
  const past = c.has(4) ? c.shape(4) : undefined;
  const four = q.length === 4;
  const nq = four ? q[1] : attrInt(c, 'q_num_heads', 1);
  const nkv = four ? k[1] : attrInt(c, 'kv_num_heads', 1);
  const L = four ? k[2] : k[1];
  const T = past && past.length === 4 ? dimAdd(past[2], L, c.namer) : L;
  const per = (d: Dim, n: Dim): Dim | undefined => (typeof d === 'number' && typeof n === 'number' ? d / n : undefined);
  const [h, dv] = four ? [k[3], v[3]] : [per(k[2], nkv), per(v[2], nkv)];
  const S = four ? q[2] : q[1];
  return [{ dtype: dt, shape: four ? [q[0], q[1], q[2], v[3]] : typeof dv === 'number' && typeof nq === 'number' ? [q[0], q[1], nq * dv] : undefined },
    { dtype: dt, shape: h !== undefined ? [q[0], nkv, T, h] : undefined },
    { dtype: dt, shape: dv !== undefined ? [q[0], nkv, T, dv] : undefined },
    { dtype: dt, shape: [q[0], nq, S, T] }];
});

// com.microsoft MultiHeadAttention: query [B, S, D], key [B, L, D], value [B, L, Dv] → [B, S, Dv]; present_key /
// present_value [B, N, P + L, h] with past_key / past_value [B, N, P, h].
register('MultiHeadAttention', (c) => {
  const q = c.shape(0);
  const k = c.has(1) ? c.shape(1) : undefined;
  const v = c.has(2) ? c.shape(2) : undefined;
  const heads = attrInt(c, 'num_heads', 1);
  if (!q || !k || !v || q.length !== 3 || k.length !== 3 || v.length !== 3) return [{ dtype: c.dtype(0) }];
  const past = c.has(6) ? c.shape(6) : undefined;
  const T = past && past.length === 4 ? dimAdd(past[2], k[1], c.namer) : k[1];
  const head = (d: Dim): Dim | undefined => (typeof d === 'number' ? d / heads : undefined);
  return [{ dtype: c.dtype(0), shape: [q[0], q[1], v[2]] },
    { dtype: c.dtype(0), shape: head(k[2]) !== undefined ? [q[0], heads, T, head(k[2])!] : undefined },
    { dtype: c.dtype(0), shape: head(v[2]) !== undefined ? [q[0], heads, T, head(v[2])!] : undefined }];
}, 'com.microsoft');

// com.microsoft GroupQueryAttention: query [B, S, N·h] (or packed [B, S, (N + 2·N_kv)·h]) → [B, S, N·h]; present_key /
// present_value [B, N_kv, max(total_sequence_length, past length), h] (the total is a run-time value: a new dim
// unless it folds).
register('GroupQueryAttention', (c) => {
  const q = c.shape(0);
  const heads = attrInt(c, 'num_heads', 1);
  const kvHeads = attrInt(c, 'kv_num_heads', 1);
  const packed = !c.has(1);
  const width = q && typeof q[2] === 'number' ? q[2] : undefined;
  const h = width === undefined ? undefined : packed ? width / (heads + 2 * kvHeads) : width / heads;
  if (!q || q.length !== 3) return [{ dtype: c.dtype(0) }];
  const total = intsOf(c, 6)?.[0];
  const past = c.has(3) ? c.shape(3) : undefined;
  const P = past && past.length === 4 ? past[2] : 0;
  const T: Dim = total === undefined ? c.namer.make() : typeof P === 'number' ? Math.max(total, P) : c.namer.make();
  const present = h === undefined ? undefined : [q[0], kvHeads, T, h];
  return [{ dtype: c.dtype(0), shape: h === undefined ? undefined : [q[0], q[1], heads * h] },
    { dtype: c.dtype(0), shape: present }, { dtype: c.dtype(0), shape: present }];
}, 'com.microsoft');

// com.microsoft EmbedLayerNormalization: int32 ids [B, S] → [B, S, H], mask_index [B] (int32), embedding_sum [B, S, H].
register('EmbedLayerNormalization', (c) => {
  const ids = c.shape(0);
  const w = c.shape(2);
  const y: Shape | undefined = ids && w ? [ids[0], ids[1], w[1]] : undefined;
  return [{ dtype: c.dtype(2), shape: y }, { dtype: 'int32', shape: ids ? [ids[0]] : undefined }, { dtype: c.dtype(2), shape: y }];
}, 'com.microsoft');
// Its quantized form (onnxruntime's quantize_dynamic of an optimized BERT): uint8 tables, float32 outputs.
register('QEmbedLayerNormalization', (c) => {
  const ids = c.shape(0);
  const w = c.shape(2);
  return [{ dtype: 'float32', shape: ids && w ? [ids[0], ids[1], w[1]] : undefined }, { dtype: 'int32', shape: ids ? [ids[0]] : undefined }];
}, 'com.microsoft');

register('Det', (c) => {
  const x = c.shape(0);
  return [{ dtype: c.dtype(0), shape: x ? x.slice(0, -2) : undefined }];
});

register('Einsum', (c) => {
  const eq = attrStr(c, 'equation', '').replace(/\s/g, '');
  const [lhs, rhs] = eq.split('->');
  const terms = lhs.split(',');
  const letters = new Map<string, Dim>();
  const ellipsis: Shape[] = [];
  for (let t = 0; t < terms.length; t++) {
    const s = c.shape(t);
    if (!s) return [{ dtype: c.dtype(0) }];
    const term = terms[t];
    const dots = term.indexOf('...');
    const named = term.replace('...', '');
    const eRank = s.length - named.length;
    let k = 0;
    for (let i = 0; i < term.length; i++) {
      if (i === dots) { ellipsis.push(s.slice(k, k + eRank)); k += eRank; i += 2; continue; }
      const prev = letters.get(term[i]);
      const d = s[k++];
      if (prev === undefined || prev === 1) letters.set(term[i], d);
    }
  }
  const eShape = ellipsis.length ? broadcastShapes(ellipsis, c.namer) : [];
  let out = rhs;
  if (out === undefined) {
    const counts = new Map<string, number>();
    for (const ch of lhs.replace(/\.\.\.|,/g, '')) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    out = (ellipsis.length ? '...' : '') + [...counts].filter(([, n]) => n === 1).map(([ch]) => ch).sort().join('');
  }
  const shape: Shape = [];
  for (let i = 0; i < out.length; i++) {
    if (out.startsWith('...', i)) { shape.push(...eShape); i += 2; } else shape.push(letters.get(out[i]) ?? c.namer.make());
  }
  return [{ dtype: c.dtype(0), shape }];
});

const REDUCE = ['ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceMax', 'ReduceMean', 'ReduceMin',
  'ReduceProd', 'ReduceSum', 'ReduceSumSquare'];
register(REDUCE, (c) => {
  const x = c.shape(0);
  const dtype = c.dtype(0);
  const fromInput = c.opset >= 18 || (c.node.opType === 'ReduceSum' && c.opset >= 13);
  const axes = fromInput ? (c.has(1) ? intsOf(c, 1) : null) : attrInts(c, 'axes') ?? null;
  const keep = attrInt(c, 'keepdims', 1) === 1;
  if (!x) return [{ dtype }];
  if (axes === undefined) return [{ dtype, shape: keep ? x.map(() => c.namer.make()) : undefined }];
  let set: Set<number>;
  if (axes === null || axes.length === 0) {
    if (fromInput && attrInt(c, 'noop_with_empty_axes', 0)) return [{ dtype, shape: x }];
    set = new Set(x.map((_, i) => i));
  } else set = new Set(axes.map((a) => normAxis(a, x.length)));
  return [{ dtype, shape: keep ? x.map((d, i) => (set.has(i) ? 1 : d)) : x.filter((_, i) => !set.has(i)) }];
});
