// Converts each ONNX model given (no options but --input-shape), runs it on LiteRT beside onnxruntime-node on seeded
// inputs (uniform in [0, 1) for rank-4 image inputs, [-1, 1) otherwise) and prints max|diff| / max|ref| per output,
// the TRANSPOSE count and the op histogram.
// Usage: node --import tsx scripts/check-models.ts [--input-shape NAME=DIMS] MODEL.onnx ...
import { readModelFile } from '../src/onnx/reader';
import { convertAndMatch, seededInputs } from '../test/helpers/match';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const shapes = new Map<string, number[]>();
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--input-shape') {
      const [n, d] = args[++i].split('=');
      shapes.set(n, d.split(',').map(Number));
    } else files.push(args[i]);
  }
  let bad = 0;
  for (const f of files) {
    const t0 = Date.now();
    try {
      const model = readModelFile(f);
      // --input-shape entries apply to the models that have such an input (one run checks models of several kinds).
      const mine = new Map([...shapes].filter(([n]) => model.graph.inputs.some((i) => i.name === n)));
      const image = model.graph.inputs.length === 1 && (model.graph.inputs[0].shape?.length ?? 0) === 4;
      const ins = seededInputs(model, 1, image ? 0 : -1, 1, mine);
      const m = await convertAndMatch(f, model, ins, { inputShapes: mine });
      const ok = m.worst <= 1e-4;
      if (!ok) bad++;
      const hist = Object.entries(m.result.opHistogram).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}:${v}`).join(' ');
      console.log(`${ok ? 'OK  ' : 'BAD '} ${f}  worst rel ${m.worst.toExponential(2)}  TRANSPOSE ${m.result.transposeCount}  (${Date.now() - t0} ms)`);
      for (const o of m.outputs) console.log(`       ${o.name}: max|diff| ${o.maxDiff.toExponential(2)} max|ref| ${o.maxRef.toExponential(2)}`);
      console.log(`       ${hist}`);
    } catch (e) {
      bad++;
      console.log(`FAIL ${f}: ${(e as Error).message}`);
    }
  }
  process.exitCode = bad ? 1 : 0;
}
void main();
