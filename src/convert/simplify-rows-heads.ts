// ONNX-level pattern: tf2onnx's Keras Dense layers q, k, v over one input (LYT-Net's MultiHeadSelfAttention on a
// [B, H, W, C] map). Each Dense is a Tensordot: the input flattened to rows [N, C] and multiplied by its kernel, and
// tf2onnx's optimizer merges the three MatMuls of the same rows into one MatMul [N, 3E] and a Split of its last axis.
// Each part is then viewed back ([B, H, W, E]), gets its bias (an Add of a constant [E]), and is viewed heads
// [B, L, h, d] and moved heads-first (0, 2, 1, 3) — k straight to kᵀ (0, 2, 3, 1): three TRANSPOSEs. The parts never
// form the rank-3 packed projection the head passes look for. Rewritten as the biases added to the packed rows once,
// the rows viewed [B, L, 3E] and split there, each part's head view reading its part: `splitChunksAsSlices` and
// `fuseChunkedHeads` (simplify-heads.ts) then give the three one head split, one TRANSPOSE.
import { isStaticShape, type Graph, type Node, type Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { int64Const, intsArg, permAttr, readersOf, spliceNodes } from './simplify-util';

const HEAD_MOVES = new Set(['0,2,1,3', '0,2,3,1']);

interface Part { size: number; chain: Node[]; bias?: Tensor; view: Node }

export function rowsSplitAsHeads(g: Graph, constants: Map<string, Tensor>): void {
  const { uses, only, outs } = readersOf(g, constants);
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const before = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  const dead = (n: Node) => n.opType === 'Transpose' && !(uses.get(n.outputs[0]) ?? []).length && !outs.has(n.outputs[0]);
  let k = 0;
  for (const s of g.nodes) {
    if (s.opType !== 'Split' || s.outputs.length < 2 || s.outputs.some((o) => !o)) continue;
    const x = s.inputs[0];
    const xd = dims(x);
    const axis = (s.attrs.get('axis')?.value as number | undefined) ?? 0;
    if (!isStaticShape(xd) || xd.length !== 2 || (axis !== 1 && axis !== -1) || outs.has(x) || g.values.get(x)?.dtype !== 'float32') continue;
    const [N, W] = xd;
    const sizes = s.inputs[1] || s.attrs.has('split') ? intsArg(s, 1, 'split', constants) : s.outputs.map(() => W / s.outputs.length);
    if (!sizes || sizes.length !== s.outputs.length || sizes.reduce((a, v) => a + v, 0) !== W || sizes.some((v) => !Number.isInteger(v))) continue;
    // Each part: Reshapes keeping its last dim and at most one Add of a constant [E], then the head view and its move.
    const parts: Part[] = [];
    const deadMoves: Node[] = [];
    for (const [j, out] of s.outputs.entries()) {
      const size = sizes[j];
      const chain: Node[] = [];
      let bias: Tensor | undefined;
      let cur = out;
      let view: Node | undefined;
      for (let n = only(cur); n; n = only(cur)) {
        const nd = dims(n.outputs[0]);
        // The head view's one live reader is its move (a Transpose read by nothing — its Shape folded — is dropped).
        const live = n.opType === 'Reshape' && !outs.has(n.outputs[0]) ? (uses.get(n.outputs[0]) ?? []).filter((r) => !dead(r)) : [];
        const t = live.length === 1 ? live[0] : undefined;
        if (t?.opType === 'Transpose' && HEAD_MOVES.has(permAttr(t)?.join() ?? '') && isStaticShape(nd) && nd.length === 4
          && nd[2] * nd[3] === size && nd[0] * nd[1] === N) {
          view = n;
          for (const r of uses.get(n.outputs[0]) ?? []) if (dead(r)) deadMoves.push(r);
          break;
        }
        if (n.opType === 'Reshape' && isStaticShape(nd) && nd[nd.length - 1] === size) { chain.push(n); cur = n.outputs[0]; continue; }
        const c = n.opType === 'Add' && !bias ? constants.get(n.inputs[n.inputs[0] === cur ? 1 : 0]) : undefined;
        if (c && c.dtype === 'float32' && c.dims.length === 1 && c.dims[0] === size) { bias = c; chain.push(n); cur = n.outputs[0]; continue; }
        break;
      }
      if (!view) break;
      parts.push({ size, chain, bias, view });
    }
    if (parts.length !== s.outputs.length) continue;
    const lead = dims(parts[0].view.outputs[0])!.slice(0, 2);
    if (parts.some((p) => dims(p.view.outputs[0])!.slice(0, 2).join() !== lead.join())) continue;
    const key = `${x}/rows_heads_${k++}`;
    const val = (name: string, shape: number[]) => { g.values.set(name, { name, dtype: 'float32', shape }); return name; };
    const added: Node[] = [];
    let rows = x;
    if (parts.some((p) => p.bias)) {
      const b = new Float32Array(W);
      let off = 0;
      for (const p of parts) { if (p.bias) b.set(toNumbers(p.bias), off); off += p.size; }
      const bn = `${key}/bias`;
      constants.set(bn, { name: bn, dtype: 'float32', dims: [W], data: b });
      g.values.set(bn, { name: bn, dtype: 'float32', shape: [W] });
      rows = val(`${key}/biased`, [N, W]);
      added.push({ name: rows, opType: 'Add', domain: '', inputs: [x, bn], outputs: [rows], attrs: new Map() });
    }
    const packed = val(`${key}/packed`, [...lead, W]);
    added.push({ name: packed, opType: 'Reshape', domain: '', inputs: [rows, int64Const(g, constants, `${key}/shape`, [...lead, W])], outputs: [packed], attrs: new Map() });
    const names = parts.map((p, j) => val(`${key}/part${j}`, [...lead, p.size]));
    // The same sizes, as the original gives them (an attribute before opset 13, an input from 13 on).
    const attrs = new Map(s.attrs);
    attrs.set('axis', { type: 'int', value: 2 });
    added.push({ name: s.name || `${key}/split`, opType: 'Split', domain: '', inputs: [packed, ...s.inputs.slice(1)], outputs: names, attrs });
    parts.forEach((p, j) => {
      for (const n of p.chain) skip.add(n);
      p.view.inputs = [names[j], ...p.view.inputs.slice(1)];
    });
    before.set(s, added);
    skip.add(s);
    for (const n of deadMoves) skip.add(n);
  }
  if (before.size) spliceNodes(g, before, new Map(), skip);
}
