// ONNX-level pattern: nn.MultiheadAttention's output projection as torch exports it at batch > 1. The heads' merge
// [T, B·H, d] is flattened to rows [T·B, E], projected by Gemm, and viewed back as [T, B, E]:
//   Reshape [T·B, E] → Gemm(W, bias) → Reshape [T, B, E]
// Rows of a rank-2 value have no stored order of their own, so the merge had to reach ONNX's time-first order and the
// result move back to a batch-first stream (torchaudio's Conformer, nn.TransformerEncoder with batch_first at batch
// > 1): a TRANSPOSE per layer. Rewritten as Reshape [T, B, E] → MatMul(W) → Add(bias): the same numbers (reshapes in
// row-major order compose), and a rank-3 value whose leading axes the FULLY_CONNECTED may keep in any stored order.
// When the merge is torch's Transpose [1, 0, 2] of the attention output [B·H, T, d], it is written as a view
// [B, H, T, d] → Transpose [2, 0, 1, 3] → [T, B, H, d]: B and H apart, so the merge may land batch-first.
import type { Graph, Node, Tensor } from '../ir/types';
import { toFloat32 } from '../ir/tensor';
import { transposeData } from './constdata';
import { readersOf, spliceNodes } from './simplify-util';

// onnxruntime's MatMulAddFusion (graphOptimizationLevel extended) writes every Linear on a [B, T, E] value the same
// way, flattened to rows and viewed back with the same leading dims. `sameRows` (run before the attention passes)
// takes only those: the MatMul then reads the unflattened value itself, so q, k and v projections of one value are
// seen as the exporter's Linears of it (their head splits pack into one, as in the opset-17 export).
export function unflattenGemmRows(g: Graph, constants: Map<string, Tensor>, opts: { sameRows?: boolean } = {}): void {
  const { only } = readersOf(g, constants);
  const producer = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const known = (d: number[] | undefined): d is number[] => !!d && d.every((v) => typeof v === 'number' && v > 0);
  const attr = (n: Node, k: string, dflt: number) => { const a = n.attrs.get(k); return a && (a.type === 'int' || a.type === 'float') ? a.value : dflt; };
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  for (const gemm of g.nodes) {
    if ((gemm.opType !== 'Gemm' && gemm.opType !== 'MatMul') || attr(gemm, 'transA', 0) !== 0 || attr(gemm, 'alpha', 1) !== 1 || attr(gemm, 'beta', 1) !== 1) continue;
    const [a, b, c] = gemm.inputs;
    const W = constants.get(b);
    const C = c ? constants.get(c) : undefined;
    if (!W || W.dtype !== 'float32' || W.dims.length !== 2 || (c && (!C || C.dtype !== 'float32'))) continue;
    const flat = producer.get(a);
    const back = only(gemm.outputs[0]);
    if (flat?.opType !== 'Reshape' || only(a) !== gemm || back?.opType !== 'Reshape' || back.inputs[0] !== gemm.outputs[0]) continue;
    const [xd, ad, yd] = [dims(flat.inputs[0]), dims(a), dims(back.outputs[0])];
    if (!known(xd) || !known(ad) || !known(yd) || xd.length < 3 || ad.length !== 2 || yd.length < 3) continue;
    const transB = attr(gemm, 'transB', 0) === 1;
    const [k, n] = transB ? [W.dims[1], W.dims[0]] : W.dims;
    const prod = (d: number[]) => d.reduce((p, q) => p * q, 1);
    // onnxruntime's ReshapeFusion may have merged the view back with the head view after it: [T, E] → [B, T, H, d].
    const viewed = !!opts.sameRows && yd.length > xd.length && yd.slice(0, xd.length - 1).join() === xd.slice(0, -1).join()
      && prod(yd.slice(xd.length - 1)) === n;
    if (ad[1] !== k || (!viewed && (yd[yd.length - 1] !== n || prod(yd.slice(0, -1)) !== ad[0]))) continue;
    if (C && C.data.length !== n && C.data.length !== 1) continue;
    const lead = viewed ? xd.slice(0, -1) : yd.slice(0, -1);
    const same = xd.join() === [...lead, k].join();
    if (opts.sameRows && !same) continue;
    const key = `${gemm.name}/rows`;
    const put = (name: string, dtype: 'int64' | 'float32', shape: number[], data: ArrayLike<number>) => {
      constants.set(name, { name, dtype, dims: shape, data: dtype === 'int64' ? BigInt64Array.from(Array.from(data, (v) => BigInt(v))) : Float32Array.from(data) });
      g.values.set(name, { name, dtype, shape });
      return name;
    };
    const val = (name: string, shape: number[]) => { g.values.set(name, { name, dtype: 'float32', shape }); return name; };
    const x3 = same ? flat.inputs[0] : val(`${key}/in`, [...lead, k]);
    const w = transB ? put(`${key}/weight`, 'float32', [k, n], transposeData(toFloat32(W), W.dims, [1, 0], (m) => new Float32Array(m))) : b;
    const node = (opType: string, inputs: string[], outputs: string[], name = outputs[0]): Node => ({ name, opType, domain: '', inputs, outputs, attrs: new Map() });
    const nodes: Node[] = [];
    let src = flat.inputs[0];
    const merge = producer.get(src);
    const md = merge?.opType === 'Transpose' && only(src) === flat ? dims(merge.inputs[0]) : undefined;
    const perm = merge?.attrs.get('perm');
    if (!same && merge && known(md) && md.length === 3 && perm?.type === 'ints' && perm.value.join() === '1,0,2' && yd.length === 3
      && md[0] % yd[1] === 0 && md[1] === yd[0] && (md[0] / yd[1]) * md[2] === k) {
      const [bh, t, d] = md;
      const heads = [yd[1], bh / yd[1]];
      const tr: Node = { ...node('Transpose', [val(`${key}/heads`, [...heads, t, d])], [val(`${key}/merged`, [t, ...heads, d])], merge.name) };
      tr.attrs = new Map([['perm', { type: 'ints', value: [2, 0, 1, 3] }]]);
      nodes.push(node('Reshape', [merge.inputs[0], put(`${key}/heads_shape`, 'int64', [4], [...heads, t, d])], [`${key}/heads`]), tr);
      skip.add(merge);
      src = `${key}/merged`;
    }
    if (!same) nodes.push(node('Reshape', [src, put(`${key}/shape`, 'int64', [lead.length + 1], [...lead, k])], [x3], flat.name));
    // The node that makes the original output keeps the Gemm's name (the accuracy diff joins on it).
    const y = viewed ? val(`${key}/out`, [...lead, n]) : back.outputs[0];
    if (C) nodes.push(node('MatMul', [x3, w], [val(`${key}/product`, [...lead, n])]), node('Add', [`${key}/product`, c!], [y], gemm.name));
    else nodes.push(node('MatMul', [x3, w], [y], gemm.name));
    if (viewed) nodes.push(node('Reshape', [y, put(`${key}/view`, 'int64', [yd.length], yd)], [back.outputs[0]], back.name));
    skip.add(flat);
    skip.add(gemm);
    replace.set(back, nodes);
  }
  if (skip.size) spliceNodes(g, new Map(), replace, skip);
}
