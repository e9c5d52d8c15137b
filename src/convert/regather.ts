// A per-layer slice of a stacked input, wanted in another layout: a streaming model's caches come stacked [L, ...]
// and each layer Gathers its own (icefall's Zipformer2 `cached_conv[i]`, [N, C, K-1], concatenated channel-last
// before its depthwise conv). Moving each layer's slice is L TRANSPOSEs; moving the stacked value once (its copy is
// shared) and Gathering the slice from that copy is one. Likewise a band's Slice of a value that other Slices also
// read (BSRNN's `spec[:, lo:hi]` per band, each moved for its band's norm and for its mask's product): sliced again
// from the value moved once, also through the model's own Transpose of the band.
import type { Node } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { attrInt, normAxis } from './attrs';
import type { ConvertContext } from './context';
import { Perm, sameMemoryOrder } from './layout';
import { staticSliceBounds } from './ops/Slice';

/** The Gather of a scalar constant index that made `name`: its data and axis. */
function scalarGather(ctx: ConvertContext, node: Node | undefined): { data: string; axis: number } | undefined {
  if (node?.opType !== 'Gather' || node.outputs.length !== 1) return undefined;
  const c = ctx.constant(node.inputs[1]);
  const dims = ctx.dims(node.inputs[0]);
  if (!c || c.dims.length !== 0 || dims.some((d) => d < 0) || ctx.isConstant(node.inputs[0])) return undefined;
  return { data: node.inputs[0], axis: normAxis(attrInt(node, 'axis', 0), dims.length) };
}

/**
 * `name` in layout `want` Gathered again from a moved copy of its stacked data, when two or more Gathers of scalar
 * indices read that data along the same axis (else undefined: the caller moves the slice itself).
 */
export function regathered(ctx: ConvertContext, name: string, want: Perm): number | undefined {
  const made = ctx.graph.nodes.find((n) => n.outputs[0] === name);
  const g = scalarGather(ctx, made);
  if (!g || sameMemoryOrder(ctx.dims(name), ctx.permOf(name), want)) return undefined;
  const siblings = ctx.readersOf(g.data).filter((n) => scalarGather(ctx, n)?.axis === g.axis);
  if (siblings.length < 2) return undefined;
  const dims = ctx.dims(g.data);
  // The stacked axis first, the others in the order wanted for the slice; or a copy of the data another reader
  // already made whose order is the wanted one around the stacked axis (GLA's v, moved heads-first for the
  // intra-chunk product, Gathered per chunk for the state loop): gathered where the axis lies in it.
  // Or the ONNX order when that is it and a product of activations reads the data as a whole (GLA's q, per chunk
  // for the state products and whole, heads-first, for the intra-chunk scores): the product takes that copy.
  const around = (p: Perm) => p.filter((d) => d !== g.axis).every((d, i) => (d > g.axis ? d - 1 : d) === want[i]);
  const made2 = ctx.copiesOf(g.data).find(around);
  const onnx = dims.map((_, i) => i);
  const whole = made2 ?? (around(onnx) && ctx.readersOf(g.data).some((n) => n.opType === 'MatMul'
    && n.inputs.every((i) => !ctx.isConstant(i)) && dims.length >= 3) ? onnx : undefined);
  const q = whole ?? [g.axis, ...want.map((d) => (d >= g.axis ? d + 1 : d))];
  const data = ctx.input(g.data, q);
  const index = toNumbers(ctx.constant(made!.inputs[1])!)[0];
  const out = ctx.temp(want.map((d) => ctx.dims(name)[d]), ctx.tensors[data].type, `${name}__regathered`);
  ctx.emit('GATHER', [data, ctx.constInt32([index < 0 ? index + dims[g.axis] : index], `${name}__index`, [])], [out], { axis: q.indexOf(g.axis), batchDims: 0 });
  return out;
}

/** `name` is a scalar Gather's slice of a stacked value that two or more such Gathers read: moving it costs no
 *  TRANSPOSE of its own (regathered: the stack is moved once, its copy shared by every slice). */
export function regatherable(ctx: ConvertContext, name: string): boolean {
  const g = scalarGather(ctx, ctx.graph.nodes.find((n) => n.outputs[0] === name));
  return g !== undefined && ctx.readersOf(g.data).filter((n) => scalarGather(ctx, n)?.axis === g.axis).length >= 2;
}

/** The constant Slice that made `name` (rank ≤ 5, static, positive steps) when its data, computed at run time, has
 *  another such Slice reader. */
function bandSlice(ctx: ConvertContext, node: Node | undefined): Node | undefined {
  if (node?.opType !== 'Slice' || ctx.isConstant(node.inputs[0]) || !staticSliceBounds(node, ctx)) return undefined;
  const siblings = ctx.readersOf(node.inputs[0]).filter((n) => n.opType === 'Slice' && n.inputs[0] === node.inputs[0] && staticSliceBounds(n, ctx));
  return siblings.length >= 2 ? node : undefined;
}

/**
 * `name` in layout `want` sliced again from a moved copy of its data, when it is one of two or more constant
 * Slices of that data (or the model's lazy Transpose of one): else undefined (the caller moves the slice itself).
 */
export function resliced(ctx: ConvertContext, name: string, want: Perm): number | undefined {
  if (sameMemoryOrder(ctx.dims(name), ctx.permOf(name), want)) return undefined;
  const made = ctx.graph.nodes.find((n) => n.outputs[0] === name);
  if (made?.opType === 'Transpose') {
    // The model's move of a band, left lazy (its output is the band's tensor): the band in the composed layout.
    const band = bandSlice(ctx, ctx.graph.nodes.find((n) => n.outputs[0] === made.inputs[0]));
    const p = made.attrs.get('perm')?.value as number[] | undefined;
    if (!band || !p || p.length !== want.length || ctx.primaryOf(name)?.index !== ctx.primaryOf(made.inputs[0])?.index) return undefined;
    return ctx.input(made.inputs[0], want.map((d) => p[d]));
  }
  const band = bandSlice(ctx, made);
  if (!band) return undefined;
  const b = staticSliceBounds(band, ctx)!;
  const data = ctx.input(band.inputs[0], want);
  const out = ctx.temp(want.map((d) => ctx.dims(name)[d]), ctx.tensors[data].type, `${name}__resliced`);
  ctx.emit('STRIDED_SLICE', [data, ctx.constInt32(want.map((a) => b.begin[a]), `${name}__begin`), ctx.constInt32(want.map((a) => b.end[a]), `${name}__end`),
    ctx.constInt32(want.map((a) => b.stride[a]), `${name}__strides`)], [out], { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false });
  return out;
}
