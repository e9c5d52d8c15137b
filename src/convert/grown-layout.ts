// A small value kept in the order of the model's own move, grown by Tile / Expand into a big one that meets a
// partner stored in ONNX order: Anomaly Transformer's σ, a Linear's [b, l, h] moved to [b, h, l] by the model and
// repeated over l into the Gaussian prior [b, h, l, l], which the KL subtracts from and multiplies with the series
// association (a softmax, ONNX order). Grown in σ's stored order, the prior came out [b, l, l, h] and the series was
// moved to it twice a layer; σ moved before the repeat (160 values) makes the prior in ONNX order.
import type { Node } from '../ir/types';
import type { ConvertContext } from './context';
import { isIdentity, samePerm } from './layout';

const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Exp', 'Log', 'Neg', 'Reciprocal', 'Sqrt', 'Abs', 'Sigmoid',
  'Tanh', 'Relu', 'Softplus', 'Clip']);
const size = (d: number[]) => d.reduce((a, b) => a * b, 1);

/** Tile / Expand `node` should take its input in ONNX order: stored otherwise, grown at least 4 times, into no
 *  convolution, and its elementwise region downstream meets an operand of its rank already stored in ONNX order (none
 *  in the input's order; operands not converted yet are not counted). */
export function growsAgainstOnnx(ctx: ConvertContext, node: Node): boolean {
  const [x] = node.inputs;
  const y = node.outputs[0];
  const have = ctx.permOf(x);
  const rank = ctx.rank(y);
  if (isIdentity(have) || ctx.rank(x) !== rank || ctx.isDynamic(y) || ctx.prefersChannelLast.has(y)
    || size(ctx.dims(y)) < 4 * size(ctx.dims(x))) return false;
  const region = new Set([y]);
  const queue = [y];
  let onnx = false;
  for (let steps = 0; queue.length && steps < 40; steps++) {
    const v = queue.shift()!;
    if (ctx.graph.outputs.some((o) => o.name === v)) return false;
    for (const n of ctx.readersOf(v)) {
      // Reductions that keep their dims (a normalisation's sum) stay in the region.
      const kept = n.opType.startsWith('Reduce') && (n.attrs.get('keepdims')?.value ?? 1) !== 0;
      if ((!ELEMENTWISE.has(n.opType) && !kept) || !n.outputs[0] || ctx.rank(n.outputs[0]) !== rank) continue;
      for (const i of n.inputs) {
        if (!i || region.has(i) || ctx.isConstant(i) || ctx.rank(i) !== rank) continue;
        if (!ctx.has(i)) continue;
        const p = ctx.permOf(i);
        if (samePerm(p, have)) return false;
        if (isIdentity(p)) onnx = true;
      }
      if (!region.has(n.outputs[0])) { region.add(n.outputs[0]); queue.push(n.outputs[0]); }
    }
  }
  return onnx;
}
