// ONNX Slice → TFLite STRIDED_SLICE on the stored layout (starts/ends/steps remapped to its axes); computed
// ones: _slice_computed.ts. Over 5 dims (RT-DETR's sampling grids [B, Q, heads, levels, points, 2] sliced per level),
// the runs of axes kept whole are merged by RESHAPE around a STRIDED_SLICE of at most 5 dims.
import type { Node } from '../../ir/types';
import { toNumbers } from '../../ir/tensor';
import { attrInts, normAxis } from '../attrs';
import type { ConvertContext } from '../context';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { NUMERIC } from './_elementwise';
import { computedSliceReason, emitComputedSlice } from './_slice_computed';
import { Emitter } from './_emit';
import { identity } from '../layout';

function sliceParams(node: Node, ctx: ConvertContext): { starts: number[]; ends: number[]; axes: number[]; steps: number[] } | undefined {
  const get = (i: number, attr: string): number[] | undefined => {
    const a = attrInts(node, attr);
    if (a) return a;
    const name = node.inputs[i];
    if (!name) return undefined;
    const c = ctx.constant(name);
    return c ? toNumbers(c) : null as unknown as undefined;
  };
  const starts = get(1, 'starts');
  const ends = get(2, 'ends');
  if (!starts || !ends) return undefined;
  const rank = ctx.rank(node.inputs[0]);
  const axes = (get(3, 'axes') ?? starts.map((_, i) => i)).map((a) => normAxis(a, rank));
  const steps = get(4, 'steps') ?? starts.map(() => 1);
  if (node.inputs[3] && !ctx.isConstant(node.inputs[3])) return undefined;
  if (node.inputs[4] && !ctx.isConstant(node.inputs[4])) return undefined;
  return { starts, ends, axes, steps };
}

export interface Bounds { begin: number[]; end: number[]; stride: number[] }

/** Per ONNX axis: begin, end and stride, clamped as ONNX clamps them. */
function bounds(dims: number[], p: { starts: number[]; ends: number[]; axes: number[]; steps: number[] }): Bounds {
  const begin = new Array<number>(dims.length).fill(0);
  const end = [...dims];
  const stride = new Array<number>(dims.length).fill(1);
  p.axes.forEach((a, k) => {
    const d = dims[a];
    const step = p.steps[k];
    let s = p.starts[k];
    let e = p.ends[k];
    s = s < 0 ? s + d : s;
    e = e < 0 ? e + d : e;
    if (step > 0) { s = Math.min(Math.max(s, 0), d); e = Math.min(Math.max(e, 0), d); }
    else { s = Math.min(Math.max(s, -1), d - 1); e = Math.min(Math.max(e, -1), d - 1); }
    begin[a] = s;
    end[a] = e;
    stride[a] = step;
  });
  return { begin, end, stride };
}

/** The slice over merged axes: each run of axes kept whole is one axis (their product), each sliced axis stays. */
function merged(dims: number[], b: Bounds): { dims: number[]; begin: number[]; end: number[]; stride: number[] } {
  const m = { dims: [] as number[], begin: [] as number[], end: [] as number[], stride: [] as number[] };
  let whole = false;
  dims.forEach((d, a) => {
    const keep = b.begin[a] === 0 && b.end[a] === d && b.stride[a] === 1;
    if (keep && whole) {
      m.dims[m.dims.length - 1] *= d;
      m.end[m.end.length - 1] *= d;
      return;
    }
    m.dims.push(d); m.begin.push(b.begin[a]); m.end.push(b.end[a]); m.stride.push(b.stride[a]);
    whole = keep;
  });
  return m;
}

/** A slice of a rank-6+ value in ONNX order: RESHAPE to the merged axes, STRIDED_SLICE, RESHAPE back. */
function emitMergedSlice(node: Node, ctx: ConvertContext, dims: number[], b: Bounds): void {
  const m = merged(dims, b);
  const e = new Emitter(ctx, node);
  const x = e.reshape(ctx.inputOnnx(node.inputs[0]), m.dims);
  const endMask = m.end.reduce((mask, v, i) => (m.stride[i] < 0 && v === -1 ? mask | (1 << i) : mask), 0);
  const outDims = m.dims.map((_, i) => Math.max(0, Math.ceil((m.end[i] - m.begin[i]) / m.stride[i])));
  const y = e.op('STRIDED_SLICE', [x, ctx.constInt32(m.begin, `${node.name}/begin`), ctx.constInt32(m.end.map((v, i) => ((endMask >> i) & 1 ? 0 : v)), `${node.name}/end`),
    ctx.constInt32(m.stride, `${node.name}/strides`)], outDims, e.type(x), { beginMask: 0, endMask, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false });
  e.reshape(y, ctx.shape(node.outputs[0]), ctx.output(node.outputs[0], identity(dims.length)));
}

/** Constant bounds on static axes of a value with other axes sized at run time (the channel halves of a VITS flow
 *  over its run-time frames): STRIDED_SLICE on the stored layout, the other axes kept whole by the end mask, so the
 *  value need not move to ONNX order. False (nothing emitted) when a sliced axis is itself sized at run time. */
