// A pointwise 1-D Conv or ConvTranspose (kernel 1, stride 1, no pads, group 1, constant weights) mixes channels at
// each position alone, so it does not care in which order the other axes are stored: an input stored with its
// channels last but time-major ([L, N, C], perm [2, 0, 1]: TF-GridNet's inter-frame BLSTM output read back through
// `y.transpose(1, 2)`) is a FULLY_CONNECTED over the stored rows and the output keeps that order, where the
// CONV_2D path would move it to channel-last [N, L, C] first.
import type { Node } from '../../ir/types';
import { toFloat32 } from '../../ir/tensor';
import { attrInt, attrInts, attrString } from '../attrs';
import type { ConvertContext } from '../context';
import { channelLast, samePerm } from '../layout';

/** Emits the FULLY_CONNECTED and returns true when `node` is such a conv of such an input; `transposed`: ConvTranspose
 *  (weights [Cin, Cout, 1]), else Conv (weights [Cout, Cin, 1]). */
export function pointwiseAsStored(ctx: ConvertContext, node: Node, transposed: boolean): boolean {
  const [x, wName, b] = node.inputs;
  const y = node.outputs[0];
  const W = ctx.constant(wName);
  if (!W || W.dims.length !== 3 || W.dims[2] !== 1 || ctx.rank(x) !== 3 || ctx.isDynamic(x) || ctx.isDynamic(y)) return false;
  if (attrInt(node, 'group', 1) !== 1 || (b && !ctx.isConstant(b)) || attrString(node, 'auto_pad', 'NOTSET') !== 'NOTSET') return false;
  if ((attrInts(node, 'strides') ?? [1]).some((s) => s !== 1) || (attrInts(node, 'pads') ?? [0, 0]).some((p) => p !== 0)) return false;
  if ((attrInts(node, 'output_padding') ?? [0]).some((p) => p !== 0) || ctx.shape(y)[2] !== ctx.shape(x)[2]) return false;
  const perm = ctx.permOf(x);
  if (perm[2] !== 1 || samePerm(perm, channelLast(3))) return false;
  const [cout, cin] = transposed ? [W.dims[1], W.dims[0]] : [W.dims[0], W.dims[1]];
  const w = toFloat32(W);
  const weights = transposed ? Float32Array.from({ length: cout * cin }, (_, k) => w[(k % cin) * cout + Math.floor(k / cin)]) : w;
  const bc = b ? ctx.constant(b) : undefined;
  const bias = ctx.constFloat32(bc ? toFloat32(bc) : new Float32Array(cout), [cout], `${node.name}/bias`);
  ctx.emit('FULLY_CONNECTED', [ctx.input(x, perm), ctx.constFloat32(weights, [cout, cin], `${node.name}/weights`), bias], [ctx.output(y, perm)],
    { fusedActivationFunction: 'NONE', weightsFormat: 'DEFAULT', keepNumDims: true });
  return true;
}
