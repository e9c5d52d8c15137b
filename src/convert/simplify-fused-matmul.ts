// onnxruntime's MatmulTransposeFusion (graphOptimizationLevel extended) folds a Transpose that moves the first dim
// next to the last, [1, ..., r-2, 0, r-1] (or [1, ..., r-1, 0] with the last two swapped too), into com.microsoft
// FusedMatMul as transBatchA / transBatchB (with transA / transB): nn.MultiheadAttention's q / k / v [L, B·H, d]
// moved to [B·H, L, d] (torchvision's ViT, every nn.TransformerEncoder with batch_first=False). Those Transposes are
// put back in front of the FusedMatMul, whose transBatch / trans flags they replace, and the FusedMatMul becomes the
// exporter's MatMul (a Mul by alpha after it), so that the attention passes and the layout code see the plain export.
import type { Graph, Node, Tensor } from '../ir/types';
import { node } from '../onnx/builder';
import { spliceNodes } from './simplify-util';

const MS = 'com.microsoft';

function flag(n: Node, name: string): boolean {
  const a = n.attrs.get(name);
  return a?.type === 'int' && a.value === 1;
}

/** The Transpose perm that FusedMatMul's transBatch (and trans) flags apply to an operand of rank r. */
export function transBatchPerm(rank: number, trans: boolean): number[] {
  const batch = Array.from({ length: rank - 2 }, (_, i) => i + 1);
  return trans ? [...batch, rank - 1, 0] : [...batch, 0, rank - 1];
}

export function unfuseTransBatch(g: Graph, constants: Map<string, Tensor>): void {
  const before = new Map<Node, Node[]>();
  const replace = new Map<Node, Node[]>();
  for (const n of g.nodes) {
    if (n.opType !== 'FusedMatMul' || n.domain !== MS) continue;
    if (!flag(n, 'transBatchA') && !flag(n, 'transBatchB')) continue;
    const moves: Node[] = [];
    for (const [k, side] of [[0, 'A'], [1, 'B']] as const) {
      if (!flag(n, `transBatch${side}`)) continue;
      const x = n.inputs[k];
      const shape = g.values.get(x)?.shape;
      if (!shape || shape.length < 3) continue;
      const perm = transBatchPerm(shape.length, flag(n, `trans${side}`));
      const moved = `${n.name}/trans_batch_${side}`;
      moves.push(node('Transpose', [x], [moved], { perm }, `${n.name}/trans_batch_${side}`));
      g.values.set(moved, { name: moved, dtype: g.values.get(x)?.dtype, shape: perm.map((p) => shape[p]) });
      n.inputs[k] = moved;
      // A new map: the attribute map is the source model's (callers copy the node list, not each node's attributes).
      n.attrs = new Map(n.attrs).set(`transBatch${side}`, { type: 'int', value: 0 }).set(`trans${side}`, { type: 'int', value: 0 });
    }
    if (moves.length) before.set(n, moves);
    // Without trans flags left, it is the exporter's MatMul (and its scale): the attention passes know that form.
    if (flag(n, 'transA') || flag(n, 'transB') || !moves.length) continue;
    const alpha = n.attrs.get('alpha');
    const a = alpha?.type === 'float' ? alpha.value : 1;
    if (a === 1) {
      replace.set(n, [node('MatMul', n.inputs.slice(0, 2), n.outputs, {}, n.name)]);
      continue;
    }
    const product = `${n.name}/product`;
    const scale = `${n.name}/alpha`;
    constants.set(scale, { name: scale, dtype: 'float32', dims: [], data: Float32Array.of(a) });
    g.values.set(scale, { name: scale, dtype: 'float32', shape: [] });
    g.values.set(product, { name: product, dtype: 'float32', shape: g.values.get(n.outputs[0])?.shape });
    replace.set(n, [node('MatMul', n.inputs.slice(0, 2), [product], {}, n.name), node('Mul', [product, scale], n.outputs, {}, `${n.name}/scale`)]);
  }
  if (before.size) spliceNodes(g, before, replace, new Set());
}
