// Slice assignment `x[:, :n] = y` (FasterNet's partial conv in its 'slicing' form: `x = x.clone(); x[:, :dc] =
// conv(x[:, :dc])`) is exported as a ScatterND whose constant indices hold every coordinate of the box. The box is
// one range of each of some axes (the others whole): the result is the Concat of x before the range, y, and x after
// it, nested one Concat per range (TSM's temporal shift `out[:, :-1, :fold] = x[:, 1:, :fold]`: a range of the
// segments and one of the channels); into a canvas of one value (TSM's zeros_like) it is a Pad of y with that value.
// Concat and Pad run in any layout; the ScatterND worked in ONNX order (FasterNet-T0:
// 3 TRANSPOSE per block, 39; TSM: 4 per shift).
import type { Graph, Node, Tensor } from '../ir/types';
import { makeTensor, toNumbers } from '../ir/tensor';
import { node } from '../onnx/builder';
import { spliceNodes } from './simplify-util';

interface Range { axis: number; start: number; end: number }

/** The ranges [start, end) of the axes the coordinates do not cover whole, when they are exactly the box of `data`
 *  with those ranges in row-major order; else undefined. */
function boxRanges(idx: Tensor, data: number[], upd: number[]): Range[] | undefined {
  // Coordinates of the first k axes (the rest whole in the updates): indices [b0, ..., b(k-1), k].
  const k = idx.dims[idx.dims.length - 1];
  const rank = data.length;
  const box = idx.dims.slice(0, -1);
  if (!(k >= 1) || idx.dims.length !== k + 1 || k > rank || upd.length !== rank || [...box, ...data.slice(k)].join() !== upd.join()) return undefined;
  if (upd.some((d) => !(d > 0))) return undefined;
  const v = toNumbers(idx);
  const first = v.slice(0, k);
  const partial = new Set(upd.map((d, a) => (d !== data[a] ? a : -1)).filter((a) => a >= 0));
  if (first.some((s, a) => (partial.has(a) ? s < 0 || s + upd[a] > data[a] : s !== 0))) return undefined;
  // Every coordinate is the box's, in order.
  const pos = new Array<number>(k).fill(0);
  for (let i = 0; i < v.length / k; i++) {
    for (let a = 0; a < k; a++) if (v[i * k + a] !== pos[a] + first[a]) return undefined;
    for (let a = k - 1; a >= 0; a--) { if (++pos[a] < box[a]) break; pos[a] = 0; }
  }
  return [...partial].sort((a, b) => a - b).map((axis) => ({ axis, start: first[axis], end: first[axis] + upd[axis] }));
}

/** The one value of a numeric constant whose elements are all equal. */
function splatValue(t: Tensor | undefined): number | undefined {
  if (!t || t.dtype === 'string' || t.dtype === 'bool') return undefined;
  const v = toNumbers(t);
  return v.length > 0 && v.every((x) => x === v[0]) ? v[0] : undefined;
}

/** The values of [from, to) of `axis` of a row-major array of `shape`. */
function sliceValues(v: number[], shape: number[], axis: number, from: number, to: number): number[] {
  const inner = shape.slice(axis + 1).reduce((a, d) => a * d, 1);
  const outer = shape.slice(0, axis).reduce((a, d) => a * d, 1);
  const out: number[] = [];
  for (let o = 0; o < outer; o++) for (let i = (o * shape[axis] + from) * inner; i < (o * shape[axis] + to) * inner; i++) out.push(v[i]);
  return out;
}

