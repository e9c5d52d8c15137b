// Writes TorchScript-exported models again the way torch.onnx.export(..., dynamo=True) writes them (opset 18, each
// module a model-local function: test/helpers/dynamo-style.ts), converts both and matches each against onnxruntime.
// Usage: node --import tsx scripts/export/dynamo-style.ts OUT_DIR MODEL.onnx... [--depth N]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readModelFile } from '../../src/onnx/reader';
import { dynamoStyle } from '../../test/helpers/dynamo-style';
import { convertAndMatch, seededInputs } from '../../test/helpers/match';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const d = args.indexOf('--depth');
  const depth = d >= 0 ? Number(args.splice(d, 2)[1]) : 2;
  const [out, ...files] = args;
  fs.mkdirSync(out, { recursive: true });
  for (const file of files) {
    const original = readModelFile(file);
    const dyn = dynamoStyle(original, depth);
    const target = path.join(out, path.basename(file, '.onnx') + '.dynamo.onnx');
    fs.writeFileSync(target, dyn.bytes);
    const again = readModelFile(target);
    const inputs = seededInputs(original, 1, 0, 1);
    const a = await convertAndMatch(file, readModelFile(file), inputs);
    const b = await convertAndMatch(target, again, inputs);
    console.log(JSON.stringify({
      model: path.basename(file), functions: dyn.functions.length, calls: dyn.calls, reduces18: dyn.reduces,
      nodes: [original.graph.nodes.length, again.graph.nodes.length], ops: [a.result.model.subgraphs[0].operators.length, b.result.model.subgraphs[0].operators.length],
      relOriginal: a.worst, relDynamo: b.worst,
    }));
  }
}

main().catch((e) => { console.error((e as Error).message); process.exit(1); });
