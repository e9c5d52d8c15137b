// The onnxruntime-optimized variants of the exporter-variant sweep (scripts/export/variants.py): each family's opset-17
// export loaded by onnxruntime-node with graphOptimizationLevel basic / extended / all and saved through
// optimizedModelFilePath, as users ship "optimized" .onnx files (ort_basic.onnx, ort_extended.onnx, ort_all.onnx
// beside op17.onnx, with its .json of input dims). onnxruntime's Python quantizer (QDQ / QOperator forms) is not
// reachable from Node: those forms are covered by scripts/export/ort-qoperator.ts.
// Usage: node --import tsx scripts/export/variants-ort.ts OUT_DIR [FAMILY ...]
import { copyFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

const LEVELS = ['basic', 'extended', 'all'] as const;

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error('usage: variants-ort.ts OUT_DIR [FAMILY ...]');
  const fams = process.argv.length > 3 ? process.argv.slice(3) : readdirSync(out, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  for (const fam of fams) {
    const base = join(out, fam, 'op17.onnx');
    if (!existsSync(base)) continue;
    for (const level of LEVELS) {
      const dst = join(out, fam, `ort_${level}.onnx`);
      if (existsSync(dst) || existsSync(`${dst}.skip`)) continue;
      try {
        const s = await ort.InferenceSession.create(base, { graphOptimizationLevel: level, optimizedModelFilePath: dst });
        await s.release();
        copyFileSync(join(out, fam, 'op17.json'), join(out, fam, `ort_${level}.json`));
        console.log(`exported ${fam}/ort_${level}`);
      } catch (e) {
        writeFileSync(`${dst}.skip`, `EXPORT FAILED ${(e as Error).message.split('\n')[0]}\n`);
        console.log(`EXPORT FAILED ${fam}/ort_${level}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  }
}
void main();
