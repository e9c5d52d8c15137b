// Shared conversion of ONNX Softmax / LogSoftmax → TFLite SOFTMAX / LOG_SOFTMAX, which work on the last axis:
// the input is taken in a layout whose last axis is the ONNX axis (often the one it already has).
import type { Node } from '../../ir/types';
import { attrInt, attrInts, normAxis } from '../attrs';
import type { ConvertContext } from '../context';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { softmaxAlongStored } from './_softmax-stored';
import { MAX_OPSET } from '../types';

function emit(ctx: ConvertContext, node: Node, tfl: string, opset: number): void {
  const x = node.inputs[0];
  const y = node.outputs[0];
  const dims = ctx.dims(x); // -1: known only at run time (torchvision's RoI count)
  const rank = dims.length;
  const axis = normAxis(attrInt(node, 'axis', opset >= 13 ? -1 : 1), rank);
  const opts = tfl === 'SOFTMAX' ? { beta: 1 } : undefined;
  if (opset < 13 && axis !== rank - 1) {
    // Old semantics: flatten to [prod(dims[:axis]), prod(dims[axis:])], softmax rows, reshape back.
    if (dims.slice(axis).some((d) => d < 0) || dims.filter((d) => d < 0).length > 1) {
      ctx.fail(`${node.opType} (opset < 13) over dims known only at run time is not supported`, 'dynamic-shape');
    }
    const rows = dims.some((d) => d < 0) ? -1 : dims.slice(0, axis).reduce((a, b) => a * b, 1);
    const cols = dims.slice(axis).reduce((a, b) => a * b, 1);
    // The order inside a row does not matter: a stored layout that keeps the leading dims first, in order (NHWC for
    // axis 1: paddle2onnx's segmentation heads at opset 11), is reshaped as it is.
    const have = ctx.permOf(x);
    const perm = have.slice(0, axis).every((d, i) => d === i) ? have : identity(rank);
    const src = ctx.input(x, perm);
    const flat = ctx.temp([rows, cols], 'FLOAT32', `${x}__2d`);
    ctx.emit('RESHAPE', [src, ctx.constInt32([rows, cols], `${x}__2d_shape`)], [flat], { newShape: [rows, cols] });
    const sm = ctx.temp([rows, cols], 'FLOAT32', `${y}__2d`);
    ctx.emit(tfl, [flat], [sm], opts);
    const out = ctx.output(y, perm);
    const stored = ctx.tensors[out].shapeSignature ?? ctx.tensors[out].shape;
    ctx.emit('RESHAPE', [sm, ctx.constInt32(stored, `${y}__shape`)], [out], { newShape: stored });
    return;
  }
  let perm = ctx.permOf(x);
  if (perm[rank - 1] !== axis && tfl === 'SOFTMAX' && !readerMove(ctx, y, axis) && softmaxAlongStored(ctx, node, axis, perm)) return;
  if (perm[rank - 1] !== axis) perm = readerMove(ctx, y, axis) ?? storedOthers(ctx, y, perm, axis) ?? [...identity(rank).filter((d) => d !== axis), axis];
  const src = ctx.input(x, perm);
  const out = ctx.output(y, perm);
  ctx.emit(tfl, [src], [out], opts);
}

/** The perm of the model's own Transpose when it is `y`'s only reader and keeps the softmax axis last (GATv2's
 *  softmax over a [i, j, h] map's j, which the attention's batched product then moves to [h, i, j]): computed in that
 *  order, the Transpose moves nothing. */
function readerMove(ctx: ConvertContext, y: string, axis: number): number[] | undefined {
  const readers = ctx.readersOf(y);
  if (readers.length !== 1 || readers[0].opType !== 'Transpose' || ctx.graph.outputs.some((o) => o.name === y)) return undefined;
  const p = attrInts(readers[0], 'perm');
  return p && p.length === ctx.dims(y).length && p[p.length - 1] === axis ? p : undefined;
}

/** The stored order with the softmax axis moved last, when `y`'s only reader is the model's Transpose (which does not
 *  keep the axis last: torch's Transpose → Softmax(-1) → Transpose for a softmax over another axis before opset 13).
 *  The other axes keep the order they are stored in, so what the model reduces after moving the axis back lands in
 *  that order: StereoNet's / ACVNet's disparity sum over a [N, D, H, W] volume stored in ONNX order came out
 *  [N, W, H, 1] from ONNX's [N, W, H, D] and moved again for the refinement conv; from [N, H, W, D] it is channel-last. */
function storedOthers(ctx: ConvertContext, y: string, perm: number[], axis: number): number[] | undefined {
  const readers = ctx.readersOf(y);
  if (readers.length !== 1 || readers[0].opType !== 'Transpose' || ctx.graph.outputs.some((o) => o.name === y)) return undefined;
  return [...perm.filter((d) => d !== axis), axis];
}

/** What a softmax written out along its stored axis emits (`_softmax-stored.ts`): only where that spares moves. */
const ALONG_STORED = ['REDUCE_MAX', 'SUB', 'EXP', 'SUM', 'DIV'];

/** `opsetOf`: the opset whose axis rule applies (the model's by default; QLinearSoftmax's `opset` attribute). */
export function softmax(op: string, tfl: string, opsetOf?: (node: Node) => number): OpConverter {
  return {
    op, emits: tfl === 'SOFTMAX' ? [tfl, 'RESHAPE', ...ALONG_STORED] : [tfl, 'RESHAPE'], incidental: tfl === 'SOFTMAX' ? ALONG_STORED : undefined, opset: [1, MAX_OPSET], dtypes: ['float32'], micro: tfl === 'SOFTMAX', layout: 'axis',
    convert(node, ctx) { emit(ctx, node, tfl, opsetOf?.(node) ?? ctx.opset); },
  };
}
