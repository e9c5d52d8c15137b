// ONNX DeformConv (opset 19; torchvision's deform_conv2d as torch >= 2.1 exports it: DCNv1 / DCNv2 with a mask) →
// sampling as GridSample does it, then one FULLY_CONNECTED. Each kernel tap k = (i, j) of each offset group g reads
// x at (oh·sh − ph + i·dh + dy, ow·sw − pw + j·dw + dx), its (dy, dx) the offsets' channels g·2K + 2k, 2k + 1, by
// bilinear interpolation with zeros outside the image (each of the 4 corners masked alone, as torchvision's kernel
// and onnxruntime's do), times the mask's channel g·K + k when there is one. The samples of a position, [G·K, C/G]
// from GATHER_NDs of the channel-last input, are one row of columns in (g, k, c) order, and the weights' columns are
// put in that order instead (a block-diagonal matrix for group > 1): FULLY_CONNECTED with the bias, output NHWC.
import type { Node } from '../../ir/types';
import { toFloat32 } from '../../ir/tensor';
import { attrInt, attrInts } from '../attrs';
import type { ConvertContext } from '../context';
import { channelLast } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';

interface Deform { N: number; C: number; H: number; W: number; oC: number; kh: number; kw: number; oh: number; ow: number;
  s: number[]; d: number[]; pads: number[]; group: number; G: number }

function deformOf(node: Node, ctx: ConvertContext): Deform | string {
  const [x, w, offset, b, mask] = node.inputs;
  if (ctx.rank(x) !== 4) return `DeformConv is supported on 4-D inputs only (this one is ${ctx.rank(x)}-D)`;
  const W = ctx.constant(w);
  if (!W) return 'DeformConv needs constant weights';
  if (b && !ctx.isConstant(b)) return 'DeformConv needs a constant bias';
  if ([x, offset, ...(mask ? [mask] : []), node.outputs[0]].some((v) => ctx.isDynamic(v))) return 'DeformConv needs static shapes (fix them with --input-shape)';
  const [N, C, H, Wd] = ctx.shape(x);
  const [oC, , kh, kw] = W.dims;
  const [, , oh, ow] = ctx.shape(node.outputs[0]);
  const group = attrInt(node, 'group', 1);
  const G = attrInt(node, 'offset_group', 1);
  const K = kh * kw;
  if (ctx.shape(offset)[1] !== G * 2 * K) return `DeformConv offsets have ${ctx.shape(offset)[1]} channels, offset_group ${G} × 2 × ${K} taps expected (onnxruntime refuses it too)`;
  if (mask && ctx.shape(mask)[1] !== G * K) return `DeformConv mask has ${ctx.shape(mask)[1]} channels, offset_group ${G} × ${K} taps expected`;
  if (C % G !== 0 || C % group !== 0 || oC % group !== 0) return `DeformConv channels ${C} do not split into offset_group ${G} / group ${group}`;
  return { N, C, H, W: Wd, oC, kh, kw, oh, ow, group, G, s: attrInts(node, 'strides') ?? [1, 1], d: attrInts(node, 'dilations') ?? [1, 1],
    pads: attrInts(node, 'pads') ?? [0, 0, 0, 0] };
}

/** The weights [oC, C/group, kh, kw] as FULLY_CONNECTED's [oC, G·K·Cg], columns in (g, k, c mod Cg) order. */
function columnWeights(w: Float32Array, p: Deform): Float32Array {
  const K = p.kh * p.kw, Cg = p.C / p.G, Cq = p.C / p.group, oq = p.oC / p.group;
  const out = new Float32Array(p.oC * p.C * K);
  for (let oc = 0; oc < p.oC; oc++) {
    const q = Math.floor(oc / oq);
    for (let c = q * Cq; c < (q + 1) * Cq; c++) {
      const g = Math.floor(c / Cg);
      for (let k = 0; k < K; k++) out[oc * p.C * K + (g * K + k) * Cg + (c % Cg)] = w[((oc * Cq) + (c - q * Cq)) * K + k];
    }
  }
  return out;
}

