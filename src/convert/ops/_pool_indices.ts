// MaxPool with its Indices output (TFLite has no argmax pooling): after a -FLT_MAX pad, every window offset (in ONNX's
// scan order) gives one strided slice; a running max keeps the first largest value (GREATER + SELECT_V2 as
// onnxruntime's strict `>`), and its index within the (n, c) plane comes from a small [1, out..., 1] constant per
// offset. The plane offset (n·C + c)·spatial size is added at the end. Indices are int64 in ONNX, INT32 here.
import type { Node } from '../../ir/types';
import { attrInt } from '../attrs';
import type { ConvertContext } from '../context';
import { channelLast } from '../layout';
import { Window, isZero, padChannelLast } from './_spatial';

export function emitMaxPoolIndices(ctx: ConvertContext, node: Node, input: number, w: Window, spatial: number[], out: number): void {
  const k = spatial.length;
  const rank = k + 2;
  const name = node.outputs[0];
  const outShape = ctx.tensors[out].shape;
  const os = outShape.slice(1, k + 1);
  const [n, c] = [outShape[0], outShape[rank - 1]];
  const idxOut = ctx.output(node.outputs[1], channelLast(rank), 'INT32');
  const t = isZero(w.pads) ? input : padChannelLast(ctx, input, w.pads, -3.4028234663852886e38, node.name);
  // Position strides within one (n, c) plane: row-major, or column-major (storage_order = 1, 2-D).
  const colMajor = attrInt(node, 'storage_order', 0) === 1;
  const strides = spatial.map((_, a) => (colMajor ? spatial.slice(0, a) : spatial.slice(a + 1)).reduce((x, y) => x * y, 1));
  const offsets: number[][] = [[]];
  for (let a = 0; a < k; a++) offsets.splice(0, offsets.length, ...offsets.flatMap((o) => Array.from({ length: w.kernel[a] }, (_, j) => [...o, j])));
  const hwShape = [1, ...os, 1];
  const count = os.reduce((x, y) => x * y, 1);
  let acc = -1;
  let idx = -1;
  offsets.forEach((off, m) => {
    const begin = [0, ...off.map((j, a) => j * w.dilations[a]), 0];
    const end = [n, ...off.map((j, a) => j * w.dilations[a] + (os[a] - 1) * w.strides[a] + 1), c];
    const s = ctx.temp(outShape, 'FLOAT32', `${name}__win${m}`);
    ctx.emit('STRIDED_SLICE', [t, ctx.constInt32(begin, `${name}__win${m}_begin`), ctx.constInt32(end, `${name}__win${m}_end`),
      ctx.constInt32([1, ...w.strides, 1], `${name}__win${m}_strides`)], [s],
    { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false });
    const pos = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      let rest = i;
      let p = 0;
      for (let a = k - 1; a >= 0; a--) {
        const o = rest % os[a];
        rest = Math.floor(rest / os[a]);
        p += Math.min(Math.max(o * w.strides[a] - w.pads[a] + off[a] * w.dilations[a], 0), spatial[a] - 1) * strides[a];
      }
      pos[i] = p;
    }
    const ci = ctx.constInt32(pos, `${name}__win${m}_index`, hwShape);
    if (m === 0) { acc = s; idx = ci; return; }
    const better = ctx.temp(outShape, 'BOOL', `${name}__win${m}_greater`);
    ctx.emit('GREATER', [s, acc], [better]);
    const last = m === offsets.length - 1;
    const nextAcc = last ? out : ctx.temp(outShape, 'FLOAT32', `${name}__max${m}`);
    ctx.emit('MAXIMUM', [acc, s], [nextAcc]);
    const nextIdx = ctx.temp(outShape, 'INT32', `${name}__argmax${m}`);
    ctx.emit('SELECT_V2', [better, ci, idx], [nextIdx]);
    acc = nextAcc;
    idx = nextIdx;
  });
  if (offsets.length === 1) ctx.emit('RESHAPE', [acc, ctx.constInt32(outShape, `${name}__shape`)], [out], { newShape: outShape });
  // + (n·C + c)·plane, broadcast from [N, 1..., C].
  const plane = spatial.reduce((x, y) => x * y, 1);
  const base = new Int32Array(n * c);
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) base[b * c + ch] = (b * c + ch) * plane;
  const baseShape = [n, ...new Array<number>(k).fill(1), c];
  ctx.emit('ADD', [idx, ctx.constInt32(base, `${name}__plane_offset`, baseShape)], [idxOut], { fusedActivationFunction: 'NONE' });
}
