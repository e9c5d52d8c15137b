// The box scripts' photos: each photo of some folders with its width and height in px (from its PNG / JPEG bytes).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';

export function photoSize(file: string): [number, number] {
  const bytes = fs.readFileSync(file);
  const img = /\.png$/i.test(file) ? PNG.sync.read(bytes) : jpeg.decode(bytes, { useTArray: true, maxMemoryUsageInMB: 1024 });
  return [img.width, img.height];
}

/** Each .png / .jpg of `dirs` (sorted by name in each folder) with its path and size. */
export function* photosOf(dirs: string[]): Generator<[string, number, number]> {
  for (const dir of dirs) {
    for (const f of fs.readdirSync(dir).filter((n) => /\.(png|jpe?g)$/i.test(n)).sort()) {
      const file = path.join(dir, f), [w, h] = photoSize(file);
      yield [file, w, h];
    }
  }
}
