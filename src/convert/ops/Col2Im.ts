// ONNX Col2Im (opset 18; torch's nn.Fold as the dynamo exporter writes it): the sum of each column's blocks back into
// the image. Columns [N, C·kh·kw, L] are an image [N, oh, ow, C·kh·kw] of the block grid (read as [N, L, C·kh·kw],
// the context moving it), and the fold is a TRANSPOSE_CONV with a one-hot filter (input channel c·kh·kw + i·kw + j
// → output channel c at tap (i·dh, j·dw)), the block grid's stride, VALID padding; then the pads are cropped away
// (and rows or columns no block reaches padded back with zeros). 2-D, constant image and block shapes.
import { toNumbers } from '../../ir/tensor';
import { attrInts } from '../attrs';
import { channelLast } from '../layout';
import type { ConvertContext } from '../context';
import type { Node } from '../../ir/types';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';

interface Fold { C: number; H: number; W: number; kh: number; kw: number; d: number[]; s: number[]; pads: number[]; oh: number; ow: number }

function foldOf(node: Node, ctx: ConvertContext): Fold | string {
  const image = ctx.constant(node.inputs[1]);
  const block = ctx.constant(node.inputs[2]);
  if (!image || !block) return 'Col2Im needs constant image_shape and block_shape';
  const [H, W] = toNumbers(image);
  const b = toNumbers(block);
  if (b.length !== 2) return `Col2Im over ${b.length} spatial dims is not supported (2 only)`;
  const [kh, kw] = b;
  const d = attrInts(node, 'dilations') ?? [1, 1];
  const s = attrInts(node, 'strides') ?? [1, 1];
  const pads = attrInts(node, 'pads') ?? [0, 0, 0, 0];
  const xs = ctx.shape(node.inputs[0]);
  const oh = Math.floor((H + pads[0] + pads[2] - (d[0] * (kh - 1) + 1)) / s[0]) + 1;
  const ow = Math.floor((W + pads[1] + pads[3] - (d[1] * (kw - 1) + 1)) / s[1]) + 1;
  if (xs.length !== 3 || xs[1] % (kh * kw) !== 0 || xs[2] !== oh * ow) return `Col2Im input [${xs}] does not hold ${oh}×${ow} blocks of ${kh}×${kw}`;
  return { C: xs[1] / (kh * kw), H, W, kh, kw, d, s, pads, oh, ow };
}

const Col2Im: OpConverter = {
  op: 'Col2Im', emits: ['TRANSPOSE_CONV', 'RESHAPE', 'SLICE', 'PAD'], opset: [18, MAX_OPSET], inputs: [3, 3], dtypes: ['float32'], layout: 'spatial',
  check(node, ctx) {
    const f = foldOf(node, ctx);
    return typeof f === 'string' ? refuse(f.includes('constant') ? 'computed-input' : 'unsupported', f) : undefined;
  },
  convert(node, ctx) {
    const f = foldOf(node, ctx) as Fold;
    const e = new Emitter(ctx, node);
    const N = ctx.shape(node.inputs[0])[0];
    const CK = f.C * f.kh * f.kw;
    const x = e.reshape(ctx.input(node.inputs[0], [0, 2, 1]), [N, f.oh, f.ow, CK]);
    const keh = f.d[0] * (f.kh - 1) + 1;
    const kew = f.d[1] * (f.kw - 1) + 1;
    const filter = new Float32Array(f.C * keh * kew * CK);
    for (let c = 0; c < f.C; c++) {
      for (let i = 0; i < f.kh; i++) {
        for (let j = 0; j < f.kw; j++) filter[((c * keh + i * f.d[0]) * kew + j * f.d[1]) * CK + (c * f.kh + i) * f.kw + j] = 1;
      }
    }
    const fh = (f.oh - 1) * f.s[0] + keh;
    const fw = (f.ow - 1) * f.s[1] + kew;
    const full = e.op('TRANSPOSE_CONV', [ctx.constInt32([N, fh, fw, f.C], `${node.name}/output_shape`),
      ctx.constFloat32(filter, [f.C, keh, kew, CK], `${node.name}/one_hot`), x, ctx.constFloat32(new Float32Array(f.C), [f.C], `${node.name}/bias`)],
    [N, fh, fw, f.C], 'FLOAT32', { padding: 'VALID', strideH: f.s[0], strideW: f.s[1], fusedActivationFunction: 'NONE' });
    const out = ctx.output(node.outputs[0], channelLast(4));
    // rows pads[0] .. pads[0] + H of the full fold; those past its end no block reached
    const h = Math.min(f.H, fh - f.pads[0]);
    const w = Math.min(f.W, fw - f.pads[1]);
    const cropped = h === fh && w === fw ? full
      : e.op('SLICE', [full, ctx.constInt32([0, f.pads[0], f.pads[1], 0], `${node.name}/begin`), ctx.constInt32([N, h, w, f.C], `${node.name}/size`)],
        [N, h, w, f.C], 'FLOAT32', undefined, h === f.H && w === f.W ? out : undefined);
    if (h < f.H || w < f.W) {
      e.op('PAD', [cropped, ctx.constInt32([0, 0, 0, f.H - h, 0, f.W - w, 0, 0], `${node.name}/pads`, [4, 2])], [N, f.H, f.W, f.C], 'FLOAT32', undefined, out);
    } else if (cropped === full) e.reshape(full, [N, f.H, f.W, f.C], out);
  },
};
export default Col2Im;
