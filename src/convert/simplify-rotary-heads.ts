// ONNX-level pattern: rotary embeddings applied to a projection [B, N, E] before its head view and move (F5-TTS's
// x_transformers `apply_rotary_pos_emb` on the first dim_head channels, interleaved pairs: Slice, Reshape [.., -1, 2],
// Split, Squeeze, Neg, Unsqueeze, Concat, Reshape back, Mul by cos / sin tables, Add, Concat with the rest; then
// Reshape [B, N, H, d] and Transpose heads-first). Each of q and k kept a move of its own, apart from v's. Whatever
// ops write it, such a region is, per token, y = s·C + s[π]·S: each output channel its own channel times a table plus
// one partner channel (π, the rotation's pair, with its sign in S) times another. The region is evaluated on four
// probe inputs (constant evaluation, src/ir/fold.ts), C, S and π read off and checked on a fifth, random one; when π
// keeps every channel within its head with the same in-head pairing for every head it rotates, the region is
// replaced by the plain head view and move of s — which the head-split passes give one split with v's — followed by
// s_h·C + (s_h·P)·S in head-first order on the heads it changes (P the pairs' [d, d] permutation matrix, a
// FULLY_CONNECTED; tables [1, h, N, d]), the other heads sliced around it.
import type { Graph, Node, Tensor } from '../ir/types';
import { canFold, foldNode } from '../ir/fold';
import { toNumbers } from '../ir/tensor';
import { node } from '../onnx/builder';
import { permAttr, readersOf, spliceNodes } from './simplify-util';

const OPS = new Set(['Slice', 'Concat', 'Reshape', 'Split', 'Squeeze', 'Unsqueeze', 'Neg', 'Mul', 'Add', 'Sub', 'Identity']);
const MAX_NODES = 64;

interface Region { nodes: Node[]; source: string }

function regionOf(y: string, g: Graph, constants: Map<string, Tensor>, uses: Map<string, Node[]>, producer: Map<string, Node>, outs: Set<string>): Region | undefined {
  const nodes = new Set<Node>();
  const sources = new Set<string>();
  const stack = [y];
  while (stack.length) {
    const v = stack.pop()!;
    const p = producer.get(v);
    // An Add / Sub of a constant (the projection's bias) is where the region starts: it is linear, not affine.
    const affine = (p?.opType === 'Add' || p?.opType === 'Sub') && p.inputs.some((i) => constants.has(i));
    if (!p || !OPS.has(p.opType) || affine || !canFold(p) || outs.has(v) || g.values.get(v)?.dtype !== 'float32') { sources.add(v); continue; }
    if (nodes.has(p)) continue;
    nodes.add(p);
    if (nodes.size > MAX_NODES) return undefined;
    const data = ['Slice', 'Reshape', 'Split', 'Squeeze', 'Unsqueeze'].includes(p.opType) ? p.inputs.slice(0, 1) : p.inputs;
    if (p.inputs.some((i) => i && !data.includes(i) && !constants.has(i))) return undefined;
    for (const i of data) if (i && !constants.has(i)) stack.push(i);
  }
  if (nodes.size < 2 || sources.size !== 1) return undefined;
  for (const n of nodes) {
    for (const o of n.outputs) {
      const readers = uses.get(o) ?? [];
      if (o === y ? readers.length !== 1 : readers.some((u) => !nodes.has(u))) return undefined;
    }
  }
  return { nodes: g.nodes.filter((n) => nodes.has(n)), source: [...sources][0] };
}

/** The region's output for the source set to `values` (float64 numbers), flattened, or undefined. */
function evaluate(region: Region, y: string, dims: number[], values: number[], constants: Map<string, Tensor>, g: Graph, opset: number): number[] | undefined {
  const known = new Map<string, Tensor>([[region.source, { name: region.source, dtype: 'float64', dims, data: Float64Array.from(values) }]]);
  for (const n of region.nodes) {
    const ins = n.inputs.map((i) => (i ? known.get(i) ?? constants.get(i) : undefined));
    const outs = foldNode(n, ins, opset, n.inputs.map((i) => g.values.get(i)?.shape), { maxElements: 1 << 22 });
    if (!outs) return undefined;
    outs.forEach((t, k) => known.set(n.outputs[k], t));
  }
  const t = known.get(y);
  return t ? toNumbers(t) : undefined;
}

