// ONNX-level pattern: a value moved by a Transpose whose first output axis is then unbound — Split along axis 0 into
// parts of one, each Squeezed of that axis (T2T-ViT's single-head token attention, `qkv.reshape(B, N, 3, d)
// .permute(2, 0, 1, 3)` then `q, k, v = ...`; CMT's one-head packed k / v, `kv.reshape(B, N, 2, 1, d).permute(2, 0,
// 3, 1, 4)`). When what the Transpose does to each part moves no data (only unit dims, or nothing), the parts are
// split from the value as it is, along the axis the Transpose brought first, and each part's move is a Reshape:
// no TRANSPOSE of the whole packed value. With heads > 1 the parts' moves are head splits,
// one a part; one TRANSPOSE of the packed value is then cheaper, and the pattern is left to the head passes.
import type { Graph, Node, Tensor } from '../ir/types';
import { node } from '../onnx/builder';
import { identity, sameMemoryOrder } from './layout';
import { int64Const, intsArg, permAttr, readersOf, spliceNodes } from './simplify-util';

export function splitBeforeMoves(g: Graph, constants: Map<string, Tensor>): void {
  const { only } = readersOf(g, constants);
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  for (const t of g.nodes) {
    const p = t.opType === 'Transpose' ? permAttr(t) : undefined;
    const xd = g.values.get(t.inputs[0])?.shape;
    const s = only(t.outputs[0]);
    if (!p || !xd || xd.some((d) => typeof d !== 'number') || s?.opType !== 'Split' || s.inputs[0] !== t.outputs[0]) continue;
    const r = p.length;
    const dims = xd as number[];
    if ((Number(s.attrs.get('axis')?.value ?? 0) + r) % r !== 0 || dims[p[0]] !== s.outputs.length || s.outputs.some((o) => !o)) continue;
    const squeezes = s.outputs.map((o) => only(o));
    if (!squeezes.every((q) => { const a = q?.opType === 'Squeeze' ? intsArg(q, 1, 'axes', constants) : undefined; return a?.length === 1 && (a[0] + r) % r === 0; })) continue;
    const partDims = dims.filter((_, i) => i !== p[0]);
    const rest = p.slice(1).map((d) => (d > p[0] ? d - 1 : d));
    if (!sameMemoryOrder(partDims, identity(r - 1), rest)) continue;
    const key = `${t.name || t.outputs[0]}/split_first`;
    const parts = s.outputs.map((_, i) => `${key}/part${i}`);
    const squeezed = s.outputs.map((_, i) => `${key}/squeezed${i}`);
    const opset13 = squeezes.some((q) => q!.inputs[1]);
    const ax = opset13 ? int64Const(g, constants, `${key}/axes`, [p[0]]) : '';
    // Each part's move, which moves no data, as the Reshape it is (a Transpose there would be hoisted back onto the
    // packed value by hoistGatheredMoves).
    const shape = int64Const(g, constants, `${key}/shape`, rest.map((d) => partDims[d]));
    const dtype = g.values.get(t.inputs[0])!.dtype;
    parts.forEach((v) => g.values.set(v, { name: v, dtype, shape: dims.map((d, i) => (i === p[0] ? 1 : d)) }));
    squeezed.forEach((v) => g.values.set(v, { name: v, dtype, shape: partDims }));
    const split = node('Split', [t.inputs[0], ...s.inputs.slice(1)], parts, { axis: p[0] }, s.name);
    for (const [k, v] of s.attrs) if (k !== 'axis') split.attrs.set(k, v);
    const out = [split, ...squeezes.flatMap((q, i) => [
      opset13 ? node('Squeeze', [parts[i], ax], [squeezed[i]], {}, `${q!.name}/first`) : node('Squeeze', [parts[i]], [squeezed[i]], { axes: [p[0]] }, `${q!.name}/first`),
      node('Reshape', [squeezed[i], shape], [q!.outputs[0]], {}, q!.name),
    ])];
    skip.add(s);
    squeezes.forEach((q) => skip.add(q!));
    replace.set(t, out);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, skip);
}