function emitStaticAxesSlice(node: Node, ctx: ConvertContext, p: NonNullable<ReturnType<typeof sliceParams>>): boolean {
  const dims = ctx.dims(node.inputs[0]);
  if (dims.length > 5 || p.axes.some((a) => dims[a] < 0)) return false;
  const b = bounds(dims.map((d) => Math.max(d, 0)), p);
  const sliced = new Set(p.axes);
  const x = ctx.inputAny(node.inputs[0]);
  let endMask = 0;
  const te = x.perm.map((a, i) => {
    if (!sliced.has(a) || (b.stride[a] < 0 && b.end[a] === -1)) { endMask |= 1 << i; return 0; }
    return b.end[a];
  });
  const out = ctx.output(node.outputs[0], x.perm);
  ctx.emit('STRIDED_SLICE', [x.index, ctx.constInt32(x.perm.map((a) => b.begin[a]), `${node.name}/begin`), ctx.constInt32(te, `${node.name}/end`),
    ctx.constInt32(x.perm.map((a) => b.stride[a]), `${node.name}/strides`)], [out], { beginMask: 0, endMask, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false });
  return true;
}

/** A Slice with constant bounds on a static value of rank ≤ 5, all steps positive: its begin / end / stride per
 *  ONNX axis (regather.ts re-slices it from a moved copy of its data). Undefined otherwise. */
export function staticSliceBounds(node: Node, ctx: ConvertContext): Bounds | undefined {
  if (node.opType !== 'Slice' || ctx.isDynamic(node.inputs[0]) || ctx.rank(node.inputs[0]) > 5) return undefined;
  const p = sliceParams(node, ctx);
  if (!p || p.steps.some((st) => st <= 0)) return undefined;
  return bounds(ctx.shape(node.inputs[0]), p);
}

const Slice: OpConverter = {
  op: 'Slice', emits: ['STRIDED_SLICE', 'SCATTER_ND', 'SHAPE', 'GATHER', 'FLOOR_MOD', 'ADD', 'SUB', 'RESHAPE'], incidental: ['SCATTER_ND', 'SHAPE', 'GATHER', 'FLOOR_MOD', 'ADD', 'SUB', 'RESHAPE'] /* computed bounds only, on the bounds */,
  opset: [1, MAX_OPSET], dtypes: [...NUMERIC, 'bool'], layout: 'axis',
  check(node, ctx) {
    const rank = ctx.rank(node.inputs[0]);
    const dynamic = ctx.isDynamic(node.inputs[0]);
    if (rank > 5) {
      const p = sliceParams(node, ctx);
      const b = p && !dynamic ? bounds(ctx.shape(node.inputs[0]), p) : undefined;
      if (!b || merged(ctx.shape(node.inputs[0]), b).dims.length > 5) {
        return refuse('rank', `Slice of a rank-${rank} tensor is not supported: TFLite's STRIDED_SLICE takes at most 5 dims (and more than 5 axes are sliced or sized at run time)`);
      }
    }
    if (dynamic && !node.inputs[1]) return refuse('dynamic-shape', 'Slice (opset < 10) of a tensor sized at run time is not supported');
    return sliceParams(node, ctx) && !dynamic ? undefined : computedSliceReason(node, ctx);
  },
  convert(node, ctx) {
    const p = sliceParams(node, ctx);
    if (p && ctx.isDynamic(node.inputs[0]) && emitStaticAxesSlice(node, ctx, p)) return;
    if (!p || ctx.isDynamic(node.inputs[0])) {
      emitComputedSlice(node, ctx);
      return;
    }
    const dims = ctx.shape(node.inputs[0]);
    const { begin, end, stride } = bounds(dims, p);
    if (dims.length > 5) {
      emitMergedSlice(node, ctx, dims, { begin, end, stride });
      return;
    }
    const x = ctx.inputAny(node.inputs[0]);
    // ends of -1 with a negative step mean "through index 0": TFLite needs the end mask for that.
    let endMask = 0;
    const tb = x.perm.map((a) => begin[a]);
    const te = x.perm.map((a, i) => {
      if (stride[a] < 0 && end[a] === -1) { endMask |= 1 << i; return 0; }
      return end[a];
    });
    const ts = x.perm.map((a) => stride[a]);
    // A slice that keeps everything (Swin's roll by 0, a [:, :H] on H rows) is the input under another name.
    if (endMask === 0 && dims.every((d, a) => begin[a] === 0 && end[a] === d && stride[a] === 1)) {
      ctx.alias(node.outputs[0], node.inputs[0]);
      return;
    }
    const out = ctx.output(node.outputs[0], x.perm);
    ctx.emit('STRIDED_SLICE', [x.index, ctx.constInt32(tb, `${node.name}/begin`), ctx.constInt32(te, `${node.name}/end`),
      ctx.constInt32(ts, `${node.name}/strides`)], [out], { beginMask: 0, endMask, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false });
  },
};
export default Slice;
