// Pooling with dilated windows, which TFLite's MAX_POOL_2D / AVERAGE_POOL_2D lack, for any number of spatial dims:
// after an explicit pad, each spatial axis in turn takes the kernel's k strided slices (begin j·dilation, step
// stride) and combines them with MAXIMUM (max) or ADD (average); averages are then scaled per axis by 1 / the
// number of window positions counted (inside the input, or also in the explicit pads with count_include_pad=1).
// Max and average are separable, so this is exact.
import type { Node } from '../../ir/types';
import { attrInt } from '../attrs';
import type { ConvertContext } from '../context';
import { Window, isZero, padChannelLast } from './_spatial';

/**
 * `input`: channel-last [N, spatial..., C]; `w`: the window with ceil-mode end pads added; `explicitPads`: ONNX's
 * pads before that (what count_include_pad counts); `out`: the output tensor [N, out spatial..., C].
 */
export function emitSlicePool(ctx: ConvertContext, node: Node, kind: 'max' | 'avg', input: number, w: Window,
  explicitPads: number[], spatial: number[], out: number): void {
  const k = spatial.length;
  const outShape = ctx.tensors[out].shape;
  let t = isZero(w.pads) ? input : padChannelLast(ctx, input, w.pads, kind === 'max' ? -3.4028234663852886e38 : 0, node.name);
  const rank = k + 2;
  const name = node.outputs[0];
  let last = -1;
  for (let a = 0; a < k; a++) {
    const o = outShape[a + 1];
    const shape = ctx.tensors[t].shape;
    if (w.kernel[a] === 1 && w.strides[a] === 1 && shape[a + 1] === o) continue;
    const sliceShape = shape.map((d, i) => (i === a + 1 ? o : d));
    let acc = -1;
    for (let j = 0; j < w.kernel[a]; j++) {
      const b = j * w.dilations[a];
      const begin = new Array<number>(rank).fill(0);
      const end = [...shape];
      const strides = new Array<number>(rank).fill(1);
      begin[a + 1] = b;
      end[a + 1] = b + (o - 1) * w.strides[a] + 1;
      strides[a + 1] = w.strides[a];
      const s = ctx.temp(sliceShape, 'FLOAT32', `${name}__win${a}_${j}`);
      ctx.emit('STRIDED_SLICE', [t, ctx.constInt32(begin, `${name}__win${a}_${j}_begin`), ctx.constInt32(end, `${name}__win${a}_${j}_end`),
        ctx.constInt32(strides, `${name}__win${a}_${j}_strides`)], [s],
      { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false });
      last = ctx.operators.length - 1;
      if (acc < 0) { acc = s; continue; }
      const m = ctx.temp(sliceShape, 'FLOAT32', `${name}__pool${a}_${j}`);
      ctx.emit(kind === 'max' ? 'MAXIMUM' : 'ADD', [acc, s], [m], kind === 'max' ? undefined : { fusedActivationFunction: 'NONE' });
      last = ctx.operators.length - 1;
      acc = m;
    }
    if (kind === 'avg') {
      const scale = axisScale(w, explicitPads, spatial, a, o, attrInt(node, 'count_include_pad', 0) === 1);
      const dims = new Array<number>(rank).fill(1);
      dims[a + 1] = o;
      const m = ctx.temp(sliceShape, 'FLOAT32', `${name}__avg${a}`);
      ctx.emit('MUL', [acc, ctx.constFloat32(scale, dims, `${name}__avg${a}_scale`)], [m], { fusedActivationFunction: 'NONE' });
      last = ctx.operators.length - 1;
      acc = m;
    }
    t = acc;
  }
  if (last >= 0 && ctx.operators[last].outputs[0] === t) {
    ctx.operators[last].outputs[0] = out;
  } else {
    ctx.emit('RESHAPE', [t, ctx.constInt32(outShape, `${name}__shape`)], [out], { newShape: outShape });
  }
}

/** 1 / the number of counted window positions of each output along spatial axis `a`. */
function axisScale(w: Window, explicitPads: number[], spatial: number[], a: number, o: number, countPad: boolean): Float32Array {
  const k = spatial.length;
  const lo = countPad ? -explicitPads[a] : 0;
  const hi = countPad ? spatial[a] + explicitPads[a + k] : spatial[a];
  const f = new Float32Array(o);
  for (let i = 0; i < o; i++) {
    let n = 0;
    for (let j = 0; j < w.kernel[a]; j++) {
      const p = i * w.strides[a] - w.pads[a] + j * w.dilations[a];
      if (p >= lo && p < hi) n++;
    }
    f[i] = n > 0 ? 1 / n : 0;
  }
  return f;
}
