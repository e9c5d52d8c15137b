// ONNX Pad → TFLite PAD / PADV2 (constant mode; the value may be computed), MIRROR_PAD (reflect) or GATHERs of
// repeated edge indices (edge) or indices around the axis (wrap, opset 19), on the stored layout; negative pads (constant mode) crop by a SLICE first;
// computed pads: _pad_computed.ts.
import { toNumbers } from '../../ir/tensor';
import { attrFloat, attrInts, attrString, normAxis } from '../attrs';
import type { Node } from '../../ir/types';
import type { ConvertContext } from '../context';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { NUMERIC } from './_elementwise';
import { Emitter } from './_emit';
import { computedPadReason, emitComputedPad } from './_pad_computed';

const Pad: OpConverter = {
  op: 'Pad', emits: ['PAD', 'PADV2', 'MIRROR_PAD', 'GATHER', 'SLICE', 'RANGE', 'TRANSPOSE', 'RESHAPE', 'MINIMUM', 'MAXIMUM'],
  incidental: ['SLICE', 'RANGE', 'TRANSPOSE', 'RESHAPE', 'MINIMUM', 'MAXIMUM'] /* negative pads only (SLICE); computed pads only: on the pads, sized at run time */,
  opset: [1, MAX_OPSET], dtypes: NUMERIC, layout: 'axis',
  check(node, ctx) {
    const mode = attrString(node, 'mode', 'constant');
    if (!['constant', 'reflect', 'edge', 'wrap'].includes(mode)) return refuse('attribute', `Pad with mode=${mode} is not supported`);
    if (node.inputs[1] && !ctx.isConstant(node.inputs[1])) return computedPadReason(node, ctx);
    if (node.inputs[2] && !ctx.isConstant(node.inputs[2]) && ctx.shape(node.inputs[2]).reduce((a, b) => a * b, 1) !== 1) {
      return refuse('rank', 'Pad with a non-scalar value is not supported');
    }
    if (node.inputs[3] && !ctx.isConstant(node.inputs[3])) return refuse('computed-input', 'Pad with non-constant axes is not supported');
    if (mode === 'wrap' && wrapsPastAxis(node, ctx)) return refuse('attribute', 'Pad with mode=wrap by more than an axis\'s length is not supported (onnxruntime and numpy differ there)');
    return undefined;
  },
  convert(node, ctx) {
    if (node.inputs[1] && !ctx.isConstant(node.inputs[1])) {
      emitComputedPad(node, ctx);
      return;
    }
    const x = ctx.inputAny(node.inputs[0]);
    const rank = x.perm.length;
    const raw = node.inputs[1] ? toNumbers(ctx.constant(node.inputs[1])!) : attrInts(node, 'pads') ?? attrInts(node, 'paddings') ?? [];
    const axes = node.inputs[3] ? toNumbers(ctx.constant(node.inputs[3])!).map((a) => normAxis(a, rank)) : Array.from({ length: rank }, (_, i) => i);
    const begin = new Array<number>(rank).fill(0);
    const end = new Array<number>(rank).fill(0);
    axes.forEach((a, k) => { begin[a] = raw[k]; end[a] = raw[k + axes.length]; });
    let xi = x.index;
    // Negative pads crop (EnCodec's SConv1d extra padding traced at one length, run at another): a SLICE first.
    if ([...begin, ...end].some((v) => v < 0)) {
      const e = new Emitter(ctx, node);
      const dims = e.shape(x.index);
      const from = x.perm.map((a) => Math.max(0, -begin[a]));
      const size = x.perm.map((a, i) => dims[i] - from[i] - Math.max(0, -end[a]));
      if (size.some((d) => !(d > 0))) ctx.fail('Pad crops every element of an axis', 'attribute');
      const cropOnly = [...begin, ...end].every((v) => v <= 0);
      xi = e.op('SLICE', [x.index, ctx.constInt32(from, `${node.name}/crop_begin`), ctx.constInt32(size, `${node.name}/crop_size`)],
        size, e.type(x.index), undefined, cropOnly ? ctx.output(node.outputs[0], x.perm) : undefined);
      if (cropOnly) return;
      for (let a = 0; a < rank; a++) { begin[a] = Math.max(0, begin[a]); end[a] = Math.max(0, end[a]); }
    }
    const paddings = x.perm.flatMap((a) => [begin[a], end[a]]);
    // Nothing to pad (Swin pads to a multiple of the window size, often by 0): the input under another name.
    if (paddings.every((v) => v === 0)) {
      ctx.alias(node.outputs[0], node.inputs[0]);
      return;
    }
    const padT = ctx.constInt32(paddings, `${node.name}/paddings`, [rank, 2]);
    const out = ctx.output(node.outputs[0], x.perm);
    const mode = attrString(node, 'mode', 'constant');
    if (mode === 'reflect') {
      ctx.emit('MIRROR_PAD', [xi, padT], [out], { mode: 'REFLECT' });
      return;
    }
    if (mode === 'edge' || mode === 'wrap') {
      emitEdge(new Emitter(ctx, node), xi, x.perm.map((a) => [begin[a], end[a]]), out, mode === 'wrap');
      return;
    }
    const vName = node.inputs[2];
    if (vName && !ctx.isConstant(vName)) {
      // A value computed in the graph: PADV2 takes it as a scalar tensor.
      const e = new Emitter(ctx, node);
      const v = ctx.inputOnnx(vName);
      ctx.emit('PADV2', [xi, padT, e.shape(v).length ? e.reshape(v, []) : v], [out]);
      return;
    }
    const value = vName ? toNumbers(ctx.constant(vName)!)[0] : attrFloat(node, 'value', 0);
    if (value === 0) ctx.emit('PAD', [xi, padT], [out]);
    else {
      const t = ctx.tensors[xi].type;
      // PADV2's value has the input's type (LiteRT refuses an INT32 value for a UINT8 input: QOperator models).
      const bytes = t === 'UINT8' ? Uint8Array.of(value) : t === 'INT8' ? new Uint8Array(Int8Array.of(value).buffer)
        : t === 'INT64' ? new Uint8Array(BigInt64Array.of(BigInt(Math.round(value))).buffer) : undefined;
      const v = t === 'FLOAT32' ? ctx.constFloat32([value], [], `${node.name}/value`)
        : bytes ? ctx.constTensor({ name: `${node.name}/value`, type: t, shape: [], data: bytes }) : ctx.constInt32([value], `${node.name}/value`, []);
      ctx.emit('PADV2', [xi, padT, v], [out]);
    }
  },
};
/** A wrap pad longer than its axis (onnxruntime does not repeat the axis as numpy's reference does). */
function wrapsPastAxis(node: Node, ctx: ConvertContext): boolean {
  const dims = ctx.shape(node.inputs[0]);
  const raw = node.inputs[1] ? toNumbers(ctx.constant(node.inputs[1])!) : attrInts(node, 'pads') ?? [];
  const axes = node.inputs[3] ? toNumbers(ctx.constant(node.inputs[3])!).map((a) => normAxis(a, dims.length)) : dims.map((_, i) => i);
  return axes.some((a, k) => Math.max(raw[k], raw[k + axes.length]) > dims[a]);
}

/** Edge padding: along each padded axis, a GATHER that repeats the first and last index; wrap (opset 19) takes
 *  the indices around the axis instead (the last ones before, the first ones after). */
function emitEdge(e: Emitter, x: number, pads: [number, number][], out: number, wrap = false): void {
  const axes = pads.map((p, i) => (p[0] || p[1] ? i : -1)).filter((i) => i >= 0);
  let cur = x;
  if (axes.length === 0) {
    e.reshape(cur, e.shape(cur), out);
    return;
  }
  axes.forEach((axis, k) => {
    const n = e.shape(cur)[axis];
    const [b, a] = pads[axis];
    const idx = wrap ? Array.from({ length: b + n + a }, (_, k) => (((k - b) % n) + n) % n)
      : [...new Array<number>(b).fill(0), ...Array.from({ length: n }, (_, i) => i), ...new Array<number>(a).fill(n - 1)];
    const shape = e.shape(cur).map((d, i) => (i === axis ? idx.length : d));
    cur = e.op('GATHER', [cur, e.ctx.constInt32(idx, `${e.node.name}/edge${axis}`)], shape, e.type(cur), { axis, batchDims: 0 },
      k === axes.length - 1 ? out : undefined);
  });
}

export default Pad;
