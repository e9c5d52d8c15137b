// Bad-input fuzz (docs/bad-input.md): every truncation, or every byte XORed with 0xff / 0x01 / 0x80 / 0x7f, of a small
// .onnx or .tflite, each through what the CLI does with it (ONNX: read, shape inference, summary, compatibility,
// convert, the LiteRT self-check; .tflite: reader, summary, micro analysis, LiteRT load and one run). The cases run
// in a child process watched per case (LIMIT ms, default 20 s: a hang is killed and reported, the rest go on); a
// crash of the child is reported too. Prints one line a case: R i user|converted|ran|INTERNAL ..., HANG i, CRASH i.
//   npx tsx scripts/fuzz-bad-input.ts parent MODEL.onnx|MODEL.tflite trunc|flip [FROM TO] > log
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { readModelFile } from '../src/onnx/reader';
import { inferShapes } from '../src/ir/shapes/index';
import { summarize } from '../src/core/summary';
import { analyzeCompatibility } from '../src/convert/compat';
import { convertModel } from '../src/convert/convert';
import { serializeTflite } from '../src/tflite/writer';
import { parseTflite } from '../src/tflite/reader';
import { summarizeTflite } from '../src/tflite/summary';
import { analyzeMicro } from '../src/micro/analyze';
import { verifyOnLiteRt } from '../src/core/verify';
import { openTflite } from '../src/runtime/litert';
import { isUserFacing, oneLine } from '../src/ir/errors';
import { makeTensor } from '../src/ir/tensor';

const [mode, src, kind, fromS, toS] = process.argv.slice(2);
const base = new Uint8Array(fs.readFileSync(src!));
function mutate(i: number): Uint8Array {
  if (kind === 'trunc') return base.slice(0, i);
  // flip: byte i, xor with pattern depending on i
  const b = base.slice();
  const pats = [0xff, 0x01, 0x80, 0x7f];
  b[i >> 2] = b[i >> 2]! ^ pats[i & 3]!;
  return b;
}
const total = kind === 'trunc' ? base.length : base.length * 4;
const tmp = path.join(os.tmpdir(), `onnx2lite-fuzz-${process.pid}`) + (src!.endsWith('.tflite') ? '.tflite' : '.onnx');
async function one(i: number): Promise<string> {
  const bytes = mutate(i);
  fs.writeFileSync(tmp, bytes);
  try {
    if (src!.endsWith('.onnx')) {
      const m = readModelFile(tmp);
      const { warnings } = inferShapes(m, {});
      summarize(m, warnings);
      analyzeCompatibility(readModelFile(tmp), {});
      const r = convertModel(readModelFile(tmp), {});
      const t = serializeTflite(r.model);
      const v = await verifyOnLiteRt(tmp, t, r.warnings);
      return `converted maxRel=${v.maxRel} cos=${v.cosine}`;
    }
    const model = parseTflite(bytes);
    summarizeTflite(model);
    analyzeMicro(model);
    const s = await openTflite(bytes);
    const ins = s.inputs.map((x) => makeTensor(x.name, x.dtype, x.dims, new Array(x.dims.reduce((a, b) => a * b, 1)).fill(0.5)));
    await s.run(ins);
    s.close();
    return 'ran';
  } catch (e) {
    if (isUserFacing(e)) return `user ${oneLine((e as Error).message).includes('\n') ? 'MULTILINE ' : ''}${(e as Error).message.slice(0, 150)}`;
    return `INTERNAL ${(e as Error)?.name}: ${String((e as Error)?.message ?? e).slice(0, 200)}`;
  }
}
if (mode === 'child') {
  process.on('exit', () => fs.rmSync(tmp, { force: true }));
  (async () => {
    for (let i = Number(fromS); i < Math.min(Number(toS), total); i++) {
      process.stdout.write(`S ${i}\n`);
      const o = await one(i);
      process.stdout.write(`R ${i} ${o.replace(/\n/g, ' | ')}\n`);
    }
    process.exit(0);
  })();
} else {
  // parent
  const limit = Number(process.env.LIMIT ?? 20000);
  let next = Number(fromS ?? 0);
  const end = Math.min(Number(toS ?? total), total);
  const run = () => {
    if (next >= end) return;
    const c = spawn(process.execPath, ['--import', 'tsx', '--max-old-space-size=1024', __filename, 'child', src!, kind!, String(next), String(end)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let cur = -1; let timer: NodeJS.Timeout | undefined; let buf = '';
    const arm = () => { clearTimeout(timer); timer = setTimeout(() => { console.log(`HANG ${cur}`); c.kill('SIGKILL'); }, limit); };
    arm();
    c.stdout.on('data', (d) => {
      buf += d; let k;
      while ((k = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, k); buf = buf.slice(k + 1);
        if (line.startsWith('S ')) { cur = Number(line.slice(2)); arm(); }
        else if (line.startsWith('R ')) { console.log(line); next = Number(line.split(' ')[1]) + 1; }
      }
    });
    let err = '';
    c.stderr.on('data', (d) => { err += d; });
    c.on('exit', (code, sig) => {
      clearTimeout(timer);
      if (next < end) {
        if (cur >= next) { console.log(`CRASH ${cur} code=${code} sig=${sig} ${err.slice(-300).replace(/\n/g, ' | ')}`); next = cur + 1; }
        err = '';
        run();
      }
    });
  };
  run();
}
