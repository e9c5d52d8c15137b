// Resize as matrices: every ONNX Resize (antialiased too) is linear in the input and separable, so each spatial
// dim has a constant [out, in] interpolation matrix (nearest, linear or cubic taps at ONNX's coordinates, edge
// padding or exclude_outside). The channel-last input is multiplied along W, then along H, with BATCH_MATMUL. This
// serves every case TFLite's RESIZE_* cannot reproduce (cubic, scales that do not divide the sizes, other rounding
// modes, tf_crop_and_resize).
import type { Node } from '../../ir/types';
import { toNumbers } from '../../ir/tensor';
import { attrFloat, attrInt, attrString } from '../attrs';
import type { ConvertContext } from '../context';
import { Emitter } from './_emit';
import { ResizeDim, onnxCoord, onnxNearest } from './_resize';

interface Taps {
  matrix: Float32Array;
  /** Per output index: inside the region of interest (tf_crop_and_resize), else the extrapolation value applies. */
  inside: boolean[];
}

function cubicWeight(d: number, a: number): number {
  const t = Math.abs(d);
  if (t <= 1) return (a + 2) * t ** 3 - (a + 3) * t ** 2 + 1;
  if (t < 2) return a * t ** 3 - 5 * a * t ** 2 + 8 * a * t - 4 * a;
  return 0;
}

/** Opset 18's antialias (linear and cubic) as onnxruntime computes it (PIL's filters): the filter stretched by
 *  1 / scale when shrinking, its taps outside the input moved onto the edge pixel (or dropped with exclude_outside),
 *  normalized. */
function antialiasTaps(m: Float32Array, row: number, v: number, d: ResizeDim, mode: string, cubicA: number, excludeOutside: boolean): void {
  const ss = Math.min(d.scale, 1);
  const support = (mode === 'linear' ? 1 : 2) / ss;
  const window = Math.ceil(support) * 2 + 1;
  const center = v + 0.5;
  const lo = Math.floor(center - support + 0.5);
  const hi = lo + Math.min(Math.max(Math.floor(center + support + 0.5) - lo, 0), window);
  const taps: [number, number][] = [];
  for (let j = lo; j < hi; j++) {
    if (excludeOutside && (j < 0 || j >= d.inSize)) continue;
    const t = (j - center + 0.5) * ss;
    taps.push([Math.min(Math.max(j, 0), d.inSize - 1), mode === 'linear' ? Math.max(0, 1 - Math.abs(t)) : cubicWeight(t, cubicA)]);
  }
  const sum = taps.reduce((a, [, w]) => a + w, 0);
  for (const [j, w] of taps) m[row + j] += sum === 0 ? w : w / sum;
}

export function resizeTaps(d: ResizeDim, mode: string, ct: string, nearestMode: string, cubicA: number, excludeOutside: boolean,
  antialias = false): Taps {
  const { inSize, outSize } = d;
  const m = new Float32Array(outSize * inSize);
  const inside: boolean[] = [];
  const clamp = (i: number) => Math.min(Math.max(i, 0), inSize - 1);
  for (let o = 0; o < outSize; o++) {
    const v = onnxCoord(o, d, ct);
    const ok = ct !== 'tf_crop_and_resize' || (v >= 0 && v <= inSize - 1);
    inside.push(ok);
    if (!ok) continue;
    const row = o * inSize;
    if (antialias && mode !== 'nearest') {
      antialiasTaps(m, row, v, d, mode, cubicA, excludeOutside);
    } else if (mode === 'nearest') {
      m[row + clamp(onnxNearest(v, nearestMode))] = 1;
    } else if (mode === 'linear') {
      const c = Math.min(Math.max(v, 0), inSize - 1);
      const f = Math.floor(c);
      const t = c - f;
      m[row + clamp(f)] += 1 - t;
      m[row + clamp(f + 1)] += t;
    } else {
      const f = Math.floor(v);
      const taps: [number, number][] = [];
      for (let i = f - 1; i <= f + 2; i++) taps.push([i, cubicWeight(v - i, cubicA)]);
      const used = excludeOutside ? taps.filter(([i]) => i >= 0 && i < inSize) : taps;
      const sum = used.reduce((a, [, w]) => a + w, 0);
      for (const [i, w] of used) m[row + clamp(i)] += excludeOutside ? w / sum : w;
    }
  }
  return { matrix: m, inside };
}

/** Writes Resize of channel-last `x` ([N, H, W, C]) into `out` ([N, Ho, Wo, C]) with the per-dim matrices. */
export function emitResizeByMatrices(ctx: ConvertContext, node: Node, x: number, out: number, dims: ResizeDim[], ct: string): void {
  const e = new Emitter(ctx, node);
  // N may be -1 (a batch known only at run time): RESHAPE infers it.
  const [N, H, W, C] = e.shape(x);
  const [dh, dw] = dims;
  const mode = attrString(node, 'mode', 'nearest');
  const nm = node.opType === 'Upsample' ? 'floor' : attrString(node, 'nearest_mode', 'round_prefer_floor');
  const a = attrFloat(node, 'cubic_coeff_a', -0.75);
  const ex = attrInt(node, 'exclude_outside', 0) === 1;
  const aa = attrInt(node, 'antialias', 0) === 1;
  const th = resizeTaps(dh, mode, ct, nm, a, ex, aa);
  const tw = resizeTaps(dw, mode, ct, nm, a, ex, aa);
  const Ho = dh.outSize;
  const Wo = dw.outSize;
  // Along W: [N·H, W, C] → [N·H, Wo, C]; along H: [N, H, Wo·C] → [N, Ho, Wo·C].
  const NH = N < 0 ? -1 : N * H;
  const xw = e.reshape(x, [NH, W, C]);
  const yw = e.op('BATCH_MATMUL', [ctx.constFloat32(tw.matrix, [1, Wo, W], `${node.name}/resize_w`), xw], [NH, Wo, C], 'FLOAT32',
    { adjX: false, adjY: false });
  const xh = e.reshape(yw, [N, H, Wo * C]);
  const yh = e.op('BATCH_MATMUL', [ctx.constFloat32(th.matrix, [1, Ho, H], `${node.name}/resize_h`), xh], [N, Ho, Wo * C], 'FLOAT32',
    { adjX: false, adjY: false });
  const ev = ct === 'tf_crop_and_resize' ? attrFloat(node, 'extrapolation_value', 0) : 0;
  const outside = th.inside.some((v) => !v) || tw.inside.some((v) => !v);
  if (ev === 0 || !outside) {
    e.reshape(yh, [N, Ho, Wo, C], out);
    return;
  }
  const fill = new Float32Array(Ho * Wo);
  for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) fill[i * Wo + j] = th.inside[i] && tw.inside[j] ? 0 : ev;
  e.bin('ADD', e.reshape(yh, [N, Ho, Wo, C]), ctx.constFloat32(fill, [1, Ho, Wo, 1], `${node.name}/extrapolation`), out);
}

/** tf_crop_and_resize's constant roi for the two spatial dims ([start, end] each), or undefined. */
export function spatialRoi(node: Node, ctx: ConvertContext): [number, number][] | undefined {
  const name = node.inputs[1];
  const c = name ? ctx.constant(name) : undefined;
  if (!c) return undefined;
  const r = toNumbers(c);
  const n = r.length / 2;
  return [[r[n - 2], r[2 * n - 2]], [r[n - 1], r[2 * n - 1]]];
}
