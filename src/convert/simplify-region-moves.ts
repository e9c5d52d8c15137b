// ONNX-level pattern: a head move (Transpose) after an elementwise region that computes its input from one value —
// rotary embeddings applied on the [B, T, H, d] view before `permute(0, 2, 1, 3)` (nomic-bert's `q * cos +
// rotate_half(q) * sin`: Mul / Slice / Neg / Concat / Add with constant tables). The move is applied to that one value
// first and the region runs in the moved order (its constants permuted, its Slice / Concat axes renumbered), so the
// moves of q, k and v all sit right after the projection's split, where one move before the split serves the three
// (`unitSplitsAsGathers` here, then simplify-hoist-moves.ts `hoistGatheredMoves`). Only moves that keep the last axis
// last are pushed (a kᵀ move [0, 2, 3, 1] pushes its head part [0, 2, 1, 3] and keeps the swap of the last two dims,
// which BATCH_MATMUL reads as adj_y). Only regions that slice or concatenate along the last axis (rotary's halves) are
// taken: a plain scale between a head view and its move is simplify-heads.ts's `headView`. The tables may be computed
// at run time (GPT-J's sin / cos gathered at position_ids, [B, T, 1, d]) when moving them keeps their memory order
// (a RESHAPE), and the region may stack and flatten along trailing dims (GPT-J's rotate_every_two); rank-3 moves of
// [T, H, d] (Qwen2-VL's vision tower, no batch dim) are taken like rank-4 ones.
import type { Graph, Node, Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { node } from '../onnx/builder';
import { transposeData } from './constdata';
import { identity, sameMemoryOrder } from './layout';
import { intsArg, permAttr, readersOf, spliceNodes } from './simplify-util';

const BINARY = new Set(['Mul', 'Add', 'Sub', 'Div']);
const REGION = new Set([...BINARY, 'Neg', 'Slice', 'Concat', 'Reshape', 'Unsqueeze']);
const HEAD_MOVES = new Set(['0,2,1,3', '0,2,3,1', '1,0,2', '1,2,0']);

/** The region's nodes in graph order, its one source of y's shape, and other computed values it reads (tables a
 *  binary op broadcasts over the heads: GPT-J's sin / cos gathered at run-time positions, [B, T, 1, d]). */
interface Region { nodes: Node[]; source: string; tables: string[] }

/** The region of REGION ops between one non-constant value of y's shape and `y` (rank r), every value in it read only
 *  inside it (y only by the move), or undefined. Values in it keep y's first r - 1 dims (GPT-J's rotate_every_two
 *  stacks and flattens pairs along trailing dims: Unsqueeze / Reshape there only); any other value it reads must be a
 *  constant or a table whose move keeps its memory order (a RESHAPE, not a TRANSPOSE). */
function regionOf(y: string, r: number, h: number[], g: Graph, constants: Map<string, Tensor>, uses: Map<string, Node[]>,
  producer: Map<string, Node>, outs: Set<string>): Region | undefined {
  const nodes = new Set<Node>();
  const sources = new Set<string>();
  const dimsOf = (v: string) => g.values.get(v)?.shape as (number | string)[] | undefined;
  const lead = dimsOf(y)?.slice(0, r - 1);
  if (!lead || lead.some((d) => typeof d !== 'number')) return undefined;
  const fits = (v: string) => { const d = dimsOf(v); return !!d && d.length >= r && lead.every((x, i) => d[i] === x); };
  const stack = [y];
  while (stack.length) {
    const v = stack.pop()!;
    const p = producer.get(v);
    // A Reshape that changes y's first r - 1 dims (the head view itself) bounds the region.
    const view = p?.opType === 'Reshape' && (!constants.has(p.inputs[1]) || !fits(p.inputs[0]));
    if (!p || !REGION.has(p.opType) || view || p.outputs.length !== 1 || !fits(v) || outs.has(v) || g.values.get(v)?.dtype !== 'float32') {
      sources.add(v);
      continue;
    }
    if (nodes.has(p)) continue;
    const rank = dimsOf(v)!.length;
    if (p.opType === 'Slice' && (p.inputs.length < 4 || p.inputs.slice(1).some((i) => i && !constants.has(i)))) return undefined;
    if (p.opType === 'Reshape' && dimsOf(v)!.some((d) => typeof d !== 'number')) return undefined;
    if (p.opType === 'Unsqueeze') {
      const axes = intsArg(p, 1, 'axes', constants);
      if (!axes || axes.some((a) => (a + rank) % rank < r - 1)) return undefined;
    }
    if (rank !== r && !['Slice', 'Neg', 'Reshape', 'Unsqueeze', 'Concat'].includes(p.opType) && !BINARY.has(p.opType)) return undefined;
    nodes.add(p);
    const data = ['Slice', 'Reshape', 'Unsqueeze'].includes(p.opType) ? [p.inputs[0]] : p.inputs;
    for (const i of data) {
      if (constants.has(i)) {
        if ((constants.get(i)!.dims.length > rank) || p.opType === 'Concat') return undefined;
      } else stack.push(i);
    }
  }
  const yd = dimsOf(y)!;
  const main = [...sources].filter((v) => !constants.has(v) && dimsOf(v)?.join() === yd.join());
  if (!nodes.size || main.length !== 1) return undefined;
  const tables = [...sources].filter((v) => v !== main[0]);
  for (const t of tables) {
    // A table is read only by binary ops and moved for free: its non-unit dims keep their order under the move.
    const d = dimsOf(t);
    if (!d || d.length !== r || d.some((x) => typeof x !== 'number') || constants.has(t)) return undefined;
    if (!(uses.get(t) ?? []).filter((u) => nodes.has(u)).every((u) => BINARY.has(u.opType))) return undefined;
    if (!sameMemoryOrder(d as number[], identity(r), h)) return undefined;
  }
  // Every value made in the region is read only by region nodes (y by the move alone).
  for (const n of nodes) {
    const o = n.outputs[0];
    const readers = uses.get(o) ?? [];
    if (o === y ? readers.length !== 1 : readers.some((u) => !nodes.has(u))) return undefined;
  }
  return { nodes: g.nodes.filter((n) => nodes.has(n)), source: main[0], tables };
}

export function hoistMovesThroughRegions(g: Graph, constants: Map<string, Tensor>): void {
  const { uses, producer, outs } = readersOf(g, constants);
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  const movedSources = new Map<string, string>();
  for (const t of g.nodes) {
    // Head moves only ([B, T, H, d] → [B, H, T, d], or kᵀ's [B, H, d, T]; without a batch dim, Qwen2-VL's vision
    // tower's [T, H, d] → [H, T, d] or [H, d, T]).
    const p = t.opType === 'Transpose' ? permAttr(t) : undefined;
    const r = p?.length ?? 0;
    if (!p || !HEAD_MOVES.has(p.join())) continue;
    // The part of the move that keeps the last axis last (h), and a swap of the last two dims after it (kᵀ).
    const swapLast = p[r - 1] !== r - 1;
    const h = swapLast ? [...p.slice(0, r - 2), p[r - 1], p[r - 2]] : p;
    if (h[r - 1] !== r - 1 || h.every((v, i) => v === i)) continue;
    const region = regionOf(t.inputs[0], r, h, g, constants, uses, producer, outs);
    // A region that moves data along the last axis (rotary's halves or pairs: Slice / Concat), not a plain scale, which
    // simplify-heads.ts's head views already carry.
    if (!region || region.nodes.some((n) => skip.has(n)) || !region.nodes.some((n) => n.opType === 'Slice' || n.opType === 'Concat')) continue;
    const dims = (v: string) => g.values.get(v)!.shape as number[];
    // The move extended to a value of rank k >= r (the trailing dims stay).
    const hx = (k: number) => [...h, ...Array.from({ length: k - r }, (_, i) => r + i)];
    const permuted = (d: number[]) => hx(d.length).map((i) => d[i]);
    const axisOf = (a: number, k: number) => hx(k).indexOf(a < 0 ? a + k : a);
    const out: Node[] = [];
    const renamed = new Map<string, string>();
    for (const v of [region.source, ...region.tables]) {
      const srcKey = `${v}:${h.join()}`;
      let moved = movedSources.get(srcKey);
      if (!moved) {
        moved = `${v}/moved_${h.join('')}`;
        g.values.set(moved, { name: moved, dtype: 'float32', shape: permuted(dims(v)) });
        out.push(node('Transpose', [v], [moved], { perm: h }, `${moved}/move`));
        movedSources.set(srcKey, moved);
      }
      renamed.set(v, moved);
    }
    const constant = (name: string, kind: 'data' | 'axes', n: Node) => {
      const c = constants.get(name)!;
      const k = dims(n.outputs[0]).length;
      const key = `${name}/moved_${h.join('')}${kind === 'axes' ? `_${n.name}` : k !== r ? `_${k}` : ''}`;
      if (kind === 'axes') {
        const axes = toNumbers(c).map((a) => axisOf(a, dims(n.inputs[0]).length));
        constants.set(key, { name: key, dtype: c.dtype, dims: [...c.dims], data: c.dtype === 'int64' ? BigInt64Array.from(axes.map(BigInt)) : Int32Array.from(axes) });
      } else if (!constants.has(key)) {
        const full = [...new Array<number>(k - c.dims.length).fill(1), ...c.dims];
        constants.set(key, { name: key, dtype: c.dtype, dims: permuted(full), data: transposeData(c.data as Float32Array, full, hx(k), (m) => new (c.data.constructor as Float32ArrayConstructor)(m)) });
      }
      g.values.set(key, { name: key, dtype: c.dtype, shape: [...constants.get(key)!.dims] });
      return key;
    };
    const shapeConstant = (n: Node, shape: number[]) => {
      const key = `${n.name || n.outputs[0]}/moved_shape`;
      constants.set(key, { name: key, dtype: 'int64', dims: [shape.length], data: BigInt64Array.from(shape.map(BigInt)) });
      g.values.set(key, { name: key, dtype: 'int64', shape: [shape.length] });
      return key;
    };
    for (const n of region.nodes) {
      const o = n.outputs[0];
      const last = o === t.inputs[0];
      const name = last && !swapLast ? t.outputs[0] : `${o}/moved_${h.join('')}`;
      if (!(last && !swapLast)) g.values.set(name, { name, dtype: 'float32', shape: permuted(dims(o)) });
      renamed.set(o, name);
      const inputs = n.inputs.map((i, j) => {
        if (!i) return i;
        if (renamed.has(i)) return renamed.get(i)!;
        if (n.opType === 'Slice' && j === 3) return constant(i, 'axes', n);
        if (n.opType === 'Reshape' && j === 1) return shapeConstant(n, permuted(dims(o)));
        if ((n.opType === 'Slice' || n.opType === 'Unsqueeze') && j !== 0) return i;
        return constant(i, 'data', n);
      });
      const attrs = new Map(n.attrs);
      if (n.opType === 'Concat') attrs.set('axis', { type: 'int', value: axisOf(Number(n.attrs.get('axis')?.value ?? 0), dims(o).length) });
      // The node that makes the move's output keeps the move's name (the accuracy diff joins on it).
      out.push({ ...n, name: last && !swapLast ? t.name : `${n.name}/moved`, inputs, outputs: [name], attrs });
      skip.add(n);
    }
    if (swapLast) {
      const sw = Array.from({ length: r }, (_, i) => (i < r - 2 ? i : 2 * r - 3 - i));
      out.push(node('Transpose', [renamed.get(t.inputs[0])!], [t.outputs[0]], { perm: sw }, t.name));
    }
    replace.set(t, out);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, skip);
}

/**
 * A Split into parts of one along an axis, each part Squeezed of that axis and moved by one Transpose of the same perm
 * (nomic-bert's `qkv.view(b, t, 3, h, d).unbind(dim=2)`, q, k, v then moved heads-first): the parts become Gathers of
 * one index each, which hoistGatheredMoves then reads from the value moved once.
 */
function swapOf<T>(shape: T[] | undefined): T[] | undefined {
  return shape && shape.length >= 2 ? [...shape.slice(0, -2), shape[shape.length - 1], shape[shape.length - 2]] : undefined;
}

export function unitSplitsAsGathers(g: Graph, constants: Map<string, Tensor>): void {
  const { only } = readersOf(g, constants);
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  for (const s of g.nodes) {
    if (s.opType !== 'Split' || s.outputs.length < 2 || s.outputs.some((o) => !o)) continue;
    const xd = g.values.get(s.inputs[0])?.shape;
    if (!xd) continue;
    const r = xd.length;
    const a = ((Number(s.attrs.get('axis')?.value ?? 0)) + r) % r;
    if (xd[a] !== s.outputs.length || s.outputs.some((o) => g.values.get(o)?.shape?.[a] !== 1)) continue;
    const squeezes = s.outputs.map((o) => only(o));
    const ok = squeezes.every((q) => {
      const axes = q?.opType === 'Squeeze' ? intsArg(q, 1, 'axes', constants) : undefined;
      return !!axes && axes.length === 1 && (axes[0] + r) % r === a;
    });
    if (!ok) continue;
    const moves = squeezes.map((q) => only(q!.outputs[0]));
    const perms = moves.map((m) => (m?.opType === 'Transpose' ? permAttr(m) : undefined));
    // k may be moved with its last two dims swapped too (kᵀ; onnxruntime's transpose optimizer pushed Swin's
    // `qkv.permute(2, 0, 3, 1, 4)` and `k.transpose(-2, -1)` through the unbind as a Split): that part is moved
    // like the others, then swapped back, which BATCH_MATMUL reads as adj_y.
    const key = (p: number[] | undefined) => p?.join();
    const base = perms.find((p) => perms.filter((q) => key(q) === key(p)).length > 1) ?? perms[0];
    const swapped = swapOf(base);
    if (!base || perms.some((p) => !p || (key(p) !== key(base) && key(p) !== key(swapped)))) continue;
    // With one head (SAM 2 Hiera's first stage) q's and v's moves keep their memory order (RESHAPEs) and kᵀ is adj_y:
    // nothing to share, and one move of the whole value would be a TRANSPOSE.
    const part = g.values.get(squeezes[0]!.outputs[0])?.shape;
    if (key(base) !== key(swapped) && perms.some((p) => key(p) === key(swapped)) && part?.every((d) => typeof d === 'number')
      && sameMemoryOrder(part as number[], identity(base.length), base)) continue;
    perms.forEach((p, i) => {
      if (key(p) === key(base)) return;
      const m = moves[i]!;
      const mid = `${m.name || m.outputs[0]}/heads`;
      g.values.set(mid, { name: mid, dtype: g.values.get(m.outputs[0])?.dtype, shape: swapOf(g.values.get(m.outputs[0])?.shape) });
      const last = Array.from({ length: base.length }, (_, j) => j);
      [last[last.length - 2], last[last.length - 1]] = [last[last.length - 1], last[last.length - 2]];
      replace.set(m, [node('Transpose', [m.inputs[0]], [mid], { perm: base }, mid), node('Transpose', [mid], [m.outputs[0]], { perm: last }, m.name)]);
    });
    const nodes = squeezes.map((q, i) => {
      const idx = `${s.name || s.outputs[0]}/index${i}`;
      constants.set(idx, { name: idx, dtype: 'int64', dims: [], data: BigInt64Array.from([BigInt(i)]) });
      g.values.set(idx, { name: idx, dtype: 'int64', shape: [] });
      skip.add(q!);
      return { ...node('Gather', [s.inputs[0], idx], [q!.outputs[0]], { axis: a }), name: q!.name };
    });
    replace.set(s, nodes);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, skip);
}
