// Image files as model inputs (int8 --calibration DIR, compare --inputs DIR): a 4-channel input (M-LSD from
// jp.keijiro.mlsd takes RGB + alpha, [1, H, W, 4]) reads the PNG's alpha as its fourth channel, NHWC or NCHW, after
// the colours in RGB or BGR order; a JPEG is opaque; other channel counts are refused with one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import { loadImage } from '../../src/calibration/image';
import { loadCalibrationSamples } from '../../src/calibration/data';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-image-'));
const W = 6;
const H = 5;

/** An RGBA PNG whose every byte differs from its neighbours, alpha included. */
function rgba(): { file: string; data: Uint8Array } {
  const png = new PNG({ width: W, height: H });
  for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 37 + 11) % 256;
  const file = path.join(tmp, 'rgba.png');
  fs.writeFileSync(file, PNG.sync.write(png));
  return { file, data: new Uint8Array(PNG.sync.read(fs.readFileSync(file)).data) };
}

test('a [1, H, W, 4] input reads R, G, B and the PNG\'s alpha, scaled and normalized per channel', () => {
  const { file, data } = rgba();
  const t = loadImage(file, { name: 'input_image_with_alpha:0', dims: [1, H, W, 4] }, { mean: [0], std: [1 / 255] });
  assert.deepEqual(t.dims, [1, H, W, 4]);
  const got = t.data as Float32Array;
  for (let i = 0; i < W * H * 4; i++) assert.ok(Math.abs(got[i] - data[i]) < 1e-3, `byte ${i}: ${got[i]} vs ${data[i]}`);
  const alpha = Array.from({ length: W * H }, (_, p) => got[4 * p + 3]);
  assert.ok(new Set(alpha).size > 5, 'the alpha channel is the image\'s, not a constant');
});

test('NCHW [1, 4, H, W] takes the same values planar; bgr swaps the colours and keeps alpha last', () => {
  const { file, data } = rgba();
  const nchw = loadImage(file, { name: 'x', dims: [1, 4, H, W] }).data as Float32Array;
  const bgr = loadImage(file, { name: 'x', dims: [1, H, W, 4] }, { channelOrder: 'bgr' }).data as Float32Array;
  for (let p = 0; p < W * H; p++) {
    for (let c = 0; c < 4; c++) assert.ok(Math.abs(nchw[c * W * H + p] - data[4 * p + c] / 255) < 1e-6);
    const want = [data[4 * p + 2], data[4 * p + 1], data[4 * p], data[4 * p + 3]];
    for (let c = 0; c < 4; c++) assert.ok(Math.abs(bgr[4 * p + c] - want[c] / 255) < 1e-6);
  }
});

test('a JPEG has no alpha: a 4-channel input gets it opaque (1.0)', () => {
  const file = path.join(tmp, 'photo.jpg');
  const raw = Buffer.alloc(W * H * 4, 128);
  fs.writeFileSync(file, jpeg.encode({ data: raw, width: W, height: H }, 95).data);
  const t = loadImage(file, { name: 'x', dims: [1, H, W, 4] }).data as Float32Array;
  for (let p = 0; p < W * H; p++) {
    assert.equal(t[4 * p + 3], 1);
    assert.ok(Math.abs(t[4 * p] - 128 / 255) < 0.02);
  }
});

test('a calibration folder of PNGs feeds a 4-channel model; a 2-channel input is refused with one line', () => {
  const dir = path.join(tmp, 'calib');
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(rgba().file, path.join(dir, 'a.png'));
  fs.copyFileSync(rgba().file, path.join(dir, 'b.png'));
  const samples = loadCalibrationSamples(dir, [{ name: 'img', dtype: 'float32', dims: [1, 16, 16, 4] }]);
  assert.equal(samples.length, 2);
  assert.deepEqual(samples[0][0].dims, [1, 16, 16, 4]);
  assert.throws(() => loadCalibrationSamples(dir, [{ name: 'img', dtype: 'float32', dims: [1, 16, 16, 2] }]),
    (e: Error) => /input "img" \[1, 16, 16, 2\] is not an image input \(want \[1,C,H,W\] or \[1,H,W,C\] with C = 1, 3 or 4\)/.test(e.message) && !e.message.includes('\n'));
});

test('--mean / --std with a count that is neither 1 nor the channel count are refused (they were ignored past C)', () => {
  const { file } = rgba();
  const input = { name: 'x', dims: [1, 3, H, W] };
  assert.throws(() => loadImage(file, input, { mean: [0.1, 0.2, 0.3, 0.4] }), /--mean gives 4 values, but input "x" \[1, 3, 5, 6\] has 3 channels \(give 1 or 3\)/);
  assert.throws(() => loadImage(file, input, { std: [0.5, 0.5] }), /--std gives 2 values/);
  assert.equal(loadImage(file, input, { mean: [0.5], std: [0.1, 0.2, 0.3] }).dims.length, 4);
});