/** What the region computes depends only on its ops and constants: the layers of a model share one analysis. */
function regionKey(r: Region, constants: Map<string, Tensor>): string {
  const at = new Map(r.nodes.flatMap((n, k) => n.outputs.map((o, j) => [o, `${k}.${j}`] as [string, string])));
  return r.nodes.map((n) => `${n.opType}(${n.inputs.map((i) => (constants.has(i) ? `c:${i}` : i === r.source ? 's' : at.get(i) ?? '?')).join()})`
    + [...n.attrs].map(([k, a]) => `${k}=${JSON.stringify(a, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`).join()).join(';');
}

type Analysis = { C: Float64Array; S: Float64Array; idx: number[] } | undefined;

/** C, S and the in-head partner of each channel when the region is s·C + s[π]·S (see the file's header). */
function analyse(region: Region, y: string, sd: number[], [B, N, H, d]: number[], constants: Map<string, Tensor>, g: Graph, opset: number): Analysis {
  const E = H * d;
  const size = B * N * E;
  const run = (f: (b: number, n: number, e: number) => number) => {
    const v = new Array<number>(size);
    for (let i = 0; i < size; i++) v[i] = f(Math.floor(i / (N * E)), Math.floor(i / E) % N, i % E);
    return evaluate(region, y, sd, v, constants, g, opset);
  };
  const y0 = run(() => 0);
  const y1 = run(() => 1);
  const y2 = run((_b, _n, e) => e + 1);
  const y3 = run((_b, _n, e) => (e + 1) ** 2);
  if (!y0 || !y1 || !y2 || !y3 || y0.some((v) => Math.abs(v) > 1e-9)) return undefined;
  // Per (token, channel j): y1 = C + S, y2 = C·(j+1) + S·(π+1), y3 = C·(j+1)² + S·(π+1)².
  const C = new Float64Array(N * E), S = new Float64Array(N * E);
  const pi = new Int32Array(E).fill(-1);
  let ok = true;
  for (let n = 0; n < N && ok; n++) {
    for (let j = 0; j < E && ok; j++) {
      const i = n * E + j, a = j + 1;
      const den = y2[i] - y1[i] * a;
      if (Math.abs(den) < 1e-6 * (1 + Math.abs(y2[i]))) { C[i] = y1[i]; continue; }
      const q = Math.round((y3[i] - a * y2[i]) / den) - 1;
      if (q < 0 || q >= E || q === j || (pi[j] >= 0 && pi[j] !== q)) { ok = false; break; }
      pi[j] = q;
      S[i] = den / (q - j);
      C[i] = y1[i] - S[i];
    }
  }
  if (!ok) return undefined;
  // π within each head, the same in-head partner for every head that rotates channel j's place.
  const idx = Array.from({ length: d }, (_, k) => k);
  const taken = new Array<boolean>(d).fill(false);
  for (let j = 0; j < E && ok; j++) {
    if (pi[j] < 0) continue;
    if (Math.floor(pi[j] / d) !== Math.floor(j / d) || (taken[j % d] && idx[j % d] !== pi[j] % d)) ok = false;
    idx[j % d] = pi[j] % d;
    taken[j % d] = true;
  }
  if (!ok || !taken.some(Boolean)) return undefined;
  // Checked on a random input, with S applied to the in-head partner for every channel (0 where none).
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  const probe = Array.from({ length: size }, rnd);
  const yr = run((b, n, e) => probe[(b * N + n) * E + e]);
  if (!yr) return undefined;
  const predicted = (b: number, n: number, j: number) => {
    const base = (b * N + n) * E;
    return probe[base + j] * C[n * E + j] + probe[base + Math.floor(j / d) * d + idx[j % d]] * S[n * E + j];
  };
  if (yr.some((v, i) => Math.abs(v - predicted(Math.floor(i / (N * E)), Math.floor(i / E) % N, i % E)) > 1e-5 * (1 + Math.abs(v)))) return undefined;
  return { C, S, idx };
}

