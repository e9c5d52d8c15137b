// KPConv's kernel-point convolution (eighteenth sweep): the neighbourhood features weighted per kernel point, [n, K, C],
// moved to [K, n, C] (`.permute(1, 0, 2)`), multiplied by each kernel point's weights [K, C, O] (a batched MatMul over
// K) and summed over K: sum_k x[n, k, :] · W[k] is one product of the rows viewed [n, K·C] with the weights viewed
// [K·C, O]. As written it took a TRANSPOSE of the weighted features a layer; as a Reshape and a MatMul (a
// FULLY_CONNECTED), none, and one product instead of K.
import type { Graph, Node, Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { node } from '../onnx/builder';
import { permAttr, readersOf, spliceNodes } from './simplify-util';

/** The ReduceSum's axes (input at opset 13+, attribute before) and keepdims. */
function reduceAxes(n: Node, constants: Map<string, Tensor>): { axes: number[]; keep: boolean } | undefined {
  const a = n.attrs.get('axes');
  const c = n.inputs[1] ? constants.get(n.inputs[1]) : undefined;
  const axes = a?.type === 'ints' ? a.value : c ? toNumbers(c) : undefined;
  const k = n.attrs.get('keepdims');
  return axes ? { axes, keep: !(k?.type === 'int' && k.value === 0) } : undefined;
}

export function batchedProductSumAsMatMul(g: Graph, constants: Map<string, Tensor>): void {
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const { only, producer } = readersOf(g, constants);
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  for (const rs of g.nodes) {
    if (rs.opType !== 'ReduceSum' || rs.outputs.length !== 1) continue;
    const mm = producer.get(rs.inputs[0]);
    if (mm?.opType !== 'MatMul' || only(mm.outputs[0]) !== rs) continue;
    const r = reduceAxes(rs, constants);
    const w = constants.get(mm.inputs[1]);
    const tr = producer.get(mm.inputs[0]);
    if (!r || r.keep || r.axes.length !== 1 || (r.axes[0] !== 0 && r.axes[0] !== -3)) continue;
    if (!w || w.dims.length !== 3 || tr?.opType !== 'Transpose' || only(tr.outputs[0]) !== mm) continue;
    if (permAttr(tr)?.join() !== '1,0,2') continue;
    const x = dims(tr.inputs[0]);
    const [k, c, o] = w.dims;
    if (!x || x.length !== 3 || x.some((d) => !(d > 0)) || x[1] !== k || x[2] !== c || w.dtype !== 'float32') continue;
    const name = (what: string) => `${mm.name}/summed_${what}`;
    constants.set(name('shape'), { name: name('shape'), dtype: 'int64', dims: [2], data: new BigInt64Array([BigInt(x[0]), BigInt(k * c)]) });
    g.values.set(name('shape'), { name: name('shape'), dtype: 'int64', shape: [2] });
    constants.set(name('weights'), { ...w, name: name('weights'), dims: [k * c, o] });
    g.values.set(name('weights'), { name: name('weights'), dtype: 'float32', shape: [k * c, o] });
    g.values.set(name('rows'), { name: name('rows'), dtype: 'float32', shape: [x[0], k * c] });
    replace.set(rs, [node('Reshape', [tr.inputs[0], name('shape')], [name('rows')], {}, name('reshape')),
      node('MatMul', [name('rows'), name('weights')], [rs.outputs[0]], {}, name('matmul'))]);
    skip.add(tr);
    skip.add(mm);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, skip);
}
