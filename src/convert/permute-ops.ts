// How the layout pass moves data between two layouts of a value: a TRANSPOSE in general, but the window
// partition and reverse of Swin-style models (a 6-D [N, H/b, b, W/b, b, C] ↔ [N, H/b, W/b, b, b, C] swap of the
// middle dims) are SPACE_TO_DEPTH / DEPTH_TO_SPACE between RESHAPEs: the same data movement, with a 4-D op every
// runtime has (XNNPack, GPU, TFLite Micro) instead of a 6-D TRANSPOSE.
import type { ConvertContext } from './context';

const WINDOW_SWAP = [0, 1, 3, 2, 4, 5];

/** What emitPermute writes for `perm` of a tensor of dims `shape`: 'windows' (SPACE_TO_DEPTH / DEPTH_TO_SPACE between
 *  RESHAPEs) or 'transpose'. */
export function permuteKind(shape: readonly number[], perm: readonly number[]): 'windows' | 'transpose' {
  if (perm.length !== 6 || !perm.every((p, i) => p === WINDOW_SWAP[i])) return 'transpose';
  return (shape[2] === shape[4] && shape[2] > 1) || (shape[3] === shape[4] && shape[3] > 1) ? 'windows' : 'transpose';
}

/** Writes `perm`(src) into `out` (TFLite TRANSPOSE semantics: out dim i = src dim perm[i]). */
export function emitPermute(ctx: ConvertContext, src: number, perm: number[], out: number, name: string): void {
  const s = ctx.tensors[src].shape;
  if (perm.length === 6 && perm.every((p, i) => p === WINDOW_SWAP[i])) {
    const [n, a, b1, b, b2, c] = s;
    const type = ctx.tensors[src].type;
    if (b1 === b2 && b1 > 1) {
      // [N, A, b, B, b, C] is the image [N, A·b, B·b, C]: SPACE_TO_DEPTH gives [N, A, B, (dy·b + dx)·C + c].
      const img = ctx.temp([n, a * b1, b * b2, c], type, `${name}__image`);
      ctx.emit('RESHAPE', [src, ctx.constInt32([n, a * b1, b * b2, c], `${name}__image_shape`)], [img], { newShape: [n, a * b1, b * b2, c] });
      const d = ctx.temp([n, a, b, b1 * b2 * c], type, `${name}__s2d`);
      ctx.emit('SPACE_TO_DEPTH', [img], [d], { blockSize: b1 });
      ctx.emit('RESHAPE', [d, ctx.constInt32(ctx.tensors[out].shape, `${name}__windows_shape`)], [out], { newShape: ctx.tensors[out].shape });
      return;
    }
    const [, , , w1, w2] = s;
    if (w1 === w2 && w1 > 1) {
      // [N, A, B, b, b, C] → [N, A, b, B, b, C]: DEPTH_TO_SPACE of [N, A, B, b·b·C].
      const [, a2, bb] = s;
      const d = ctx.temp([n, a2, bb, w1 * w2 * s[5]], type, `${name}__depth`);
      ctx.emit('RESHAPE', [src, ctx.constInt32([n, a2, bb, w1 * w2 * s[5]], `${name}__depth_shape`)], [d], { newShape: [n, a2, bb, w1 * w2 * s[5]] });
      const img = ctx.temp([n, a2 * w1, bb * w2, s[5]], type, `${name}__d2s`);
      ctx.emit('DEPTH_TO_SPACE', [d], [img], { blockSize: w1 });
      ctx.emit('RESHAPE', [img, ctx.constInt32(ctx.tensors[out].shape, `${name}__image_shape`)], [out], { newShape: ctx.tensors[out].shape });
      return;
    }
  }
  ctx.emit('TRANSPOSE', [src, ctx.constInt32(perm, `${name}__perm`)], [out]);
}
