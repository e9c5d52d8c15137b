// Checks the big 3-D material made by scripts/export-3d-models.py (kept out of the repository, default folder
// /work/big/h4-3d-suites): each NAME.onnx is converted with only --input-shape-style fixed dims (its own), run on the
// real LiteRT runtime beside onnxruntime-node on its test_data_set_0 input, and reported with the max |diff| relative
// to max |ref|, the cosine, the TRANSPOSE count and the conversion time. `--quantize fp16,dynamic,int8` also runs
// those modes (int8: 16 random calibration samples); every written model must load and run on LiteRT.
//
// Usage: node --import tsx scripts/check-3d-models.ts [--dir DIR] [--quantize fp16,dynamic,int8] [name ...]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { convertModel } from '../src/convert/convert';
import { readModelFile, readTensorFile } from '../src/onnx/reader';
import { quantizeModelBytes, type QuantMode } from '../src/quantize/file';
import { runOnnx } from '../src/runtime/ort';
import { openConverted } from '../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../src/tflite/writer';
import { toNumbers } from '../src/ir/tensor';
import type { Tensor } from '../src/ir/types';

function stats(got: Tensor, want: Tensor): { rel: number; cosine: number } {
  const g = toNumbers(got);
  const w = toNumbers(want);
  let d = 0, m = 0, dot = 0, gg = 0, ww = 0;
  w.forEach((v, i) => { d = Math.max(d, Math.abs(g[i] - v)); m = Math.max(m, Math.abs(v)); dot += g[i] * v; gg += g[i] * g[i]; ww += v * v; });
  return { rel: d / m, cosine: dot / Math.sqrt(gg * ww) };
}

async function onLiteRT(bytes: Uint8Array, input: Tensor): Promise<Tensor> {
  const lite = await openConverted(bytes);
  try {
    return [...(await lite.run([input])).values()][0];
  } finally {
    lite.close();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (k: string) => { const i = args.indexOf(k); return i >= 0 ? args.splice(i, 2)[1] : undefined; };
  const dir = opt('--dir') ?? '/work/big/h4-3d-suites';
  const modes = (opt('--quantize') ?? '').split(',').filter(Boolean) as QuantMode[];
  const names = args.length ? args : fs.readdirSync(dir).filter((f) => f.endsWith('.onnx')).map((f) => f.slice(0, -5)).sort();
  for (const name of names) {
    const file = path.join(dir, `${name}.onnx`);
    const model = readModelFile(file);
    const inName = model.graph.inputs[0].name;
    const input = { ...readTensorFile(path.join(dir, `${name}.test_data_set_0`, 'input_0.pb')), name: inName };
    const want = [...(await runOnnx(fs.readFileSync(file), [input])).values()][0];
    const t0 = performance.now();
    const r = convertModel(model, { inputShapes: new Map([[inName, input.dims]]) });
    const ms = performance.now() - t0;
    const bytes = serializeTflite(r.model);
    const s = stats(await onLiteRT(bytes, input), want);
    const ops = Object.entries(r.opHistogram).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}×${v}`).join(' ');
    console.log(`${name} float32: max|diff|/max|ref| ${s.rel.toExponential(2)}, cosine ${s.cosine.toFixed(7)}, TRANSPOSE ${r.transposeCount}, `
      + `${r.model.subgraphs[0].operators.length} ops, convert ${ms.toFixed(0)} ms, ${(bytes.byteLength / 1048576).toFixed(1)} MiB — ${ops}`);
    for (const mode of modes) {
      const q = await quantizeModelBytes(fs.readFileSync(file), file, { inputShapes: new Map([[inName, input.dims]]) }, { mode } as never);
      const qb = serializeTflite(q.result.model);
      const qs = stats(await onLiteRT(qb, input), want);
      console.log(`${name} ${mode}: loads and runs on LiteRT; max|diff|/max|ref| ${qs.rel.toExponential(2)}, cosine ${qs.cosine.toFixed(5)}, `
        + `${(qb.byteLength / 1048576).toFixed(1)} MiB, CONCATENATION with a fused activation: `
        + `${q.result.model.subgraphs[0].operators.filter((o) => o.opcode === 'CONCATENATION' && (o.options?.fusedActivationFunction ?? 'NONE') !== 'NONE').length}`);
    }
  }
}

main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