const DeformConv: OpConverter = {
  op: 'DeformConv', emits: ['RESHAPE', 'SPLIT', 'ADD', 'SUB', 'MUL', 'FLOOR', 'MAXIMUM', 'MINIMUM', 'CAST', 'GREATER_EQUAL',
    'LESS_EQUAL', 'LOGICAL_AND', 'CONCATENATION', 'GATHER_ND', 'FULLY_CONNECTED'],
  opset: [19, MAX_OPSET], dtypes: ['float32'], micro: false, layout: 'spatial',
  check(node, ctx) {
    const p = deformOf(node, ctx);
    return typeof p === 'string' ? refuse('attribute', p) : undefined;
  },
  convert(node, ctx) {
    const p = deformOf(node, ctx) as Deform;
    const [xName, wName, offName, bName, maskName] = node.inputs;
    const { N, H, W, G, oh, ow } = p;
    const K = p.kh * p.kw, GK = G * K, Cg = p.C / G;
    const e = new Emitter(ctx, node);
    const f = (v: number) => e.scalar(v);
    const pts = [N, oh, ow, GK];
    const part = [...pts, 1];
    const x = G > 1 ? e.reshape(ctx.inputChannelLast(xName), [N, H, W, G, Cg]) : ctx.inputChannelLast(xName);
    const off = e.reshape(ctx.inputChannelLast(offName), [...pts, 2]);
    const dy = ctx.temp(part, 'FLOAT32', `${node.name}/dy`);
    const dx = ctx.temp(part, 'FLOAT32', `${node.name}/dx`);
    ctx.emit('SPLIT', [ctx.constInt32([4], `${node.name}/split_axis`, []), off], [dy, dx], { numSplits: 2 });
    // Sampling positions: the tap's place in the window plus its offset.
    const baseY = Array.from({ length: oh * GK }, (_, i) => Math.floor(i / GK) * p.s[0] - p.pads[0] + Math.floor((i % GK % K) / p.kw) * p.d[0]);
    const baseX = Array.from({ length: ow * GK }, (_, i) => Math.floor(i / GK) * p.s[1] - p.pads[1] + (i % GK % K % p.kw) * p.d[1]);
    const y = e.bin('ADD', dy, ctx.constFloat32(baseY, [1, oh, 1, GK, 1], `${node.name}/base_y`));
    const xs = e.bin('ADD', dx, ctx.constFloat32(baseX, [1, 1, ow, GK, 1], `${node.name}/base_x`));
    const count = N * oh * ow * GK;
    const lead = [ctx.constInt32(Array.from({ length: count }, (_, i) => Math.floor(i / (oh * ow * GK))), `${node.name}/batch_index`, part)];
    const idxLen = G > 1 ? 4 : 3;
    const gIdx = G > 1 ? ctx.constInt32(Array.from({ length: count }, (_, i) => Math.floor((i % GK) / K)), `${node.name}/group_index`, part) : -1;
    const clampIdx = (t: number, size: number) => e.cast(e.bin('MINIMUM', e.bin('MAXIMUM', t, f(0)), f(size - 1)), 'INT32');
    const inside = (t: number, size: number) => e.bin('LOGICAL_AND', e.bin('GREATER_EQUAL', t, f(0)), e.bin('LESS_EQUAL', t, f(size - 1)));
    const corner = (cy: number, cx: number, weight: number) => {
      const parts = [...lead, clampIdx(cy, H), clampIdx(cx, W), ...(G > 1 ? [gIdx] : [])];
      const idx = e.op('CONCATENATION', parts, [...pts, idxLen], 'INT32', { axis: 4, fusedActivationFunction: 'NONE' });
      const v = e.op('GATHER_ND', [x, idx], [...pts, Cg], 'FLOAT32');
      const m = e.cast(e.bin('LOGICAL_AND', inside(cy, H), inside(cx, W)), 'FLOAT32');
      return e.bin('MUL', v, e.bin('MUL', weight, m));
    };
    const y0 = e.un('FLOOR', y), x0 = e.un('FLOOR', xs);
    const y1 = e.bin('ADD', y0, f(1)), x1 = e.bin('ADD', x0, f(1));
    const wy1 = e.bin('SUB', y, y0), wx1 = e.bin('SUB', xs, x0);
    const wy0 = e.bin('SUB', f(1), wy1), wx0 = e.bin('SUB', f(1), wx1);
    let sum = e.bin('ADD', e.bin('ADD', corner(y0, x0, e.bin('MUL', wy0, wx0)), corner(y0, x1, e.bin('MUL', wy0, wx1))),
      e.bin('ADD', corner(y1, x0, e.bin('MUL', wy1, wx0)), corner(y1, x1, e.bin('MUL', wy1, wx1))));
    if (maskName) sum = e.bin('MUL', sum, e.reshape(ctx.inputChannelLast(maskName), part));
    const rows = e.reshape(sum, [N * oh * ow, GK * Cg]);
    const bc = bName ? ctx.constant(bName) : undefined;
    const bias = ctx.constFloat32(bc ? toFloat32(bc) : new Float32Array(p.oC), [p.oC], `${node.name}/bias`);
    const weights = ctx.constFloat32(columnWeights(toFloat32(ctx.constant(wName)!), p), [p.oC, GK * Cg], `${node.name}/weights`);
    const fc = e.op('FULLY_CONNECTED', [rows, weights, bias], [N * oh * ow, p.oC], 'FLOAT32',
      { fusedActivationFunction: 'NONE', weightsFormat: 'DEFAULT', keepNumDims: false });
    e.reshape(fc, [N, oh, ow, p.oC], ctx.output(node.outputs[0], channelLast(4)));
  },
};
export default DeformConv;
