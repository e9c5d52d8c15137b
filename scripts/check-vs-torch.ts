// Runs a converted .tflite on inputs saved by PyTorch and compares its outputs with PyTorch's own, for models whose
// ONNX file onnxruntime refuses (so convert's self-check cannot compare them): torchaudio's streaming Emformer
// (`infer`'s Slice with int32 and int64 bounds), HDemucs' local attention (EyeLike of bool). DIR holds in_<name>.npy
// for each input and out_<name>.npy for each output, in ONNX layout and names
// (scripts/export/sweep10_seq_torchref.py writes them). Prints max|diff| / max|ref| per output.
// Usage: node --import tsx scripts/check-vs-torch.ts MODEL.tflite DIR
import { readFileSync, readdirSync } from 'fs';
import * as path from 'path';
import { readTensorFileAny } from '../src/core/tensor-files';
import { toNumbers } from '../src/ir/tensor';
import { openConverted } from '../src/runtime/tflite-onnx-io';

async function main(): Promise<void> {
  const [model, dir] = process.argv.slice(2);
  const files = readdirSync(dir);
  const load = (prefix: string) => files.filter((f) => f.startsWith(prefix) && f.endsWith('.npy'))
    .map((f) => ({ ...readTensorFileAny(path.join(dir, f)), name: f.slice(prefix.length, -4) }));
  const session = await openConverted(new Uint8Array(readFileSync(model)));
  const got = await session.run(load('in_'));
  let worst = 0;
  for (const ref of load('out_')) {
    const t = got.get(ref.name);
    if (!t) throw new Error(`the .tflite has no output ${ref.name}`);
    const a = toNumbers(t);
    const b = toNumbers(ref);
    if (a.length !== b.length) throw new Error(`${ref.name}: ${a.length} values, PyTorch ${b.length}`);
    let diff = 0;
    let max = 0;
    for (let i = 0; i < a.length; i++) { diff = Math.max(diff, Math.abs(a[i] - b[i])); max = Math.max(max, Math.abs(b[i])); }
    const rel = diff / (max || 1);
    worst = Math.max(worst, rel);
    console.log(`  ${ref.name}: max|diff| ${diff.toExponential(2)} max|ref| ${max.toExponential(2)} rel ${rel.toExponential(2)}`);
  }
  session.close();
  console.log(`${worst <= 1e-4 ? 'OK ' : 'BAD'} ${model} worst rel vs PyTorch ${worst.toExponential(2)}`);
  process.exitCode = worst <= 1e-4 ? 0 : 1;
}
void main();
