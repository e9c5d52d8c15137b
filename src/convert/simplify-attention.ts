// ONNX-level pattern: the packed in-projection of PyTorch's nn.MultiheadAttention (ViT, nn.TransformerEncoder, ...).
// At batch 1: The export slices q, k, v out of the projection X [L, 1, 3E] and gives each its own head split:
// Slice → Reshape [L, H, d] → Transpose [1, 0, 2] (k: [1, 2, 0]), three TRANSPOSEs. Rewritten as one head split
// of X — Reshape [L, 3H, d] → Transpose [1, 0, 2] → [3H, L, d] — then a Slice of H heads each (k's [1, 2, 0]
// becomes a swap of its last two dims, which BATCH_MATMUL takes as adj_y): one TRANSPOSE for the three.
// At batch B > 1 (X [L, B, 3E], heads [L, B·H, d]; MobileViT's patches, batched BERT): Reshape [L, B, 3H, d] →
// Transpose [1, 2, 0, 3] → [B, 3H, L, d], a Slice of H heads and a Reshape to [B·H, L, d] per branch.
// Cross-attention (q from the decoder, k and v from the memory: ABINet's language model, PARSeq's decoder) packs only
// k and v, X [L, B, 2E] in two Slices: the same rewrite with 2H heads, one TRANSPOSE for the two.
import type { Graph, Node, Tensor } from '../ir/types';
import { tensorBytes, toNumbers } from '../ir/tensor';
import { sameBytes } from '../tflite/write-shared';
import { permAttr, readersOf, spliceNodes } from './simplify-util';

