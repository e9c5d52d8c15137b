// Who is off on a float16 variant (scripts/export/variants.py `fp16` / `fp16io`)? Runs, on the same seeded inputs,
// onnxruntime on the family's float32 export (op17.onnx: the truth), onnxruntime on the float16 model, and LiteRT on
// the converted float16 model (the .tflite variants-check.ts wrote), and prints each one's max|diff| / max|ref|
// against the float32 truth: when LiteRT is nearer the truth than onnxruntime's own float16 run, the self-check's
// gap is onnxruntime's float16 rounding, not the conversion.
// Usage: node --import tsx scripts/variants-fp16-floor.ts OUT_DIR FAMILY [VARIANT=fp16]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readModelFile } from '../src/onnx/reader';
import { runOnnx } from '../src/runtime/ort';
import { openConverted } from '../src/runtime/tflite-onnx-io';
import { makeTensor, toFloat32 } from '../src/ir/tensor';
import type { Tensor } from '../src/ir/types';
import { seededInputs } from '../test/helpers/match';

function rel(got: Tensor, ref: Tensor): number {
  const a = toFloat32(got);
  const b = toFloat32(ref);
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); m = Math.max(m, Math.abs(b[i])); }
  return m ? d / m : d;
}

async function main(): Promise<void> {
  const [dir, fam, variant = 'fp16'] = process.argv.slice(2);
  const f32 = join(dir, fam, 'op17.onnx');
  const f16 = join(dir, fam, `${variant}.onnx`);
  const inputs = seededInputs(readModelFile(f32), 1, 0, 1);
  const half = readModelFile(f16);
  const halfInputs = inputs.map((t) => (half.graph.values.get(t.name)?.dtype === 'float16' ? makeTensor(t.name, 'float16', t.dims, toFloat32(t)) : t));
  // The truth on the inputs the float16 model sees (rounded to float16).
  const truthInputs = halfInputs.map((t) => (t.dtype === 'float16' ? makeTensor(t.name, 'float32', t.dims, toFloat32(t)) : t));
  const truth = await runOnnx(f32, truthInputs);
  const ort16 = await runOnnx(f16, halfInputs);
  const s = await openConverted(readFileSync(join(dir, 'tflite', fam, `${variant}.tflite`)));
  try {
    const lite = await s.run(halfInputs);
    for (const [name, t] of truth) {
      console.log(`${fam}/${variant} ${name}: onnxruntime float16 ${rel(ort16.get(name)!, t).toExponential(2)}  LiteRT ${rel(lite.get(name)!, t).toExponential(2)}  (vs float32 onnxruntime)`);
    }
  } finally {
    s.close();
  }
}
void main();
