// compare: time against one run of each model plus the comparison itself, for the largest shared model (a ratio
// measured in one process; target ≤ 3×), and peak memory, also for synthetic 1000- and 2000-layer models whose
// intermediate tensors (up to 1 GB per model) are not all held at once: the comparison streams them in chunks.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readModelFile, readTensorFile } from '../src/onnx/reader';
import { buildModel, node, tensor } from '../src/onnx/builder';
import { encodeModel } from '../src/onnx/writer';
import { convertModel } from '../src/convert/convert';
import { serializeTflite } from '../src/tflite/writer';
import { openOnnx } from '../src/runtime/ort';
import { openTflite } from '../src/runtime/litert';
import { toTfliteLayout } from '../src/runtime/tflite-onnx-io';
import { compareModels } from '../src/compare/compare';
import type { CompareProgress } from '../src/compare/types';

const dir = '../shared/models';
const largest = fs.readdirSync(dir).filter((f) => f.endsWith('.onnx'))
  .map((f) => ({ f, size: fs.statSync(path.join(dir, f)).size })).sort((a, b) => b.size - a.size)[0]!;
const onnxFile = path.join(dir, largest.f);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-compare-bench-'));
const name = largest.f.replace(/\.onnx$/, '');
const tflFile = path.join(tmp, `${name}.tflite`);
const converted = convertModel(readModelFile(onnxFile), { source: largest.f });
fs.writeFileSync(tflFile, serializeTflite(converted.model));
const inputsDir = path.join(dir, `${name}.test_data_set_0`);
const input = { ...readTensorFile(path.join(inputsDir, 'input_0.pb')), name: converted.metadata.inputs[0]!.onnx };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

let peak = 0;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
async function peakOf<T>(fn: () => Promise<T>): Promise<{ value: T; peakMb: number }> {
  gc();
  peak = process.memoryUsage().rss;
  const value = await fn();
  peak = Math.max(peak, process.memoryUsage().rss);
  return { value, peakMb: peak / 2 ** 20 };
}

/** One plain run of each model (load + run + release), as a user would do to check outputs by hand. */
async function runEach(): Promise<number> {
  const t0 = performance.now();
  const o = await openOnnx(onnxFile);
  await o.run([input]);
  await o.close();
  const s = await openTflite(fs.readFileSync(tflFile));
  await s.run([toTfliteLayout(input, converted.metadata.inputs[0]!)]);
  s.close();
  return performance.now() - t0;
}

/** The whole compare; also returns the time of its comparison phase (metrics over every layer). */
async function compareOnce(): Promise<{ total: number; comparison: number; layers: number }> {
  let tCompare = 0;
  let tDone = 0;
  const t0 = performance.now();
  const r = await compareModels(onnxFile, tflFile, { inputsDir }, (p: CompareProgress) => {
    if (p.phase === 'compare' && !tCompare) tCompare = performance.now();
    if (p.phase === 'done') tDone = performance.now();
  });
  return { total: performance.now() - t0, comparison: tDone - tCompare, layers: r.layers.length };
}

async function main(): Promise<void> {
  await runEach(); // load both runtimes once: neither side is charged for it
  await compareOnce();
  const base: number[] = [];
  const cmp: number[] = [];
  const cmpOnly: number[] = [];
  let layers = 0;
  for (let i = 0; i < 5; i++) {
    base.push(await runEach());
    const c = await compareOnce();
    cmp.push(c.total);
    cmpOnly.push(c.comparison);
    layers = c.layers;
  }
  const ratio = median(cmp) / (median(base) + median(cmpOnly));
  console.log(`model: ${largest.f} (${(largest.size / 1e6).toFixed(1)} MB), ${layers} layers compared`);
  console.log(`one run of each model (load+run): ${median(base).toFixed(0)} ms   comparison itself: ${median(cmpOnly).toFixed(0)} ms   compare: ${median(cmp).toFixed(0)} ms`);
  console.log(`compare / (runs + comparison) ratio: ${ratio.toFixed(2)}× (target ≤ 3×)`);
  const m1 = await peakOf(() => compareOnce());
  console.log(`peak RSS during compare of ${name}: ${m1.peakMb.toFixed(0)} MiB`);

  // Deep synthetic models: N layers of [1,32,64,64] float32 (512 KiB each), 1000 then 2000 layers (500 and 1000 MiB
  // of intermediates per model). Peak RSS only grows in a process, so the deeper model running within the
  // shallower one's peak shows memory does not grow with depth.
  const dims = [1, 32, 64, 64];
  for (const N of [1000, 2000]) {
    const nodes = [];
    for (let i = 0; i < N; i++) nodes.push(node(i % 2 ? 'Sin' : 'Tanh', [i ? `v${i - 1}` : 'x'], [`v${i}`], {}, `layer${i}`));
    const deep = buildModel({ nodes, inputs: [['x', 'float32', dims]], outputs: [`v${N - 1}`] });
    const deepOnnx = path.join(tmp, `deep${N}.onnx`);
    fs.writeFileSync(deepOnnx, encodeModel(deep));
    const deepTfl = path.join(tmp, `deep${N}.tflite`);
    fs.writeFileSync(deepTfl, serializeTflite(convertModel(readModelFile(deepOnnx), { source: 'deep.onnx' }).model));
    const intermediates = (N * 4 * dims.reduce((a, b) => a * b, 1)) / 2 ** 20;
    const m2 = await peakOf(() => compareModels(deepOnnx, deepTfl, {}));
    console.log(`deep model: ${N} layers, ${intermediates.toFixed(0)} MiB of intermediates per model; ${m2.value.notes.find((n) => /passes/.test(n)) ?? 'one pass'}; `
      + `coverage ${m2.value.coverage.percent}%; peak RSS so far ${m2.peakMb.toFixed(0)} MiB (every tensor of both models at once: ${(2 * intermediates).toFixed(0)} MiB)`);
  }
  clearInterval(sampler);
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((e) => { console.error(e); process.exit(1); });
