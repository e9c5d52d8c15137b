// Runs every model of a directory on the LiteRT build named by ONNX2LITE_LITERT_BUILD (a process loads one build):
// <dir>/<name>.tflite on <dir>/<name>.input.json ({ name, dims, data }[]), writes <dir>/out-<label>.json
// ({ build, outputs: { name: number[][] } }). Used by test/runtime/litert-builds.test.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openTflite } from '../../src/runtime/litert';
import { liteRtBuild } from '../../src/runtime/litert-load';

(async () => {
  const [dir, label] = process.argv.slice(2) as [string, string];
  const outputs: Record<string, number[][]> = {};
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.tflite')).sort()) {
    const name = f.slice(0, -'.tflite'.length);
    const feeds = (JSON.parse(fs.readFileSync(path.join(dir, `${name}.input.json`), 'utf8')) as { name: string; dims: number[]; data: number[] }[])
      .map((t) => ({ name: t.name, dtype: 'float32' as const, dims: t.dims, data: Float32Array.from(t.data) }));
    const s = await openTflite(new Uint8Array(fs.readFileSync(path.join(dir, f))));
    try {
      outputs[name] = (await s.run(feeds)).map((o) => Array.from(o.data as Float32Array));
    } finally {
      s.close();
    }
  }
  fs.writeFileSync(path.join(dir, `out-${label}.json`), JSON.stringify({ build: liteRtBuild(), outputs }));
})().catch((e) => { process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`); process.exit(2); });