export function fusePackedHeads(g: Graph, constants: Map<string, Tensor>): void {
  const { uses, only } = readersOf(g, constants);
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const ints = (v: string | undefined) => (v && constants.has(v) ? toNumbers(constants.get(v)!) : undefined);
  const before = new Map<Node, Node[]>();
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  let k = 0;
  for (const x of new Set(g.nodes.flatMap((n) => n.outputs))) {
    const xd = dims(x);
    if (!xd || xd.length !== 3 || xd.some((v) => typeof v !== 'number') || g.values.get(x)?.dtype !== 'float32') continue;
    const slices = (uses.get(x) ?? []).filter((n) => n.opType === 'Slice');
    // n chunks: q, k, v (3) or cross-attention's k, v (2).
    const n = slices.length;
    if ((n !== 2 && n !== 3) || xd[2] % n !== 0 || (uses.get(x) ?? []).some((r) => r.opType !== 'Slice' && r.opType !== 'Shape')) continue;
    const [L, B, E3] = xd;
    const e = E3 / n;
    const branches: { slice: Node; reshape: Node; transpose: Node; chunk: number }[] = [];
    for (const s of slices) {
      const [st, en, ax, sp] = [ints(s.inputs[1]), ints(s.inputs[2]), ints(s.inputs[3]), ints(s.inputs[4])];
      if (!st || !en || st.length !== 1 || (ax && ax[0] !== 2 && ax[0] !== -1) || (sp && sp[0] !== 1) || s.inputs[0] !== x) break;
      const chunk = st[0] / e;
      if (!Number.isInteger(chunk) || chunk < 0 || chunk >= n || Math.min(en[0], E3) !== st[0] + e) break;
      const r = only(s.outputs[0]);
      const t = r?.opType === 'Reshape' ? only(r.outputs[0]) : undefined;
      const rd = r ? dims(r.outputs[0]) : undefined;
      const p = t?.opType === 'Transpose' ? permAttr(t)?.join() : undefined;
      if (!r || !t || !rd || rd.length !== 3 || rd[0] !== L || rd[1] * rd[2] !== e * B || rd[1] % B !== 0 || (p !== '1,0,2' && p !== '1,2,0')) break;
      branches.push({ slice: s, reshape: r, transpose: t, chunk });
    }
    if (branches.length !== n || new Set(branches.map((b) => b.chunk)).size !== n) continue;
    const [bh, d] = dims(branches[0].reshape.outputs[0])!.slice(1);
    if (branches.some((b) => dims(b.reshape.outputs[0])!.join() !== [L, bh, d].join())) continue;
    const h = bh / B;
    const key = `${x}/packed_heads_${k++}`;
    const c = (name: string, v: number[], shape = [v.length]) => {
      constants.set(name, { name, dtype: 'int64', dims: shape, data: BigInt64Array.from(v.map(BigInt)) });
      g.values.set(name, { name, dtype: 'int64', shape });
      return name;
    };
    const val = (name: string, shape: number[]) => { g.values.set(name, { name, dtype: 'float32', shape }); return name; };
    const node = (opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = new Map()): Node =>
      ({ name: outputs[0], opType, domain: '', inputs, outputs, attrs });
    if (B > 1) {
      const split = val(`${key}/split`, [L, B, n * h, d]);
      const heads = val(`${key}/heads`, [B, n * h, L, d]);
      const first = g.nodes.find((n) => branches.some((b) => b.slice === n))!;
      before.set(first, [node('Reshape', [x, c(`${key}/shape`, [L, B, n * h, d])], [split]),
        node('Transpose', [split], [heads], new Map([['perm', { type: 'ints', value: [1, 2, 0, 3] }]]))]);
      for (const b of branches) {
        skip.add(b.slice);
        skip.add(b.reshape);
        const range = [c(`${key}/start${b.chunk}`, [b.chunk * h]), c(`${key}/end${b.chunk}`, [(b.chunk + 1) * h]), c(`${key}/axis${b.chunk}`, [1])];
        const y = b.transpose.outputs[0];
        const part = val(`${key}/part${b.chunk}`, [B, h, L, d]);
        const isK = permAttr(b.transpose)!.join() === '1,2,0';
        const nodes = [node('Slice', [heads, ...range], [part])];
        let last = part;
        if (isK) {
          last = val(`${key}/part${b.chunk}_t`, [B, h, d, L]);
          nodes.push(node('Transpose', [part], [last], new Map([['perm', { type: 'ints', value: [0, 1, 3, 2] }]])));
        }
        // The node that makes the original output keeps the original node's name (the accuracy diff joins on it).
        nodes.push({ ...node('Reshape', [last, c(`${key}/out_shape${b.chunk}`, isK ? [B * h, d, L] : [B * h, L, d])], [y]), name: b.transpose.name });
        replace.set(b.transpose, nodes);
      }
      continue;
    }
    const split = val(`${key}/split`, [L, n * h, d]);
    const heads = val(`${key}/heads`, [n * h, L, d]);
    const first = g.nodes.find((n) => branches.some((b) => b.slice === n))!;
    before.set(first, [node('Reshape', [x, c(`${key}/shape`, [L, n * h, d])], [split]),
      node('Transpose', [split], [heads], new Map([['perm', { type: 'ints', value: [1, 0, 2] }]]))]);
    for (const b of branches) {
      skip.add(b.slice);
      skip.add(b.reshape);
      const range = [c(`${key}/start${b.chunk}`, [b.chunk * h]), c(`${key}/end${b.chunk}`, [(b.chunk + 1) * h]), c(`${key}/axis${b.chunk}`, [0])];
      const y = b.transpose.outputs[0];
      // The node that makes the original output keeps the original node's name (the accuracy diff joins on it).
      const named = (n: Node) => ({ ...n, name: b.transpose.name });
      if (permAttr(b.transpose)!.join() === '1,0,2') replace.set(b.transpose, [named(node('Slice', [heads, ...range], [y]))]);
      else {
        const part = val(`${key}/part${b.chunk}`, [h, L, d]);
        replace.set(b.transpose, [node('Slice', [heads, ...range], [part]),
          named(node('Transpose', [part], [y], new Map([['perm', { type: 'ints', value: [0, 2, 1] }]])))]);
      }
    }
  }
  if (!skip.size) return;
  spliceNodes(g, before, replace, skip);
}

/**
 * Separate q, k, v projections of one input X [B, L, E] (torchaudio's wav2vec2, Hugging Face's BERT/ViT/Whisper):
 * MatMul(X, W) (+ bias) (· scale) → Reshape [1, L, H, d] → Transpose [0, 2, 1, 3] (k: [0, 2, 3, 1]) three times. The three
 * weights are concatenated into one MatMul [E, 3E'] with one bias, whose output gets one head split
 * (Reshape [L, 3H, d] → Transpose [1, 0, 2]) and a Slice of H heads per branch: one TRANSPOSE instead of three.
 * Grouped-query attention (LLaMA / Mistral / Qwen2 with fewer k / v heads than q heads) packs the same way: the
 * branches share the head size, each keeps its own head count.
 * Any other count of such branches of one X (cross-attention's k and v over the encoder's output, in every decoder
 * layer) is packed the same way.
 */
