// Resize of a 5-D volume (NCDHW: 3-D U-Nets' trilinear or nearest upsampling) on its channel-last form [N, D, H, W, C].
// TFLite's RESIZE_* take 4-D images, but a trilinear / nearest resize is separable: H and W are resized on
// [N·D, H, W, C], then D on [N, D, Ho·Wo, C] with the second dim kept (scale 1: every TFLite sampling rule maps x to
// x there, so that pass is exact along it). Both passes use the flags that reproduce ONNX on all three dims
// (_resize.ts); modes no flags reproduce (cubic, odd scales) are three constant interpolation matrices, one per dim,
// applied by BATCH_MATMUL as the 4-D case does (_resize_matrix.ts).
import type { Node } from '../../ir/types';
import { attrFloat, attrInt, attrString } from '../attrs';
import type { ConvertContext } from '../context';
import { Emitter } from './_emit';
import type { ResizeDim, TflResizeFlags } from './_resize';
import { resizeTaps } from './_resize_matrix';

/** Writes the resize of channel-last `x` ([N, D, H, W, C]) into `out` ([N, Do, Ho, Wo, C]). */
export function emitVolumeResize(ctx: ConvertContext, node: Node, x: number, out: number, dims: ResizeDim[], ct: string,
  flags: TflResizeFlags | undefined): void {
  const e = new Emitter(ctx, node);
  // N may be -1 (a batch known only at run time): RESHAPE infers it.
  const [N, D, H, W, C] = e.shape(x);
  const [Do, Ho, Wo] = dims.map((d) => d.outSize);
  const lead = (n: number) => (N < 0 ? -1 : N * n);
  const mode = attrString(node, 'mode', 'nearest');
  if (!flags) {
    const nm = node.opType === 'Upsample' ? 'floor' : attrString(node, 'nearest_mode', 'round_prefer_floor');
    const [td, th, tw] = dims.map((d) => resizeTaps(d, mode, ct, nm, attrFloat(node, 'cubic_coeff_a', -0.75), attrInt(node, 'exclude_outside', 0) === 1, attrInt(node, 'antialias', 0) === 1));
    const along = (v: number, rows: number, n: number, taps: Float32Array, o: number, rest: number, what: string) =>
      e.op('BATCH_MATMUL', [ctx.constFloat32(taps, [1, o, n], `${node.name}/resize_${what}`), e.reshape(v, [rows, n, rest])], [rows, o, rest], 'FLOAT32',
        { adjX: false, adjY: false });
    const yw = along(x, lead(D * H), W, tw.matrix, Wo, C, 'w');
    const yh = along(yw, lead(D), H, th.matrix, Ho, Wo * C, 'h');
    const yd = along(yh, N, D, td.matrix, Do, Ho * Wo * C, 'd');
    e.reshape(yd, [N, Do, Ho, Wo, C], out);
    return;
  }
  const opcode = mode === 'linear' ? 'RESIZE_BILINEAR' : 'RESIZE_NEAREST_NEIGHBOR';
  const version = flags.halfPixelCenters ? 3 : 1;
  const resize = (v: number, shape: number[], size: [number, number]) => {
    const y = ctx.temp(shape, 'FLOAT32', `${node.name}/resized`);
    ctx.emit(opcode, [v, ctx.constInt32(size, `${node.name}/size`)], [y], { ...flags }, version);
    return y;
  };
  let y = x;
  if (Ho !== H || Wo !== W) y = resize(e.reshape(y, [lead(D), H, W, C]), [lead(D), Ho, Wo, C], [Ho, Wo]);
  if (Do !== D) y = resize(e.reshape(y, [N, D, Ho * Wo, C]), [N, Do, Ho * Wo, C], [Do, Ho * Wo]);
  e.reshape(y, [N, Do, Ho, Wo, C], out);
}
