// Latency of models whose outputs are sized at run time (src/runtime/litert-dynamic.ts) on LiteRT.js beside
// onnxruntime-node, side by side in one process: the session as compare / the self-check open it (openConverted),
// its first run (which may compile the capped copy again with room for the outputs) and the median of the next runs,
// wall and CPU (the CPU of this process: LiteRT's compat build runs on this thread, onnxruntime's on its pool).
// Models: the vits-infer fixtures (tiny Piper with its noises as inputs, and drawing them inside: every run opens the
// model again), the tiny Faster R-CNN of test/convert/detectors-torchvision (exported when Debian's python3 has
// torchvision), and any Piper given as PIPER_ONNX (e.g. scripts/export/piper_sizes.py medium; 40 phonemes).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { convertModel } from '../src/convert/convert';
import { makeTensor } from '../src/ir/tensor';
import type { Tensor } from '../src/ir/types';
import { readModelFile } from '../src/onnx/reader';
import { openOnnx } from '../src/runtime/ort';
import { openConverted } from '../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../src/tflite/writer';

interface Case { label: string; onnx: string; shapes: Map<string, number[]>; feeds: Tensor[] }

const runs = Number(process.env.BENCH_RUNS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const wave = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 0.731 + seed) * 0.9);

/** Piper's inputs for `T` phonemes (noises as inputs unless `own`: [1, inter, tMax] for the prior). */
function piperFeeds(T: number, vocab: number, inter: number, tMax: number, own: boolean): Tensor[] {
  const ids = Array.from({ length: T }, (_, i) => 1 + ((i * 7 + 5) % (vocab - 1)));
  const base = [makeTensor('input', 'int64', [1, T], ids), makeTensor('input_lengths', 'int64', [1], [T]),
    makeTensor('scales', 'float32', [3], [0.667, 1, 0.8])];
  return own ? base : [...base, makeTensor('noise_dp', 'float32', [1, 2, T], wave(2 * T, 1)),
    makeTensor('noise', 'float32', [1, inter, tMax], wave(inter * tMax, 2))];
}

function cases(tmp: string): Case[] {
  const fixture = 'test/fixtures/vits-infer';
  const out: Case[] = [
    { label: 'vits-infer piper_tiny', onnx: `${fixture}/piper_tiny.onnx`, shapes: new Map([['input', [1, 12]], ['input_lengths', [1]], ['noise_dp', [1, 2, 12]]]), feeds: piperFeeds(12, 20, 8, 96, false) },
    { label: 'vits-infer piper_tiny_randn', onnx: `${fixture}/piper_tiny_randn.onnx`, shapes: new Map([['input', [1, 12]], ['input_lengths', [1]]]), feeds: piperFeeds(12, 20, 8, 96, true) },
  ];
  try {
    const onnx = path.join(tmp, 'tiny_fasterrcnn.onnx');
    execFileSync('/usr/bin/python3', ['scripts/export-torchvision-detector.py', 'tiny_fasterrcnn', '160', onnx, '3'], { stdio: 'ignore' });
    const data = new Float32Array(3 * 160 * 160).map((_, i) => (Math.sin(i * 0.0137) + 1) / 2);
    out.push({ label: 'tiny_fasterrcnn 160', onnx, shapes: new Map([['image', [3, 160, 160]]]), feeds: [{ name: 'image', dtype: 'float32', dims: [3, 160, 160], data }] });
  } catch {
    console.log('tiny_fasterrcnn: /usr/bin/python3 cannot export it (python3-torchvision), skipped');
  }
  const piper = process.env.PIPER_ONNX;
  if (piper) {
    const own = readModelFile(piper).graph.inputs.length === 3;
    out.push({ label: `${path.basename(piper)} (40 phonemes)`, onnx: piper,
      shapes: new Map([['input', [1, 40]], ['input_lengths', [1]], ...(own ? [] : [['noise_dp', [1, 2, 40]] as [string, number[]]])]),
      feeds: piperFeeds(40, 256, 192, 1000, own) });
  }
  return out;
}

/** [wall, CPU] ms of each call. */
async function timed(fn: () => Promise<unknown>): Promise<[number, number]> {
  const [t, c] = [performance.now(), cpuMs()];
  await fn();
  return [performance.now() - t, cpuMs() - c];
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-dynamic-bench-'));
  const rows: string[][] = [];
  try {
    for (const c of cases(tmp)) {
      const tflite = serializeTflite(convertModel(readModelFile(c.onnx), { inputShapes: c.shapes }).model);
      let lite: Awaited<ReturnType<typeof openConverted>> | undefined;
      const open = await timed(async () => { lite = await openConverted(tflite); });
      const ort = await openOnnx(c.onnx);
      try {
        const feeds = c.feeds.filter((f) => lite!.metadata.inputs.some((m) => m.onnx === f.name));
        const first = await timed(() => lite!.run(feeds));
        await ort.run(feeds);
        const l: [number, number][] = [], o: [number, number][] = [];
        for (let i = 0; i < runs; i++) {
          l.push(await timed(() => lite!.run(feeds)));
          o.push(await timed(() => ort.run(feeds)));
        }
        const [lw, lc, ow, oc] = [l.map((x) => x[0]), l.map((x) => x[1]), o.map((x) => x[0]), o.map((x) => x[1])].map(median) as number[];
        rows.push([c.label, `${open[0].toFixed(0)}`, `${first[0].toFixed(0)}`, `${lw!.toFixed(1)} / ${lc!.toFixed(1)}`,
          `${ow!.toFixed(1)} / ${oc!.toFixed(1)}`, `${(lw! / ow!).toFixed(1)}× / ${(lc! / oc!).toFixed(1)}×`]);
      } finally {
        lite!.close();
        await ort.close();
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const head = ['model', 'LiteRT open ms', 'LiteRT 1st run ms', 'LiteRT run ms wall / CPU', 'onnxruntime run ms wall / CPU', 'LiteRT / onnxruntime'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [head, ...rows]) console.log(r.map((v, i) => v.padEnd(widths[i]!)).join('  '));
  console.log(`load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}; medians of ${runs} runs after the first`);
}

void main().catch((e) => { console.error(e); process.exit(1); });
