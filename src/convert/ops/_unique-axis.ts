// ONNX Unique along an axis (an input of static dims: n slices of k elements each) → TFLite comparisons of every
// pair of slices, since TFLite's UNIQUE is 1-D: the slices are GATHERed flat ([n, k], each in the C order of the
// other axes, as numpy's unique with an axis flattens them), compared elementwise against each other ([n, n, k]);
// two slices are equal when no element differs, and i sorts before j when at their first differing element i's is
// smaller (lexicographic, numpy's order). A slice is distinct when it is its own first occurrence; its place is the
// count of distinct slices before it (sorted=1: lexicographically; sorted=0: by first occurrence), which is also every
// equal slice's inverse index. The distinct slices' positions are laid out by place (a [n, n] one-hot product),
// counts summed per place, and the first u = (count of distinct slices) kept: Y, indices and counts are sized at
// run time. The pair tensors cost n²·k elements: refused past PAIR_CELLS_MAX.
import type { Node } from '../../ir/types';
import { attrInt, normAxis } from '../attrs';
import type { ConvertContext } from '../context';
import { identity } from '../layout';
import { Emitter } from './_emit';

/** Largest n²·k the pairwise comparison builds. */
export const PAIR_CELLS_MAX = 1 << 22;

/** Why Unique along an axis cannot be converted, or undefined. */
export function uniqueAxisReason(node: Node, ctx: ConvertContext): string | undefined {
  const dims = ctx.dims(node.inputs[0]);
  if (dims.some((d) => d < 0)) return 'Unique along an axis of a tensor sized at run time is not supported; fix the dims with --input-shape';
  const a = normAxis(attrInt(node, 'axis', 0), dims.length);
  const n = dims[a]!;
  const k = dims.reduce((p, d) => p * d, 1) / Math.max(n, 1);
  if (n * n * k > PAIR_CELLS_MAX) return `Unique along an axis compares every pair of its ${n} slices of ${k} elements (${n * n * k} cells; at most ${PAIR_CELLS_MAX})`;
  return undefined;
}

export function emitUniqueAxis(node: Node, ctx: ConvertContext): void {
  const dims = ctx.dims(node.inputs[0]);
  const r = dims.length;
  const a = normAxis(attrInt(node, 'axis', 0), r);
  const n = dims[a]!;
  const total = dims.reduce((p, d) => p * d, 1);
  const k = total / n;
  const e = new Emitter(ctx, node);
  const i32 = (v: number[], what: string, shape: number[] = [v.length]) => ctx.constInt32(v, `${node.name}/${what}`, shape);
  const x = ctx.inputOnnx(node.inputs[0]);
  // Slice i's elements in C order of the other axes: flat positions into x.
  const strides = dims.map((_, d) => dims.slice(d + 1).reduce((p, q) => p * q, 1));
  const others = dims.map((_, d) => d).filter((d) => d !== a);
  const pos: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      let rest = t;
      let at = i * strides[a]!;
      for (let o = others.length - 1; o >= 0; o--) {
        const d = others[o]!;
        at += (rest % dims[d]!) * strides[d]!;
        rest = Math.floor(rest / dims[d]!);
      }
      pos.push(at);
    }
  }
  const s = e.op('GATHER', [e.reshape(x, [total]), i32(pos, 'slices', [n, k])], [n, k], e.type(x), { axis: 0, batchDims: 0 });
  const si = e.reshape(s, [n, 1, k]);
  const sj = e.reshape(s, [1, n, k]);
  const ne = e.bin('NOT_EQUAL', si, sj);
  const int = (b: number) => e.cast(b, 'INT32');
  const zero = e.scalar(0, 'INT32');
  const eq = e.bin('EQUAL', e.reduce('SUM', int(ne), [2], false), zero);
  const iota = (shape: number[], what: string, len = n) => i32(Array.from({ length: len }, (_, v) => v), what, shape);
  // First occurrence of each slice, and whether it is its own.
  const first = e.reduce('REDUCE_MIN', e.select(eq, iota([1, n], 'cols'), e.scalar(n, 'INT32')), [1], false);
  const distinct = e.bin('EQUAL', first, iota([n], 'rows'));
  let before: number;
  if (attrInt(node, 'sorted', 1) === 1) {
    // j before i: at their first differing element (REDUCE_MIN of its position), j's is smaller.
    const firstDiff = e.reduce('REDUCE_MIN', e.select(ne, iota([1, 1, k], 'elems', k), e.scalar(k, 'INT32')), [2], true);
    const at = e.bin('EQUAL', iota([1, 1, k], 'elems2', k), firstDiff);
    before = e.bin('GREATER', e.reduce('SUM', int(e.bin('LOGICAL_AND', at, e.bin('LESS', si, sj))), [2], false), zero);
  } else {
    // j before i: j comes before i's first occurrence.
    before = e.bin('LESS', iota([n, 1], 'rows_col'), e.reshape(first, [1, n]));
  }
  // before[j, i]: j sorts before i. place[i] = distinct j before i; equal slices share it.
  const place = e.reduce('SUM', int(e.bin('LOGICAL_AND', before, e.reshape(distinct, [n, 1]))), [0], false);
  const u = e.reshape(e.reduce('SUM', int(distinct), [0], false), [1]);
  const keep = (t: number) => e.op('SLICE', [t, i32([0], 'begin'), u], [-1], 'INT32');
  // onehot[p, i]: distinct slice i goes to place p.
  const onehot = int(e.bin('LOGICAL_AND', e.bin('EQUAL', iota([n, 1], 'places'), e.reshape(place, [1, n])), e.reshape(distinct, [1, n])));
  const picked = keep(e.reduce('SUM', e.bin('MUL', onehot, iota([1, n], 'cols3')), [1], false));
  const [yName, firstName, inverseName, countsName] = node.outputs;
  if (yName) {
    e.op('GATHER', [x, picked], dims.map((d, i) => (i === a ? -1 : d)), e.type(x), { axis: a, batchDims: 0 },
      ctx.dynamicOutput(yName, identity(r), dims.map((d, i) => (i === a ? -1 : d))));
  }
  if (firstName) e.reshape(picked, [-1], ctx.dynamicOutput(firstName, [0], [-1]));
  if (inverseName) e.reshape(place, [n], ctx.dynamicOutput(inverseName, [0], [n]));
  if (countsName) {
    const hits = int(e.bin('EQUAL', iota([n, 1], 'places2'), e.reshape(place, [1, n])));
    e.reshape(keep(e.reduce('SUM', hits, [1], false)), [-1], ctx.dynamicOutput(countsName, [0], [-1]));
  }
}
