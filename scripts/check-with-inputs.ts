// Converts one ONNX model (only --input-shape) and compares LiteRT with onnxruntime-node on seeded inputs, some of
// them given by value: `--value NAME=V,V,...` (e.g. sequence lengths, token ids, which the seeded 0/1 integers do
// not exercise). Prints max|diff| / max|ref| per output and the TRANSPOSE count.
// Usage: node --import tsx scripts/check-with-inputs.ts MODEL.onnx [--input-shape NAME=DIMS] [--value NAME=V,...] [--seed N] [--ort-unoptimized]
// (--ort-unoptimized: onnxruntime runs the graph as written, without fusing QDQ models into its integer kernels.)
import { readModelFile } from '../src/onnx/reader';
import { makeTensor } from '../src/ir/tensor';
import { convertAndMatch, seededInputs } from '../test/helpers/match';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const shapes = new Map<string, number[]>();
  const values = new Map<string, number[]>();
  let file = '';
  let seed = 1;
  let ortOptimization: 'disabled' | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--input-shape' || args[i] === '--value') {
      const [n, d] = args[++i].split('=');
      (args[i - 1] === '--value' ? values : shapes).set(n, d.split(',').map(Number));
    } else if (args[i] === '--seed') seed = Number(args[++i]);
    else if (args[i] === '--ort-unoptimized') ortOptimization = 'disabled';
    else file = args[i];
  }
  const model = readModelFile(file);
  const image = model.graph.inputs.length === 1 && (model.graph.inputs[0].shape?.length ?? 0) === 4;
  const ins = seededInputs(model, seed, image ? 0 : -1, 1, shapes).map((t) => {
    const v = values.get(t.name);
    if (!v) return t;
    if (v.length !== t.dims.reduce((a, b) => a * b, 1)) throw new Error(`--value ${t.name}: ${v.length} values for dims [${t.dims}]`);
    return makeTensor(t.name, t.dtype, t.dims, t.dtype === 'float32' ? Float32Array.from(v) : v);
  });
  const m = await convertAndMatch(file, model, ins, { inputShapes: shapes, ortOptimization });
  console.log(`${m.worst <= 1e-4 ? 'OK  ' : 'BAD '} ${file}  worst rel ${m.worst.toExponential(2)}  TRANSPOSE ${m.result.transposeCount}`);
  for (const o of m.outputs) console.log(`       ${o.name}: max|diff| ${o.maxDiff.toExponential(2)} max|ref| ${o.maxRef.toExponential(2)}`);
  process.exitCode = m.worst <= 1e-4 ? 0 : 1;
}
void main();
