// ONNX-level pattern: a head move (Transpose) after an elementwise region that computes its input from one value —
// rotary embeddings applied on the [B, T, H, d] view before `permute(0, 2, 1, 3)` (nomic-bert's `q * cos +
// rotate_half(q) * sin`: Mul / Slice / Neg / Concat / Add with constant tables). The move is applied to that one value
// first and the region runs in the moved order (its constants permuted, its Slice / Concat axes renumbered), so the
// moves of q, k and v all sit right after the projection's split, where one move before the split serves the three
// (`unitSplitsAsGathers` here, then simplify-hoist-moves.ts `hoistGatheredMoves`). Only moves that keep the last axis
// last are pushed (a kᵀ move [0, 2, 3, 1] pushes its head part [0, 2, 1, 3] and keeps the swap of the last two dims,
// which BATCH_MATMUL reads as adj_y). Only regions that slice or concatenate along the last axis (rotary's halves) are
// taken: a plain scale between a head view and its move is simplify-heads.ts's `headView`.
import type { Graph, Node, Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { node } from '../onnx/builder';
import { transposeData } from './constdata';
import { permAttr, readersOf, spliceNodes } from './simplify-util';

const BINARY = new Set(['Mul', 'Add', 'Sub', 'Div']);
const REGION = new Set([...BINARY, 'Neg', 'Slice', 'Concat']);
const HEAD_MOVES = new Set(['0,2,1,3', '0,2,3,1', '1,0,2', '1,2,0']);

interface Region { nodes: Node[]; source: string }

/** The region of REGION ops between one non-constant value of rank r and `y`, every value in it read only inside it
 *  (y only by the move), or undefined. */
function regionOf(y: string, r: number, g: Graph, constants: Map<string, Tensor>, uses: Map<string, Node[]>, producer: Map<string, Node>,
  outs: Set<string>): Region | undefined {
  const nodes = new Set<Node>();
  const sources = new Set<string>();
  const rankOf = (v: string) => g.values.get(v)?.shape?.length;
  const stack = [y];
  while (stack.length) {
    const v = stack.pop()!;
    const p = producer.get(v);
    if (!p || !REGION.has(p.opType) || p.outputs.length !== 1 || rankOf(v) !== r || outs.has(v) || g.values.get(v)?.dtype !== 'float32') {
      sources.add(v);
      continue;
    }
    if (nodes.has(p)) continue;
    if (p.opType === 'Slice' && (p.inputs.length < 4 || p.inputs.slice(1).some((i) => i && !constants.has(i)))) return undefined;
    nodes.add(p);
    const data = p.opType === 'Slice' ? [p.inputs[0]] : p.inputs;
    for (const i of data) {
      if (constants.has(i)) {
        if ((constants.get(i)!.dims.length > r) || p.opType === 'Concat') return undefined;
      } else stack.push(i);
    }
  }
  if (!nodes.size || sources.size !== 1) return undefined;
  const source = [...sources][0];
  if (rankOf(source) !== r || constants.has(source)) return undefined;
  // Every value made in the region is read only by region nodes (y by the move alone).
  for (const n of nodes) {
    const o = n.outputs[0];
    const readers = uses.get(o) ?? [];
    if (o === y ? readers.length !== 1 : readers.some((u) => !nodes.has(u))) return undefined;
  }
  return { nodes: g.nodes.filter((n) => nodes.has(n)), source };
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
    const region = regionOf(t.inputs[0], r, g, constants, uses, producer, outs);
    // A region that moves data along the last axis (rotary's halves or pairs: Slice / Concat), not a plain scale, which
    // simplify-heads.ts's head views already carry.
    if (!region || region.nodes.some((n) => skip.has(n)) || !region.nodes.some((n) => n.opType === 'Slice' || n.opType === 'Concat')) continue;
    const dims = (v: string) => g.values.get(v)!.shape as number[];
    const permuted = (d: number[]) => h.map((i) => d[i]);
    const axisOf = (a: number) => h.indexOf(a < 0 ? a + r : a);
    const out: Node[] = [];
    const srcKey = `${region.source}:${h.join()}`;
    let moved = movedSources.get(srcKey);
    if (!moved) {
      moved = `${region.source}/moved_${h.join('')}`;
      g.values.set(moved, { name: moved, dtype: 'float32', shape: permuted(dims(region.source)) });
      out.push(node('Transpose', [region.source], [moved], { perm: h }, `${moved}/move`));
      movedSources.set(srcKey, moved);
    }
    const renamed = new Map<string, string>([[region.source, moved]]);
    const constant = (name: string, kind: 'data' | 'axes', n: Node) => {
      const c = constants.get(name)!;
      const key = `${name}/moved_${h.join('')}${kind === 'axes' ? `_${n.name}` : ''}`;
      if (kind === 'axes') {
        const axes = toNumbers(c).map(axisOf);
        constants.set(key, { name: key, dtype: c.dtype, dims: [...c.dims], data: c.dtype === 'int64' ? BigInt64Array.from(axes.map(BigInt)) : Int32Array.from(axes) });
      } else if (!constants.has(key)) {
        const full = [...new Array<number>(r - c.dims.length).fill(1), ...c.dims];
        constants.set(key, { name: key, dtype: c.dtype, dims: permuted(full), data: transposeData(c.data as Float32Array, full, h, (k) => new (c.data.constructor as Float32ArrayConstructor)(k)) });
      }
      g.values.set(key, { name: key, dtype: c.dtype, shape: [...constants.get(key)!.dims] });
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
        if (n.opType === 'Slice' && j !== 0) return i;
        return constant(i, 'data', n);
      });
      const attrs = new Map(n.attrs);
      if (n.opType === 'Concat') attrs.set('axis', { type: 'int', value: axisOf(Number(n.attrs.get('axis')?.value ?? 0)) });
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
      const axes = q?.opType === 'Squeeze' ? (q.inputs[1] ? (constants.has(q.inputs[1]) ? toNumbers(constants.get(q.inputs[1])!) : undefined)
        : (q.attrs.get('axes')?.value as number[] | undefined)) : undefined;
      return !!axes && axes.length === 1 && (axes[0] + r) % r === a;
    });
    if (!ok) continue;
    const moves = squeezes.map((q) => only(q!.outputs[0]));
    const perms = moves.map((m) => (m?.opType === 'Transpose' ? permAttr(m)?.join() : undefined));
    if (perms.some((p) => !p || p !== perms[0])) continue;
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
