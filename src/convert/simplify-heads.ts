// ONNX-level pattern: q, k, v chunked out of one packed projection X [..., P, 3E] of any rank (torchvision's MaxViT,
// timm-style attention written with torch.chunk / einsum): three Slices of the last axis, each Reshape
// [..., P, H, d] → Transpose swapping P and H → [..., H, P, d]: three TRANSPOSEs. Rewritten as one head split of X —
// Reshape [..., P, 3H, d] → Transpose → [..., 3H, P, d] — then a Slice of H heads per branch: one TRANSPOSE. The
// chunks may hold different head counts of one head size (Phi-3 / Phi-4-mini's grouped-query qkv_proj sliced at
// h·d and h·d + kvh·d) and be two (packed k / v).
// k's Transpose may also swap its last two dims ([..., H, d, P], FunASR's SAN-M `heads(k).transpose(-2, -1)`): its
// Slice is then swapped back, which BATCH_MATMUL reads as adj_y; a part with readers besides its head view (SAN-M's v
// also feeds the FSMN memory's depthwise conv) keeps its Slice of X for them.
import type { Graph, Node, Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { node } from '../onnx/builder';
import { int64Const, intsArg, permAttr, readersOf, spliceNodes } from './simplify-util';

/** The swap of P and H of a reshaped [..., P, H, d] of rank r + 1, and that swap with kᵀ's (d before P). */
function headSwaps(r: number): [string, string] {
  const lead = Array.from({ length: r - 2 }, (_, i) => i);
  return [[...lead, r - 1, r - 2, r].join(), [...lead, r - 1, r, r - 2].join()];
}

const SCALES = new Set(['Mul', 'Add', 'Sub', 'Div']);

/** An elementwise op of `v` by a constant that varies along the last axis only (TimesFM's per-dim query scale on the
 *  [B, T, H, d] view): it commutes with a move that keeps the last axis last. */
function lastAxisScale(n: Node, v: string, constants: Map<string, Tensor>): boolean {
  if (!SCALES.has(n.opType) || n.inputs.length !== 2) return false;
  const other = n.inputs[0] === v ? n.inputs[1] : n.inputs[0];
  if ((n.opType === 'Sub' || n.opType === 'Div') && n.inputs[0] !== v) return false;
  const c = constants.get(other);
  return !!c && c.dtype === 'float32' && c.dims.length <= 4 && c.dims.slice(0, -1).every((d) => d === 1);
}

/** Of a chunk's readers, the Reshape whose one reader is a head swap (or kᵀ's), through elementwise ops by constants
 *  along the last axis (`scales`, applied again after the move): that view. */
function headView(v: string, r: number, uses: Map<string, Node[]>, only: (v: string) => Node | undefined, constants: Map<string, Tensor>):
  { reshape: Node; transpose: Node; isK: boolean; scales: Node[] } | undefined {
  const [swap, swapT] = headSwaps(r);
  for (const rs of uses.get(v) ?? []) {
    if (rs.opType !== 'Reshape') continue;
    const scales: Node[] = [];
    let t = only(rs.outputs[0]);
    while (t && lastAxisScale(t, scales.length ? scales[scales.length - 1].outputs[0] : rs.outputs[0], constants)) {
      scales.push(t);
      t = only(t.outputs[0]);
    }
    const p = t?.opType === 'Transpose' ? permAttr(t)?.join() : undefined;
    if (t && (p === swap || (p === swapT && !scales.length))) return { reshape: rs, transpose: t, isK: p === swapT, scales };
  }
  return undefined;
}

/**
 * The same chunks taken by one Split of the last axis into three equal parts (HF GPT-2's `c_attn(x).split(E, 2)`,
 * whose k and v are then concatenated with the past state): when every part goes Reshape → Transpose (the head
 * swap), the Split becomes three Slices, which fuseChunkedHeads then gives one head split.
 */
// `packed` (run before fusePackedHeads): the parts of a rank-3 [L, B, 3E] value viewed [L, B·H, d] and moved by
// [1, 0, 2] (k: [1, 2, 0]) instead: nn.MultiheadAttention's q / k / v after onnxruntime's GatherSliceToSplitFusion made
// the exporter's three Slices one Split (ViT at graphOptimizationLevel extended); fusePackedHeads takes the Slices.
export function splitChunksAsSlices(g: Graph, constants: Map<string, Tensor>, opts: { packed?: boolean } = {}): void {
  const { uses, only } = readersOf(g, constants);
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const replace = new Map<Node, Node[]>();
  for (const n of g.nodes) {
    if (n.opType !== 'Split' || n.outputs.length !== 3 || n.outputs.some((o) => !o)) continue;
    const xd = dims(n.inputs[0]);
    if (!xd || xd.length < 3 || xd.some((d) => typeof d !== 'number') || xd[xd.length - 1] % 3 !== 0) continue;
    const r = xd.length;
    const axis = n.attrs.get('axis')?.value ?? 0;
    if (axis !== r - 1 && axis !== -1) continue;
    const e = xd[r - 1] / 3;
    const sizes = n.inputs[1] || n.attrs.has('split') ? intsArg(n, 1, 'split', constants) : [e, e, e];
    if (!sizes || sizes.some((v) => v !== e) || (uses.get(n.inputs[0]) ?? []).length !== 1) continue;
    const packedView = (o: string) => {
      const rs = only(o);
      const rd = rs?.opType === 'Reshape' ? dims(rs.outputs[0]) : undefined;
      const t = rd ? only(rs!.outputs[0]) : undefined;
      const p = t?.opType === 'Transpose' ? permAttr(t)?.join() : undefined;
      return r === 3 && rd?.length === 3 && rd[0] === xd[0] && (p === '1,0,2' || p === '1,2,0');
    };
    if (n.outputs.some((o) => !(opts.packed ? packedView(o) : headView(o, r, uses, only, constants)))) continue;
    const c = (name: string, v: number[]) => int64Const(g, constants, name, v);
    replace.set(n, n.outputs.map((o, j) => ({ name: `${n.name}/chunk${j}`, opType: 'Slice', domain: '', attrs: new Map(), outputs: [o],
      inputs: [n.inputs[0], c(`${n.name}/start${j}`, [j * e]), c(`${n.name}/end${j}`, [(j + 1) * e]), c(`${n.name}/axis${j}`, [r - 1])] })));
  }
  if (replace.size) spliceNodes(g, new Map(), replace, new Set());
}

export function fuseChunkedHeads(g: Graph, constants: Map<string, Tensor>): void {
  const { uses, outs, only } = readersOf(g, constants);
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const ints = (v: string | undefined) => (v && constants.has(v) ? toNumbers(constants.get(v)!) : undefined);
  const before = new Map<Node, Node[]>();
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  let k = 0;
  for (const x of new Set(g.nodes.flatMap((n) => n.outputs))) {
    const xd = dims(x);
    if (!xd || xd.length < 3 || xd.some((d) => typeof d !== 'number')) continue;
    if (g.values.get(x)?.dtype !== 'float32' || outs.has(x)) continue;
    const r = xd.length;
    const E3 = xd[r - 1];
    const readers = uses.get(x) ?? [];
    if (readers.length < 2 || readers.length > 3 || readers.some((n) => n.opType !== 'Slice')) continue;
    // The swap of P (axis r-2 of the reshaped value) and H (axis r-1): the layout the einsum / matmul wants.
    const swap = headSwaps(r)[0];
    // Each chunk [start, end) of the last axis viewed as heads of one size d: q / k / v of equal sizes, or
    // grouped-query ones (Phi-3's qkv_proj sliced at h·d and h·d + kvh·d: 4 + 2 + 2 heads).
    const branches: { slice: Node; reshape: Node; transpose: Node; isK: boolean; scales: Node[]; start: number; end: number; d: number }[] = [];
    for (const s of readers) {
      const [st, en, ax, sp] = [ints(s.inputs[1]), ints(s.inputs[2]), ints(s.inputs[3]), ints(s.inputs[4])];
      if (!st || !en || st.length !== 1 || !ax || (ax[0] !== r - 1 && ax[0] !== -1) || (sp && sp[0] !== 1)) break;
      const start = st[0];
      const end = Math.min(en[0], E3);
      if (start < 0 || end <= start) break;
      const view = headView(s.outputs[0], r, uses, only, constants);
      const rd = view ? dims(view.reshape.outputs[0]) : undefined;
      if (!view || !rd || rd.length !== r + 1) break;
      if (rd.slice(0, r - 1).join() !== xd.slice(0, r - 1).join() || rd[r - 1] * rd[r] !== end - start) break;
      branches.push({ slice: s, ...view, start, end, d: rd[r] });
    }
    if (branches.length !== readers.length) continue;
    const d = branches[0].d;
    if (E3 % d !== 0 || branches.some((b) => b.d !== d || b.start % d !== 0)) continue;
    const sorted = [...branches].sort((a, b) => a.start - b.start);
    if (sorted.some((b, i) => i > 0 && b.start < sorted[i - 1].end)) continue;
    const h = E3 / d;
    const lead = xd.slice(0, r - 1);
    const P = lead[r - 2];
    const key = `${x}/chunked_heads_${k++}`;
    const c = (name: string, v: number[]) => int64Const(g, constants, name, v);
    const val = (name: string, shape: number[]) => { g.values.set(name, { name, dtype: 'float32', shape }); return name; };
    const node = (opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = new Map()): Node =>
      ({ name: outputs[0], opType, domain: '', inputs, outputs, attrs });
    const split = val(`${key}/split`, [...lead, h, d]);
    const heads = val(`${key}/heads`, [...lead.slice(0, -1), h, P, d]);
    const first = g.nodes.find((n) => branches.some((b) => b.slice === n))!;
    before.set(first, [node('Reshape', [x, c(`${key}/shape`, [...lead, h, d])], [split]),
      node('Transpose', [split], [heads], new Map([['perm', { type: 'ints', value: swap.split(',').map(Number) }]]))]);
    for (const b of branches) {
      if ((uses.get(b.slice.outputs[0]) ?? []).length === 1) skip.add(b.slice);
      skip.add(b.reshape);
      const j = branches.indexOf(b);
      const range = [c(`${key}/start${j}`, [b.start / d]), c(`${key}/end${j}`, [b.end / d]), c(`${key}/axis${j}`, [r - 2])];
      // The node that makes the original output keeps the original node's name (the accuracy diff joins on it).
      const y = b.transpose.outputs[0];
      if (b.scales.length) {
        // Slice the heads, then the per-dim scales on the moved part ([.., H, P, d]: the last axis is still d).
        for (const sc of b.scales) skip.add(sc);
        let cur = val(`${key}/part${j}`, [...lead.slice(0, -1), (b.end - b.start) / d, P, d]);
        const ops: Node[] = [node('Slice', [heads, ...range], [cur])];
        b.scales.forEach((sc, i) => {
          const prev = i === 0 ? b.reshape.outputs[0] : b.scales[i - 1].outputs[0];
          const out = i === b.scales.length - 1 ? y : val(`${key}/scaled${j}_${i}`, [...lead.slice(0, -1), (b.end - b.start) / d, P, d]);
          ops.push({ ...sc, inputs: sc.inputs.map((v) => (v === prev ? cur : v)), outputs: [out], name: i === b.scales.length - 1 ? b.transpose.name : sc.name });
          cur = out;
        });
        replace.set(b.transpose, ops);
      } else if (!b.isK) replace.set(b.transpose, [{ ...node('Slice', [heads, ...range], [y]), name: b.transpose.name }]);
      else {
        const part = val(`${key}/part${j}`, [...lead.slice(0, -1), (b.end - b.start) / d, P, d]);
        const back = [...Array.from({ length: r - 1 }, (_, i) => i), r, r - 1];
        replace.set(b.transpose, [node('Slice', [heads, ...range], [part]),
          { ...node('Transpose', [part], [y], new Map([['perm', { type: 'ints', value: back }]])), name: b.transpose.name }]);
      }
    }
  }
  if (!skip.size) return;
  spliceNodes(g, before, replace, skip);
}

// ONNX-level pattern: q, k, v interleaved per head in one projection (LeViT's and TinyViT's / MobileSAM's attention:
// `qkv.view(B, N, H, kd + kd + d).split([kd, kd, d], dim=3)`, each part then `.permute(0, 2, 1, 3)`): a Split of the
// last axis of [B, N, H, P] whose every part is moved by its own Transpose (0, 2, 1, 3) — or (0, 2, 3, 1), k's head
// swap and kᵀ in one — three TRANSPOSEs (q, k, v). Rewritten as one Transpose (0, 2, 1, 3) of [B, N, H, P] and the
// Split of its last axis, k's part then swapping its last two dims (which BATCH_MATMUL reads as adj_y): one TRANSPOSE.

const HEAD_SWAP = [0, 2, 1, 3].join();
const HEAD_SWAP_T = [0, 2, 3, 1].join();

/** A Split (two or more named parts) of a rank-4 value of static dims along `axis`: those dims. */
function staticSplit4(g: Graph, s: Node, axis: number): number[] | undefined {
  if (s.opType !== 'Split' || s.outputs.length < 2 || s.outputs.some((o) => !o)) return undefined;
  const xd = g.values.get(s.inputs[0])?.shape;
  const a = s.attrs.get('axis')?.value ?? 0;
  if (!xd || xd.length !== 4 || xd.some((d) => typeof d !== 'number' || d < 1) || (a !== axis && a !== axis - 4)) return undefined;
  return xd as number[];
}

export function fuseSplitHeads(g: Graph, constants: Map<string, Tensor>): void {
  const { uses, outs, only } = readersOf(g, constants);
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  for (const s of g.nodes) {
    const xd = staticSplit4(g, s, 3);
    if (!xd) continue;
    if (outs.has(s.inputs[0]) || (uses.get(s.inputs[0]) ?? []).length !== 1) continue;
    const moves = s.outputs.map((o) => only(o));
    if (moves.some((t) => t?.opType !== 'Transpose' || ![HEAD_SWAP, HEAD_SWAP_T].includes(permAttr(t)?.join() ?? ''))) continue;
    const [b, n, h, p] = xd as number[];
    const t = `${s.inputs[0]}/heads_first`;
    const dtype = g.values.get(s.inputs[0])?.dtype;
    g.values.set(t, { name: t, dtype, shape: [b, h, n, p] });
    // k's part (0, 2, 3, 1): the split gives [B, H, N, kd] under a new name, a swap of its last two dims the old one.
    const swaps: Node[] = [];
    const parts = moves.map((m) => {
      if (permAttr(m!)?.join() === HEAD_SWAP) return m!.outputs[0];
      const part = `${m!.outputs[0]}/heads_first`;
      const od = dims(m!.outputs[0]);
      g.values.set(part, { name: part, dtype, shape: od ? [od[0], od[1], od[3], od[2]] : undefined });
      swaps.push(node('Transpose', [part], [m!.outputs[0]], { perm: [0, 1, 3, 2] }, m!.name));
      return part;
    });
    const split = node('Split', [t, ...s.inputs.slice(1)], parts, {}, s.name);
    split.attrs = new Map(s.attrs);  // the sizes (an attribute before opset 13)
    split.attrs.set('axis', { type: 'int', value: 3 });
    replace.set(s, [node('Transpose', [s.inputs[0]], [t], { perm: [0, 2, 1, 3] }, `${s.name}/heads_first`), split, ...swaps]);
    for (const m of moves) skip.add(m!);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, skip);
}

// ONNX-level pattern: q, k, v viewed head-first out of a convolution's channels (ultralytics' C2PSA / PSA attention:
// `qkv(x).view(B, H, 2·kd + d, N).split([kd, kd, d], dim=2)`, then `q.transpose(-2, -1) @ k`, `v @ attn.transpose(-2,
// -1)`): a Split of axis 2 of [B, H, P, N], stored channel-last as [B, N, H, P], whose parts each MatMul reads in
// another order: one TRANSPOSE per part. Rewritten as one Transpose (0, 1, 3, 2) of [B, H, P, N] and the Split of its
// last axis: qᵀ is a part, k and v are a swap of a part's last two dims (BATCH_MATMUL's adj_x / adj_y). Readers other
// than MatMul / that Transpose (the pe depthwise Conv on v) keep reading the original Split: one TRANSPOSE.

const LAST_SWAP = [0, 1, 3, 2].join();

export function fuseViewedHeads(g: Graph, constants: Map<string, Tensor>): void {
  const { uses, producer, outs } = readersOf(g, constants);
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const before = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  for (const s of g.nodes) {
    const xd = staticSplit4(g, s, 2);
    if (!xd) continue;
    // The view of a convolution's channels: a Reshape of [B, H·P, h, w] into [B, H, P, h·w].
    const view = producer.get(s.inputs[0]);
    const cd = view?.opType === 'Reshape' ? dims(view.inputs[0]) : undefined;
    if (!cd || cd.length !== 4 || cd[1] !== xd[1] * xd[2] || cd[2] * cd[3] !== xd[3] || outs.has(s.inputs[0])) continue;
    const moved = (o: string) => (uses.get(o) ?? []).filter((n) => n.opType === 'Transpose' && permAttr(n)?.join() === LAST_SWAP);
    const matmuls = (o: string) => (uses.get(o) ?? []).filter((n) => n.opType === 'MatMul');
    // Worth it when two parts or more are read by MatMuls (each part's own TRANSPOSE otherwise), one of them moved.
    if (s.outputs.some((o) => outs.has(o)) || s.outputs.filter((o) => moved(o).length + matmuls(o).length > 0).length < 2
      || !s.outputs.some((o) => moved(o).length > 0)) continue;
    const [b, h, , n] = xd as number[];
    const dtype = g.values.get(s.inputs[0])?.dtype;
    const t = `${s.inputs[0]}/tokens_first`;
    g.values.set(t, { name: t, dtype, shape: [b, h, n, xd[2]] });
    const swaps: Node[] = [];
    let direct = false;
    const parts = s.outputs.map((o) => {
      // A part the model moves (qᵀ) is that Transpose's output; its other moves (if any) copy it.
      const [first, ...more] = moved(o);
      const part = first?.outputs[0] ?? `${o}/tokens_first`;
      const od = dims(o);
      if (!first) g.values.set(part, { name: part, dtype, shape: od ? [od[0], od[1], od[3], od[2]] : undefined });
      if (first) skip.add(first);
      for (const m of more) {
        skip.add(m);
        swaps.push(node('Identity', [part], [m.outputs[0]], {}, m.name));
      }
      if (matmuls(o).length) {
        const swapped = `${o}/heads_view`;
        g.values.set(swapped, { ...g.values.get(o)!, name: swapped });
        swaps.push(node('Transpose', [part], [swapped], { perm: [0, 1, 3, 2] }, `${s.name}/${o}/heads_view`));
        for (const mm of matmuls(o)) mm.inputs = mm.inputs.map((i) => (i === o ? swapped : i));
      }
      direct ||= (uses.get(o) ?? []).some((r) => r.opType !== 'MatMul' && !moved(o).includes(r));
      return part;
    });
    const split = node('Split', [t, ...s.inputs.slice(1)], parts, {}, `${s.name}/tokens_first`);
    split.attrs = new Map(s.attrs);
    split.attrs.set('axis', { type: 'int', value: 3 });
    const added = [node('Transpose', [s.inputs[0]], [t], { perm: [0, 1, 3, 2] }, `${s.name}/tokens_first_move`), split, ...swaps];
    // The original Split stays for its other readers (the pe Conv reads v in the stored order, no move).
    before.set(s, added);
    if (!direct) skip.add(s);
  }
  if (before.size) spliceNodes(g, before, new Map(), skip);
}

/**
 * A part of a Split of a moved value that the model moves back (ultralytics YOLOv12's area attention: qkv viewed
 * [B, N, h, 3d] and moved to [B, h, 3d, N], split into q / k / v, and v moved back to [B, N, h, d] for the pe conv):
 * a Slice of the value before the move, so the moved-back copy costs no TRANSPOSE (the Split stays for the other
 * readers: the head split the products need).
 */
export function sliceUndoneMoves(g: Graph, constants: Map<string, Tensor>): void {
  const { uses, producer, outs } = readersOf(g, constants);
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const replace = new Map<Node, Node[]>();
  const c = (name: string, v: number[]) => int64Const(g, constants, name, v);
  for (const s of g.nodes) {
    const move = s.opType === 'Split' ? producer.get(s.inputs[0]) : undefined;
    const p1 = move?.opType === 'Transpose' ? permAttr(move) : undefined;
    const xd = dims(s.inputs[0]);
    if (!move || !p1 || !xd || xd.some((d) => typeof d !== 'number') || outs.has(s.inputs[0])) continue;
    const r = xd.length;
    const axis = (((s.attrs.get('axis')?.value as number | undefined) ?? 0) + r) % r;
    let start = 0;
    s.outputs.forEach((o) => {
      const size = dims(o)?.[axis];
      if (typeof size !== 'number') { start = NaN; return; }
      for (const t of uses.get(o) ?? []) {
        const p2 = t.opType === 'Transpose' ? permAttr(t) : undefined;
        // The two moves compose to none (out dim i = X dim p1[p2[i]]); a product reads a moved part as adj instead.
        if (!p2 || p2.some((q, i) => p1[q] !== i) || Number.isNaN(start)
          || (uses.get(t.outputs[0]) ?? []).some((r) => r.opType === 'MatMul')) continue;
        replace.set(t, [{ ...node('Slice', [move.inputs[0], c(`${t.name}/start`, [start]), c(`${t.name}/end`, [start + size]),
          c(`${t.name}/axis`, [p1[axis]])], [t.outputs[0]]), name: t.name }]);
      }
      start += size;
    });
  }
  if (replace.size) spliceNodes(g, new Map(), replace, new Set());
}