/** Constants of one name, or of equal dtype, dims and bytes. */
function sameTensor(a: Tensor, b: Tensor): boolean {
  return a === b || a.name === b.name || (a.dtype === b.dtype && a.dims.join() === b.dims.join() && sameBytes(tensorBytes(a), tensorBytes(b)));
}

export function fuseSeparateProjections(g: Graph, constants: Map<string, Tensor>): void {
  const { uses, only, outs } = readersOf(g, constants);
  const dims = (v: string) => (constants.get(v)?.dims ?? g.values.get(v)?.shape) as number[] | undefined;
  const f32 = (v: string) => { const c = constants.get(v); return c?.dtype === 'float32' ? c : undefined; };
  const before = new Map<Node, Node[]>();
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  let k = 0;
  for (const x of new Set(g.nodes.flatMap((n) => n.inputs))) {
    const xd = dims(x);
    if (!xd || xd.length !== 3 || constants.has(x) || g.values.get(x)?.dtype !== 'float32') continue;
    // Sequence-first [L, 1, E] (nn.MultiheadAttention with distinct query, key and value: DETR's q = k = src + pos,
    // v = src): Reshape [L, H, d] → Transpose [1, 0, 2] (k: [1, 2, 0]) per branch.
    const seqFirst = xd[0] !== 1 && xd[1] === 1;
    // Batch-first at batch B > 1 (a batched BERT): heads [B, H, L, d] per branch, split from [B, L, n·H, d].
    const B = seqFirst ? 1 : xd[0];
    const [L, E] = seqFirst ? [xd[0], xd[2]] : [xd[1], xd[2]];
    const hd = seqFirst ? 1 : 2;
    // A head view may have several Transpose readers: torch writes k's heads for a present output ([0, 2, 1, 3]) and
    // kᵀ for the scores ([0, 2, 3, 1]) as two Transposes of one Reshape.
    // A view may add a constant per (head, channel) before its move (NeMo's q + pos_bias_u and q + pos_bias_v, each
    // moved heads-first): the Add then runs on the head-first slice, its constant viewed [H, 1, d].
    type View = { transpose: Node; isK: boolean; bias?: { add: Node; t: Tensor } };
    type Branch = { mm: Node; w: Tensor; add?: Node; b?: Tensor; mul?: Node; scale: number; reshape: Node; views: View[] };
    const found: Branch[] = [];
    for (const mm of uses.get(x) ?? []) {
      if (mm.opType !== 'MatMul' || mm.inputs[0] !== x || skip.has(mm)) continue;
      const w = f32(mm.inputs[1]);
      if (!w || w.dims.length !== 2 || w.dims[0] !== E) continue;
      let y = mm.outputs[0];
      let add = only(y);
      let b: Tensor | undefined;
      if (add?.opType === 'Add') {
        b = f32(add.inputs[add.inputs[0] === y ? 1 : 0]);
        if (!b || b.dims.reduce((p, q) => p * q, 1) !== w.dims[1] || b.dims.length > 1) add = undefined;
        else y = add.outputs[0];
      } else add = undefined;
      if (!add) b = undefined;
      // q · scaling after the projection (BART, Whisper) folds into that branch's weights and bias.
      let mul = only(y);
      const sc = mul?.opType === 'Mul' ? f32(mul.inputs[mul.inputs[0] === y ? 1 : 0]) : undefined;
      if (mul && sc && sc.dims.reduce((p, q) => p * q, 1) === 1) y = mul.outputs[0];
      else mul = undefined;
      const reshape = only(y);
      const rd = reshape?.opType === 'Reshape' ? dims(reshape.outputs[0]) : undefined;
      const hdims = rd?.slice(-2).join();
      // A biased view: Add of the reshaped value and a constant [H, d] (or [d]), read only by its head move.
      const biasOf = (a: Node) => {
        const c = a.opType === 'Add' && a.inputs.includes(reshape!.outputs[0]) ? f32(a.inputs[a.inputs[0] === reshape!.outputs[0] ? 1 : 0]) : undefined;
        const t = c && (c.dims.join() === hdims || c.dims.join() === rd?.slice(-1).join()) ? only(a.outputs[0]) : undefined;
        return t?.opType === 'Transpose' && !['0,2,3,1', '1,2,0'].includes(permAttr(t)?.join() ?? '') ? { add: a, t: c!, transpose: t } : undefined;
      };
      const raw = reshape && !outs.has(reshape.outputs[0]) ? uses.get(reshape.outputs[0]) ?? [] : [];
      const biased = raw.map(biasOf);
      const readers = raw.map((r, j) => biased[j]?.transpose ?? r);
      const perms = readers.map((t) => (t.opType === 'Transpose' ? permAttr(t)?.join() : undefined));
      if (!reshape || !rd || !readers.length) continue;
      if (seqFirst ? rd.length !== 3 || rd[0] !== L || rd[1] * rd[2] !== w.dims[1] || perms.some((p) => p !== '1,0,2' && p !== '1,2,0')
        : rd.length !== 4 || rd[0] !== B || rd[1] !== L || rd[2] * rd[3] !== w.dims[1] || perms.some((p) => p !== '0,2,1,3' && p !== '0,2,3,1')) continue;
      const views = readers.map((transpose, j): View => ({ transpose, isK: perms[j] === '0,2,3,1' || perms[j] === '1,2,0',
        bias: biased[j] && { add: biased[j]!.add, t: biased[j]!.t } }));
      found.push({ mm, w, add, b, mul, scale: mul ? toNumbers(sc!)[0] : 1, reshape, views });
    }
    // Branches may differ in head count (grouped-query attention: q has H heads, k and v H / G), not in head size:
    // each group of one head size with two or more branches is packed (SAM's two-way transformer reads queries + pe
    // for the next layer's self-attention q and k, head size 16, and for the image-to-token k, head size 8; a UNet's
    // cross-attentions over one context with head sizes 16 and 32 give one split per size).
    // Two or more: k and v of cross-attention (q comes from the decoder), for every decoder layer that reads the
    // same encoder output (all heads of all of them in one split).
    const bySize = new Map<number, Branch[]>();
    for (const br of found) {
      const size = dims(br.reshape.outputs[0])![hd + 1];
      bySize.set(size, [...(bySize.get(size) ?? []), br]);
    }
    for (const group of bySize.values()) {
      if (group.length < 2) continue;
      // Copies of one projection (an unrolled decoder's per-step cross-attention over the same memory, before
      // simplify-cse merges them) share one part of the split: the weights are packed once.
      const same = (p: Branch, q: Branch) => p.scale === q.scale && sameTensor(p.w, q.w) && (p.b && q.b ? sameTensor(p.b, q.b) : !p.b && !q.b)
        && dims(p.reshape.outputs[0])!.join() === dims(q.reshape.outputs[0])!.join();
      const branches = group.filter((br, j) => group.findIndex((o) => same(o, br)) === j);
      // Only copies of one projection: simplify-cse makes them one, each already with its own head split.
      if (branches.length < 2) continue;
      const d = dims(branches[0].reshape.outputs[0])![hd + 1];
      const hs = branches.map((br) => dims(br.reshape.outputs[0])![hd]);
      const offs = hs.map((_, j) => hs.slice(0, j).reduce((a, v) => a + v, 0));
      const nh = hs.reduce((a, v) => a + v, 0);
      const width = nh * d;
      const key = `${x}/qkv_${k++}`;
      const wcat = new Float32Array(E * width);
      branches.forEach((br, j) => {
        const wv = toNumbers(br.w);
        const e = hs[j] * d;
        for (let r = 0; r < E; r++) for (let c = 0; c < e; c++) wcat[r * width + offs[j] * d + c] = wv[r * e + c] * br.scale;
      });
      const c = (name: string, dtype: 'int64' | 'float32', v: ArrayLike<number>, shape: number[]) => {
        constants.set(name, { name, dtype, dims: shape, data: dtype === 'int64' ? BigInt64Array.from(Array.from(v, (n) => BigInt(n))) : Float32Array.from(v) });
        g.values.set(name, { name, dtype, shape });
        return name;
      };
      const val = (name: string, shape: number[]) => { g.values.set(name, { name, dtype: 'float32', shape }); return name; };
      const node = (opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = new Map()): Node =>
        ({ name: outputs[0], opType, domain: '', inputs, outputs, attrs });
      const tr = (p: number[]): Node['attrs'] => new Map([['perm', { type: 'ints', value: p }]]);
      const proj = val(`${key}/proj`, seqFirst ? [L, 1, width] : [B, L, width]);
      const first: Node[] = [node('MatMul', [x, c(`${key}/weight`, 'float32', wcat, [E, width])], [proj])];
      let packed = proj;
      if (branches.some((br) => br.b)) {
        // A branch without a bias (Whisper's k_proj) gets zeros.
        const bias = branches.flatMap((br, j) => (br.b ? toNumbers(br.b).map((v) => v * br.scale) : new Array<number>(hs[j] * d).fill(0)));
        packed = val(`${key}/proj_bias`, seqFirst ? [L, 1, width] : [B, L, width]);
        first.push(node('Add', [proj, c(`${key}/bias`, 'float32', bias, [width])], [packed]));
      }
      // Batch 1 drops the batch: [L, n·H, d] → [n·H, L, d]; batch B keeps it: [B, L, n·H, d] → [B, n·H, L, d].
      const lead = B > 1 ? [B] : [];
      const split = val(`${key}/split`, [...lead, L, nh, d]);
      const heads = val(`${key}/heads`, [...lead, nh, L, d]);
      first.push(node('Reshape', [packed, c(`${key}/shape`, 'int64', [...lead, L, nh, d], [lead.length + 3])], [split]),
        node('Transpose', [split], [heads], tr(B > 1 ? [0, 2, 1, 3] : [1, 0, 2])));
      const firstMm = g.nodes.find((n) => group.some((br) => br.mm === n))!;
      before.set(firstMm, first);
      group.forEach((br, j) => {
        for (const n of [br.mm, br.add, br.mul, br.reshape]) if (n) skip.add(n);
        const u = branches.findIndex((o) => same(o, br));
        const h = hs[u];
        const range = [c(`${key}/start${j}`, 'int64', [offs[u]], [1]), c(`${key}/end${j}`, 'int64', [offs[u] + h], [1]), c(`${key}/axis${j}`, 'int64', [lead.length], [1])];
        const part = val(`${key}/part${j}`, [...lead, h, L, d]);
        // The Slice goes ahead of the view that comes first in the graph; each view is then a Reshape of it (k's a swap
        // of its last two dims first, which BATCH_MATMUL takes as adj_y).
        const order = br.views.map((v) => g.nodes.indexOf(v.transpose));
        br.views.forEach((v, i) => {
          const y = v.transpose.outputs[0];
          const nodes = order[i] === Math.min(...order) ? [node('Slice', [heads, ...range], [part])] : [];
          let last = part;
          if (v.isK) {
            last = val(`${key}/part${j}_t${i}`, [...lead, h, d, L]);
            nodes.push(node('Transpose', [part], [last], tr(B > 1 ? [0, 1, 3, 2] : [0, 2, 1])));
          }
          if (v.bias) {
            skip.add(v.bias.add);
            const bd = v.bias.t.dims.length === 2 ? [v.bias.t.dims[0], 1, d] : [1, 1, d];
            const bias = c(`${key}/view_bias${j}_${i}`, 'float32', toNumbers(v.bias.t), bd);
            last = val(`${key}/part${j}_b${i}`, [...lead, h, L, d]);
            nodes.push(node('Add', [part, bias], [last]));
          }
          // The node that makes the original output keeps the original node's name (the accuracy diff joins on it).
          nodes.push({ ...node('Reshape', [last, c(`${key}/out_shape${j}_${i}`, 'int64', dims(y)!, [dims(y)!.length])], [y]), name: v.transpose.name });
          replace.set(v.transpose, nodes);
        });
      });
    }
  }
  if (!skip.size) return;
  spliceNodes(g, before, replace, skip);
}