export function sliceAssignAsConcat(g: Graph, constants: Map<string, Tensor>): void {
  const replace = new Map<Node, Node[]>();
  for (const sc of g.nodes) {
    const reduction = sc.attrs.get('reduction');
    if (sc.opType !== 'ScatterND' || (reduction?.type === 'string' && reduction.value !== 'none') || constants.has(sc.outputs[0])) continue;
    const [data, indices, updates] = sc.inputs;
    const idx = constants.get(indices);
    const dd = g.values.get(data)?.shape as number[] | undefined;
    const ud = g.values.get(updates)?.shape as number[] | undefined;
    if (!idx || !dd || !ud || dd.some((d) => !(d > 0))) continue;
    const ranges = boxRanges(idx, dd, ud);
    if (!ranges) continue;
    const dtype = g.values.get(data)?.dtype ?? 'float32';
    const nodes: Node[] = [];
    const name = (what: string) => `${sc.name}/assign_${what}`;
    const fill = splatValue(constants.get(data));
    if (fill !== undefined && ranges.length) {
      // Into a constant canvas of one value (TSM's zeros_like): the updates padded with it, no canvas stored.
      const pads = [...dd.map((_, a) => ranges.find((r) => r.axis === a)?.start ?? 0), ...dd.map((d, a) => { const r = ranges.find((q) => q.axis === a); return r ? d - r.end : 0; })];
      constants.set(name('pads'), makeTensor(name('pads'), 'int64', [pads.length], pads));
      g.values.set(name('pads'), { name: name('pads'), dtype: 'int64', shape: [pads.length] });
      constants.set(name('fill'), makeTensor(name('fill'), constants.get(data)!.dtype, [], [fill]));
      g.values.set(name('fill'), { name: name('fill'), dtype, shape: [] });
      replace.set(sc, [node('Pad', [updates, name('pads'), name('fill')], [sc.outputs[0]], { mode: 'constant' }, sc.name)]);
      continue;
    }
    const slice = (src: string, shape: number[], what: string, axis: number, from: number, to: number): string => {
      const known = constants.get(src);
      if (known && known.dtype !== 'string') {
        // Of a constant (TSM's zeros_like canvas): a constant, which no layout vote counts.
        const outShape = shape.map((d, a) => (a === axis ? to - from : d));
        constants.set(name(what), makeTensor(name(what), known.dtype, outShape, sliceValues(toNumbers(known), shape, axis, from, to)));
        g.values.set(name(what), { name: name(what), dtype, shape: outShape });
        return name(what);
      }
      for (const [k, val] of [['starts', from], ['ends', to], ['axes', axis]] as const) {
        constants.set(name(`${what}_${k}`), makeTensor(name(`${what}_${k}`), 'int64', [1], [val]));
        g.values.set(name(`${what}_${k}`), { name: name(`${what}_${k}`), dtype: 'int64', shape: [1] });
      }
      g.values.set(name(what), { name: name(what), dtype, shape: shape.map((d, a) => (a === axis ? to - from : d)) });
      nodes.push(node('Slice', [src, name(`${what}_starts`), name(`${what}_ends`), name(`${what}_axes`)], [name(what)], {}, name(what)));
      return name(what);
    };
    // `src` (of `shape`) with the box of ranges[level..] replaced by the updates: a Concat along each range's axis of
    // the part before it, the part inside (the next range's, or the updates), the part after it.
    const assign = (src: string, shape: number[], level: number, out: string): void => {
      if (level === ranges.length) { nodes.push(node('Identity', [updates], [out], {}, out === sc.outputs[0] ? sc.name : out)); return; }
      const { axis, start, end } = ranges[level];
      const parts: string[] = [];
      if (start > 0) parts.push(slice(src, shape, `before${level || ''}`, axis, 0, start));
      if (level + 1 === ranges.length) parts.push(updates);
      else {
        const insideShape = shape.map((d, a) => (a === axis ? end - start : d));
        const inside = slice(src, shape, `inside${level}`, axis, start, end);
        g.values.set(name(`inner${level}`), { name: name(`inner${level}`), dtype, shape: insideShape });
        assign(inside, insideShape, level + 1, name(`inner${level}`));
        parts.push(name(`inner${level}`));
      }
      if (end < shape[axis]) parts.push(slice(src, shape, `after${level || ''}`, axis, end, shape[axis]));
      nodes.push(parts.length === 1 ? node('Identity', parts, [out], {}, out === sc.outputs[0] ? sc.name : out) : node('Concat', parts, [out], { axis }, out === sc.outputs[0] ? sc.name : out));
    };
    assign(data, dd, 0, sc.outputs[0]);
    replace.set(sc, nodes);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, new Set());
}
