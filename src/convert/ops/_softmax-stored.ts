// A softmax along an axis that is not last in its input's stored order, written out along that stored axis
// (REDUCE_MAX, SUB, EXP, SUM, DIV) instead of moving the value so that TFLite's SOFTMAX (last axis only) can take it,
// when its probabilities are then multiplied with a convolution's map kept in the same stored order. FOMM's keypoint
// detector: the heatmap [1, K, H·W] is viewed out of a conv's channel-last map (stored [1, H·W, K]), softmaxed over the
// positions and multiplied with the jacobian map, another conv's channel-last output viewed [1, K, 4, H, W]. With
// SOFTMAX the heatmap moved to [1, K, H·W] and the jacobian map to the heatmap's ONNX order (2 moves a detector);
// along the stored axis both stay channel-last (none).
import type { Node } from '../../ir/types';
import type { ConvertContext } from '../context';
import { producerOf } from '../elementwise-layout';
import { Emitter } from './_emit';

/** Views the probabilities pass through on their way to the product (and its partner on its way from the conv). */
const VIEWS = new Set(['Reshape', 'Unsqueeze', 'Squeeze', 'Flatten']);
const PRODUCTS = new Set(['Mul', 'Div', 'Add', 'Sub']);

/** `name` is computed by a Conv through views only. */
function fromConv(ctx: ConvertContext, name: string, depth = 0): boolean {
  const p = producerOf(ctx, name);
  if (!p || depth > 4) return false;
  if (p.opType === 'Conv') return true;
  return VIEWS.has(p.opType) && fromConv(ctx, p.inputs[0], depth + 1);
}

/** `name` reaches, through views only, an elementwise product whose other operand a Conv computes through views. */
function meetsConvMap(ctx: ConvertContext, name: string, depth = 0): boolean {
  if (depth > 4) return false;
  return ctx.readersOf(name).some((r) => {
    if (VIEWS.has(r.opType)) return r.inputs[0] === name && meetsConvMap(ctx, r.outputs[0], depth + 1);
    if (!PRODUCTS.has(r.opType) || r.inputs.length !== 2) return false;
    const other = r.inputs[0] === name ? r.inputs[1] : r.inputs[0];
    return other !== name && !ctx.isConstant(other) && fromConv(ctx, other);
  });
}

/** Writes `node` (a Softmax over ONNX `axis` of x stored in `perm`, the axis not last) along the stored axis when
 *  its probabilities meet a conv's map; answers whether it did. */
export function softmaxAlongStored(ctx: ConvertContext, node: Node, axis: number, perm: number[]): boolean {
  const [x] = node.inputs;
  const y = node.outputs[0];
  if (ctx.dims(x).some((d) => d < 0) || ctx.graph.outputs.some((o) => o.name === y)) return false;
  if (!meetsConvMap(ctx, y)) return false;
  const at = perm.indexOf(axis);
  const e = new Emitter(ctx, node);
  const src = ctx.input(x, perm);
  const shifted = e.bin('SUB', src, e.reduce('REDUCE_MAX', src, [at], true));
  const exp = e.un('EXP', shifted);
  e.bin('DIV', exp, e.reduce('SUM', exp, [at], true), ctx.output(y, perm));
  return true;
}