export function rotaryBeforeHeadMoves(g: Graph, constants: Map<string, Tensor>, opset: number): void {
  const { uses, producer, outs } = readersOf(g, constants);
  const analyses = new Map<string, Analysis>();
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  for (const t of g.nodes) {
    const p = t.opType === 'Transpose' ? permAttr(t)?.join() : undefined;
    if (p !== '0,2,1,3' && p !== '0,2,3,1') continue;
    const y = t.inputs[0];
    const yd = g.values.get(y)?.shape as number[] | undefined;
    const region = yd && yd.every((d) => typeof d === 'number') ? regionOf(y, g, constants, uses, producer, outs) : undefined;
    const sd = region ? g.values.get(region.source)?.shape as number[] | undefined : undefined;
    if (!region || !sd || !yd || region.nodes.some((n) => skip.has(n))) continue;
    const [B, N, H, d] = yd;
    const E = H * d;
    if (sd.join() !== [B, N, E].join() || B * N * E > 1 << 20) continue;
    const akey = `${[B, N, H, d].join()}|${regionKey(region, constants)}`;
    if (!analyses.has(akey)) analyses.set(akey, analyse(region, y, sd, [B, N, H, d], constants, g, opset));
    const found = analyses.get(akey);
    if (!found) continue;
    const { C, S, idx } = found;
    // The heads the region changes (C ≠ 1 or S ≠ 0 somewhere): the others are sliced around it unchanged.
    const touched = Array.from({ length: H }, (_, h) => {
      for (let n = 0; n < N; n++) for (let j = h * d; j < (h + 1) * d; j++) if (C[n * E + j] !== 1 || S[n * E + j] !== 0) return true;
      return false;
    });
    const a = touched.indexOf(true), b = touched.lastIndexOf(true) + 1, hr = b - a;
    // The rewrite: s viewed [B, N, H, d], moved heads-first, then s_h·C + (s_h · P)·S on heads [a, b), P the [d, d]
    // permutation matrix of the pairs (a FULLY_CONNECTED over d).
    const key = `${t.name || t.outputs[0]}/rotary_heads`;
    const val = (name: string, shape: number[], dtype: 'float32' | 'int64' = 'float32') => { g.values.set(name, { name, dtype, shape }); return name; };
    const headFirst = (v: Float64Array) => {
      const out = new Float32Array(N * hr * d);
      for (let n = 0; n < N; n++) for (let j = a * d; j < b * d; j++) out[((Math.floor(j / d) - a) * N + n) * d + (j % d)] = v[n * E + j];
      return out;
    };
    const cst = (name: string, dtype: 'float32' | 'int64', shape: number[], data: Float32Array | BigInt64Array) => {
      constants.set(name, { name, dtype, dims: shape, data });
      return val(name, shape, dtype);
    };
    const ints = (name: string, v: number[]) => cst(name, 'int64', [v.length], BigInt64Array.from(v.map(BigInt)));
    const pairs = new Float32Array(d * d);
    idx.forEach((from, k) => { pairs[from * d + k] = 1; });
    const view = val(`${key}/view`, [B, N, H, d]);
    const heads = val(`${key}/heads`, [B, H, N, d]);
    const sliced = (from: number, to: number, tag: string) => {
      const v = val(`${key}/${tag}`, [B, to - from, N, d]);
      nodes.push(node('Slice', [heads, ints(`${key}/${tag}_start`, [from]), ints(`${key}/${tag}_end`, [to]), ints(`${key}/${tag}_axis`, [1])], [v], {}, v));
      return v;
    };
    const nodes: Node[] = [
      node('Reshape', [region.source, ints(`${key}/shape`, [B, N, H, d])], [view], {}, `${key}/view`),
      node('Transpose', [view], [heads], { perm: [0, 2, 1, 3] }, `${key}/move`),
    ];
    const part = hr === H ? heads : sliced(a, b, 'rotated_heads');
    const r4 = [B, hr, N, d];
    nodes.push(
      node('Mul', [part, cst(`${key}/cos`, 'float32', [1, hr, N, d], headFirst(C))], [val(`${key}/c`, r4)], {}, `${key}/c`),
      node('MatMul', [part, cst(`${key}/pairs`, 'float32', [d, d], pairs)], [val(`${key}/partner`, r4)], {}, `${key}/partner`),
      node('Mul', [`${key}/partner`, cst(`${key}/sin`, 'float32', [1, hr, N, d], headFirst(S))], [val(`${key}/s`, r4)], {}, `${key}/s`));
    const kT = p !== '0,2,1,3';
    const last = hr === H && !kT ? t.outputs[0] : val(`${key}/rotated`, r4);
    // The node that makes the move's output keeps the move's name (the accuracy diff joins on it).
    nodes.push({ ...node('Add', [`${key}/c`, `${key}/s`], [last]), name: last === t.outputs[0] ? t.name : `${key}/rotated` });
    let whole = last;
    if (hr !== H) {
      whole = kT ? val(`${key}/all_heads`, [B, H, N, d]) : t.outputs[0];
      const pieces = [...(a > 0 ? [sliced(0, a, 'before')] : []), last, ...(b < H ? [sliced(b, H, 'after')] : [])];
      nodes.push({ ...node('Concat', pieces, [whole], { axis: 1 }), name: kT ? `${key}/all_heads` : t.name });
    }
    if (kT) nodes.push({ ...node('Transpose', [whole], [t.outputs[0]], { perm: [0, 1, 3, 2] }), name: t.name });
    for (const n of region.nodes) skip.add(n);
    replace.set(t, nodes);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, skip);
}
