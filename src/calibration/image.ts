// PNG / JPEG calibration images → a float tensor shaped like a model input: RGB (or grey, or RGBA for a 4-channel
// input: M-LSD's RGB + alpha; a JPEG's alpha is opaque) resized bilinearly to the input's height and width, scaled to
// [0, 1], then (x - mean) / std per channel (mean/std given in the model's channel order), in RGB or BGR order (alpha
// stays last), NCHW or NHWC as the input is.
import * as fs from 'node:fs';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import type { Tensor } from '../ir/types';
import { ModelError } from '../ir/types';

export interface ImageOptions {
  /** Per-channel mean and std applied after scaling to [0, 1] (one value or one per channel). */
  mean?: number[];
  std?: number[];
  /** Channel order the model expects: 'rgb' (default) or 'bgr' (OpenCV-trained models, e.g. PaddleOCR, Caffe). */
  channelOrder?: 'rgb' | 'bgr';
}

const IMAGE_CHANNELS = [1, 3, 4];

/** Where the channel dim of an image input is: 1 (NCHW) or 3 (NHWC); undefined when the input is not image-like. */
export function imageLayout(dims: number[]): { c: number; h: number; w: number; nchw: boolean } | undefined {
  if (dims.length !== 4) return undefined;
  if (IMAGE_CHANNELS.includes(dims[1])) return { c: dims[1], h: dims[2], w: dims[3], nchw: true };
  if (IMAGE_CHANNELS.includes(dims[3])) return { c: dims[3], h: dims[1], w: dims[2], nchw: false };
  return undefined;
}

function decode(file: string): { width: number; height: number; data: Uint8Array } {
  const bytes = fs.readFileSync(file);
  try {
    if (/\.png$/i.test(file)) return PNG.sync.read(bytes);
    return jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
  } catch (e) {
    throw new ModelError(`image ${file} cannot be decoded: ${(e as Error).message}`);
  }
}

export function loadImage(file: string, input: { name: string; dims: number[] }, opts: ImageOptions = {}): Tensor {
  const lay = imageLayout(input.dims);
  if (!lay || input.dims[0] !== 1) {
    throw new ModelError(`image ${file}: input "${input.name}" [${input.dims.join(', ')}] is not an image input (want [1,C,H,W] or [1,H,W,C] with C = 1, 3 or 4)`);
  }
  const img = decode(file);
  if (!img.width || !img.height) throw new ModelError(`image ${file} is empty`);
  const { c, h, w, nchw } = lay;
  const mean = opts.mean ?? [0];
  const std = opts.std ?? [1];
  for (const [flag, v] of [['--mean', mean], ['--std', std]] as const) {
    if (v.length !== 1 && v.length !== c) throw new ModelError(`${flag} gives ${v.length} values, but input "${input.name}" [${input.dims.join(', ')}] has ${c} channel${c === 1 ? '' : 's'} (give 1 or ${c})`);
  }
  const out = new Float32Array(c * h * w);
  const bgr = opts.channelOrder === 'bgr';
  const px = (x: number, y: number, ch: number) => {
    const o = (y * img.width + x) * 4;
    if (c === 1) return (img.data[o] + img.data[o + 1] + img.data[o + 2]) / 3;
    return img.data[o + (bgr && ch < 3 ? 2 - ch : ch)];
  };
  for (let y = 0; y < h; y++) {
    const sy = Math.max(0, Math.min(img.height - 1, ((y + 0.5) * img.height) / h - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(img.height - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < w; x++) {
      const sx = Math.max(0, Math.min(img.width - 1, ((x + 0.5) * img.width) / w - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(img.width - 1, x0 + 1);
      const fx = sx - x0;
      for (let ch = 0; ch < c; ch++) {
        const v = (px(x0, y0, ch) * (1 - fx) + px(x1, y0, ch) * fx) * (1 - fy) + (px(x0, y1, ch) * (1 - fx) + px(x1, y1, ch) * fx) * fy;
        const m = mean[mean.length === 1 ? 0 : ch] ?? 0;
        const s = std[std.length === 1 ? 0 : ch] ?? 1;
        out[nchw ? ch * h * w + y * w + x : (y * w + x) * c + ch] = (v / 255 - m) / s;
      }
    }
  }
  return { name: input.name, dtype: 'float32', dims: [...input.dims], data: out };
}
