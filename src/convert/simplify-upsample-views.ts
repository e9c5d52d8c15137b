// ONNX-level pattern: a nearest upsample by integer factors written as views and copies instead of Resize /
// Upsample. Exporters and hand-written nets spell it many ways: the fast-neural-style nets made for onnx.js 0.1.3 as
// Reshape [-1, 1] → Concat(x, x + 0) → Reshape [-1, 2W] → Concat(x, x + 0) → Reshape [N, C, 2H, 2W];
// `x[:, :, :, None, :, None].expand(...).reshape(...)` as Unsqueeze → Expand → Reshape; Tile then Reshape; a Concat
// of copies along a new axis then Reshape. Converted as written, the views merge axes in ONNX order: a GATHER with
// one INT32 index per element (3 MB of tables in mosaic) and TRANSPOSEs around it. Each is found without matching
// its spelling: the chain of views and copies back from a rank-4 value to the one value it reads is run on the
// element indices of that value, and when every output element reads the input element at (n, c, ⌊i / a⌋, ⌊j / b⌋)
// the chain is one nearest resize (asymmetric, floor: exact for integer factors), RESIZE_NEAREST_NEIGHBOR channel-last.
import type { Graph, Node, Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { node } from '../onnx/builder';
import { intsArg, readersOf, spliceNodes } from './simplify-util';

/** The largest output whose element indices are worked out (elements). */
const MAX_ELEMENTS = 1 << 24;
/** The most view / copy nodes in one chain. */
const MAX_CHAIN = 64;

const VIEWS = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Expand', 'Tile', 'Concat', 'Add', 'Sub', 'Mul', 'Div']);

interface Indexed { idx: Int32Array; dims: number[] }

const count = (d: number[]) => d.reduce((a, b) => a * b, 1);

function strides(d: number[]): number[] {
  const s = new Array<number>(d.length).fill(1);
  for (let k = d.length - 2; k >= 0; k--) s[k] = s[k + 1] * d[k + 1];
  return s;
}

/** Each output element's source element, the output's coordinate k mapped by `coord(k, c)` to the input's. */
function gathered(x: Indexed, out: number[], coord: (k: number, c: number) => number): Int32Array {
  const xs = strides(x.dims);
  const r = out.length;
  const res = new Int32Array(count(out));
  const c = new Array<number>(r).fill(0);
  for (let i = 0; i < res.length; i++) {
    let at = 0;
    for (let k = 0; k < r; k++) at += coord(k, c[k]) * xs[k];
    res[i] = x.idx[at];
    for (let k = r - 1; k >= 0; k--) { if (++c[k] < out[k]) break; c[k] = 0; }
  }
  return res;
}

export function viewedUpsamplesAsResize(g: Graph, constants: Map<string, Tensor>, opset: number): void {
  const { uses, producer, outs } = readersOf(g, constants);
  const dims = (v: string) => {
    const s = g.values.get(v)?.shape;
    return s && s.every((d) => typeof d === 'number' && d >= 0) ? (s as number[]) : undefined;
  };
  /** A constant operand that leaves the other as it is (x + 0, x - 0, x · 1, x / 1). */
  const neutral = (n: Node, k: number): boolean => {
    const c = constants.get(n.inputs[k]);
    if (!c || !c.dtype.startsWith('float') || count(c.dims) > 1 << 16 || (n.opType === 'Sub' || n.opType === 'Div') && k === 0) return false;
    const want = n.opType === 'Add' || n.opType === 'Sub' ? 0 : 1;
    return toNumbers(c).every((v) => v === want);
  };
  /** The run-time inputs a view / copy node reads, or undefined when it is not one. */
  const viewInputs = (n: Node): string[] | undefined => {
    if (!VIEWS.has(n.opType) || n.outputs.length !== 1 || !dims(n.outputs[0])) return undefined;
    if (['Add', 'Sub', 'Mul', 'Div'].includes(n.opType)) {
      const k = [0, 1].find((s) => neutral(n, 1 - s) && !constants.has(n.inputs[s]));
      return k === undefined || dims(n.inputs[k])?.join() !== dims(n.outputs[0])!.join() ? undefined : [n.inputs[k]];
    }
    if (n.opType === 'Concat') return n.inputs.every((i) => i && !constants.has(i)) ? n.inputs : undefined;
    if (n.opType === 'Expand' || n.opType === 'Tile' || n.opType === 'Reshape') return constants.has(n.inputs[1]) && !constants.has(n.inputs[0]) ? [n.inputs[0]] : undefined;
    return constants.has(n.inputs[0]) ? undefined : [n.inputs[0]];
  };
  const consumed = new Set<Node>();
  /** The view / copy nodes back from `last` (not past a value `stop` accepts) when they read one value, of y's form. */
  const walk = (last: Node, stop: (v: string) => boolean): { chain: Set<Node>; x: string } | undefined => {
    const chain = new Set<Node>();
    const leaves = new Set<string>();
    const stack = [last];
    while (stack.length && chain.size <= MAX_CHAIN) {
      const n = stack.pop()!;
      if (chain.has(n)) continue;
      chain.add(n);
      for (const i of viewInputs(n)!) {
        const p = producer.get(i);
        if (p && !consumed.has(p) && !stop(i) && viewInputs(p)) stack.push(p); else leaves.add(i);
      }
    }
    const x = [...leaves][0];
    const X = x !== undefined ? dims(x) : undefined;
    const Y = dims(last.outputs[0])!;
    if (stack.length || leaves.size !== 1 || !X || X.length !== 4 || X[0] !== Y[0] || X[1] !== Y[1] || Y[2] % X[2] || Y[3] % X[3]) return undefined;
    if (g.values.get(x)?.dtype !== 'float32' || count(X) === count(Y)) return undefined;
    // A lone Expand / Tile (a gate broadcast over a map, CIDNet's [1, 2, 24, 1] over W) and a 1×1 map grown to H×W are
    // broadcasts: their converters (and elementwise readers) handle them.
    if (chain.size === 1 || X[2] * X[3] === 1) return undefined;
    // Every value inside the chain is read only by the chain (x's other readers keep x).
    const inner = [...chain].filter((n) => n !== last).map((n) => n.outputs[0]);
    if (inner.some((v) => outs.has(v) || (uses.get(v) ?? []).some((r) => !chain.has(r)))) return undefined;
    return { chain, x };
  };
  const replace = new Map<Node, Node[]>();
  for (let at = g.nodes.length - 1; at >= 0; at--) {
    const last = g.nodes[at];
    if (consumed.has(last) || !['Reshape', 'Expand', 'Tile', 'Concat'].includes(last.opType)) continue;
    const y = last.outputs[0];
    const Y = dims(y);
    if (!Y || Y.length !== 4 || count(Y) > MAX_ELEMENTS || !viewInputs(last)) continue;
    // The chain: view / copy nodes back from y to its one leaf x, through every view; else stopping at the first
    // rank-4 value y can be an upsample of (the views that made x are then another chain: x a Concat of two maps).
    const fits = (v: string) => { const d = dims(v); return !!d && d.length === 4 && d[0] === Y[0] && d[1] === Y[1] && Y[2] % d[2] === 0 && Y[3] % d[3] === 0; };
    for (const stop of [() => false, fits]) {
      const found = walk(last, stop);
      if (!found) continue;
      const { chain, x } = found;
      const X = dims(x)!;
      const a = Y[2] / X[2], b = Y[3] / X[3];
      const got = indexChain(last, x, X, chain, producer, dims, viewInputs, constants);
      if (!got || got.dims.join() !== Y.join()) continue;
      const want = gathered({ idx: Int32Array.from({ length: count(X) }, (_, i) => i), dims: X }, Y, (k, c) => (k === 2 ? Math.floor(c / a) : k === 3 ? Math.floor(c / b) : c));
      if (got.idx.some((v, i) => v !== want[i])) continue;
      for (const n of chain) consumed.add(n);
      replace.set(last, [resizeNode(g, constants, opset, x, y, a, b, last.name)]);
      break;
    }
  }
  if (!replace.size) return;
  const skip = new Set([...consumed].filter((n) => !replace.has(n)));
  spliceNodes(g, new Map(), replace, skip);
}

/** The source element (an index into x) of each element of `end`'s output, the chain run on indices. */
function indexChain(end: Node, x: string, X: number[], chain: Set<Node>, producer: Map<string, Node>,
  dims: (v: string) => number[] | undefined, viewInputs: (n: Node) => string[] | undefined, constants: Map<string, Tensor>): Indexed | undefined {
  const memo = new Map<string, Indexed | undefined>([[x, { idx: Int32Array.from({ length: count(X) }, (_, i) => i), dims: X }]]);
  const value = (v: string): Indexed | undefined => {
    if (memo.has(v)) return memo.get(v);
    const n = producer.get(v);
    const r = n && chain.has(n) ? step(n) : undefined;
    memo.set(v, r);
    return r;
  };
  const step = (n: Node): Indexed | undefined => {
    const out = dims(n.outputs[0])!;
    const ins = viewInputs(n)!.map(value);
    if (ins.some((i) => !i)) return undefined;
    const [i0] = ins as Indexed[];
    if (n.opType === 'Concat') {
      const r = out.length;
      const ax = (((n.attrs.get('axis')?.type === 'int' ? n.attrs.get('axis')!.value as number : 0) % r) + r) % r;
      const parts = ins as Indexed[];
      if (parts.some((p) => p.dims.length !== r)) return undefined;
      const outer = count(out.slice(0, ax));
      const res = new Int32Array(count(out));
      let w = 0;
      for (let o = 0; o < outer; o++) {
        for (const p of parts) {
          const len = count(p.dims.slice(ax));
          res.set(p.idx.subarray(o * len, (o + 1) * len), w);
          w += len;
        }
      }
      return w === res.length ? { idx: res, dims: out } : undefined;
    }
    if (n.opType === 'Expand') {
      const d = [...new Array<number>(Math.max(0, out.length - i0.dims.length)).fill(1), ...i0.dims];
      if (d.length !== out.length || d.some((v, k) => v !== out[k] && v !== 1)) return undefined;
      return { idx: gathered({ idx: i0.idx, dims: d }, out, (k, c) => (d[k] === 1 ? 0 : c)), dims: out };
    }
    if (n.opType === 'Tile') {
      const reps = intsArg(n, 1, 'repeats', constants);
      if (!reps || reps.length !== i0.dims.length || i0.dims.some((v, k) => v * reps[k] !== out[k])) return undefined;
      return { idx: gathered(i0, out, (k, c) => c % i0.dims[k]), dims: out };
    }
    // Views and neutral arithmetic: the same elements in the same order.
    return count(out) === i0.idx.length ? { idx: i0.idx, dims: out } : undefined;
  };
  return value(end.outputs[0]);
}

/** The nearest resize of x by (a, b) written as the opset's op: Upsample below 10, Resize from it. */
function resizeNode(g: Graph, constants: Map<string, Tensor>, opset: number, x: string, y: string, a: number, b: number, name: string): Node {
  const scales = `${name}/nearest_scales`;
  constants.set(scales, { name: scales, dtype: 'float32', dims: [4], data: Float32Array.from([1, 1, a, b]) });
  g.values.set(scales, { name: scales, dtype: 'float32', shape: [4] });
  if (opset < 9) return node('Upsample', [x], [y], { mode: 'nearest', scales: { type: 'floats', value: [1, 1, a, b] } }, name);
  if (opset < 10) return node('Upsample', [x, scales], [y], { mode: 'nearest' }, name);
  const attrs = { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' };
  return node('Resize', opset < 11 ? [x, scales] : [x, '', scales], [y], attrs, name);
}
