// ONNX-level pattern: the packed in-projection of PyTorch's nn.MultiheadAttention (ViT, nn.TransformerEncoder, ...)
// at batch 1. The export slices q, k, v out of the projection X [L, 1, 3E] and gives each its own head split:
// Slice → Reshape [L, H, d] → Transpose [1, 0, 2] (k: [1, 2, 0]), three TRANSPOSEs. Rewritten as one head split
// of X — Reshape [L, 3H, d] → Transpose [1, 0, 2] → [3H, L, d] — then a Slice of H heads each (k's [1, 2, 0]
// becomes a swap of its last two dims, which BATCH_MATMUL takes as adj_y): one TRANSPOSE for the three.
import type { Graph, Node, Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';

function perm(n: Node): number[] | undefined {
  const a = n.attrs.get('perm');
  return a?.type === 'ints' ? a.value : undefined;
}

export function fusePackedHeads(g: Graph, constants: Map<string, Tensor>): void {
  const uses = new Map<string, Node[]>();
  for (const n of g.nodes) for (const i of n.inputs) if (i) uses.set(i, [...(uses.get(i) ?? []), n]);
  const outs = new Set(g.outputs.map((o) => o.name));
  const only = (v: string) => { const u = uses.get(v) ?? []; return u.length === 1 && !outs.has(v) ? u[0] : undefined; };
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const ints = (v: string | undefined) => (v && constants.has(v) ? toNumbers(constants.get(v)!) : undefined);
  const before = new Map<Node, Node[]>();
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  let k = 0;
  for (const x of new Set(g.nodes.flatMap((n) => n.outputs))) {
    const xd = dims(x);
    if (!xd || xd.length !== 3 || xd[1] !== 1 || xd[2] % 3 !== 0 || g.values.get(x)?.dtype !== 'float32') continue;
    const [L, , E3] = xd;
    const e = E3 / 3;
    const slices = (uses.get(x) ?? []).filter((n) => n.opType === 'Slice');
    if (slices.length !== 3 || (uses.get(x) ?? []).some((n) => n.opType !== 'Slice' && n.opType !== 'Shape')) continue;
    const branches: { slice: Node; reshape: Node; transpose: Node; chunk: number }[] = [];
    for (const s of slices) {
      const [st, en, ax, sp] = [ints(s.inputs[1]), ints(s.inputs[2]), ints(s.inputs[3]), ints(s.inputs[4])];
      if (!st || !en || st.length !== 1 || (ax && ax[0] !== 2 && ax[0] !== -1) || (sp && sp[0] !== 1) || s.inputs[0] !== x) break;
      const chunk = st[0] / e;
      if (!Number.isInteger(chunk) || Math.min(en[0], E3) !== st[0] + e) break;
      const r = only(s.outputs[0]);
      const t = r?.opType === 'Reshape' ? only(r.outputs[0]) : undefined;
      const rd = r ? dims(r.outputs[0]) : undefined;
      const p = t?.opType === 'Transpose' ? perm(t)?.join() : undefined;
      if (!r || !t || !rd || rd.length !== 3 || rd[0] !== L || rd[1] * rd[2] !== e || (p !== '1,0,2' && p !== '1,2,0')) break;
      branches.push({ slice: s, reshape: r, transpose: t, chunk });
    }
    if (branches.length !== 3 || new Set(branches.map((b) => b.chunk)).size !== 3) continue;
    const [h, d] = dims(branches[0].reshape.outputs[0])!.slice(1);
    if (branches.some((b) => dims(b.reshape.outputs[0])!.join() !== [L, h, d].join())) continue;
    const key = `${x}/packed_heads_${k++}`;
    const c = (name: string, v: number[], shape = [v.length]) => {
      constants.set(name, { name, dtype: 'int64', dims: shape, data: BigInt64Array.from(v.map(BigInt)) });
      g.values.set(name, { name, dtype: 'int64', shape });
      return name;
    };
    const val = (name: string, shape: number[]) => { g.values.set(name, { name, dtype: 'float32', shape }); return name; };
    const node = (opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = new Map()): Node =>
      ({ name: outputs[0], opType, domain: '', inputs, outputs, attrs });
    const split = val(`${key}/split`, [L, 3 * h, d]);
    const heads = val(`${key}/heads`, [3 * h, L, d]);
    const first = g.nodes.find((n) => branches.some((b) => b.slice === n))!;
    before.set(first, [node('Reshape', [x, c(`${key}/shape`, [L, 3 * h, d])], [split]),
      node('Transpose', [split], [heads], new Map([['perm', { type: 'ints', value: [1, 0, 2] }]]))]);
    for (const b of branches) {
      skip.add(b.slice);
      skip.add(b.reshape);
      const range = [c(`${key}/start${b.chunk}`, [b.chunk * h]), c(`${key}/end${b.chunk}`, [(b.chunk + 1) * h]), c(`${key}/axis${b.chunk}`, [0])];
      const y = b.transpose.outputs[0];
      if (perm(b.transpose)!.join() === '1,0,2') replace.set(b.transpose, [node('Slice', [heads, ...range], [y])]);
      else {
        const part = val(`${key}/part${b.chunk}`, [h, L, d]);
        replace.set(b.transpose, [node('Slice', [heads, ...range], [part]),
          node('Transpose', [part], [y], new Map([['perm', { type: 'ints', value: [0, 2, 1] }]]))]);
      }
    }
  }
  if (!skip.size) return;
  g.nodes = g.nodes.flatMap((n) => [...(before.get(n) ?? []), ...(skip.has(n) ? [] : replace.get(n) ?? [n])]);
}
