// The int8 pass's last rewrites for LiteRT's XNNPack (int8 ops it leaves to TFLite's own kernels, written as ops it
// runs: src/quantize/int8-relu.ts requantizeRelus, src/quantize/int8-avgpool.ts avgPoolsAsDepthwise) applied to an
// int8 .tflite another build wrote: how many ops they rewrite, how far the outputs move (in output steps, on random
// inputs), and the latency of float32, the int8 file and the rewritten one in paired interleaved rounds
// (bench/paired-latency.ts: thread clock, median of per-round ratios to float32 with quartiles, load beside).
// Usage: node --import tsx bench/int8-rewrites.ts FLOAT.tflite INT8.tflite [--inputs 3] [--budget 20000] [--save OUT.tflite]
import * as fs from 'node:fs';
import type { Tensor } from '../src/ir/types';
import { parseTflite } from '../src/tflite/reader';
import { serializeTflite } from '../src/tflite/writer';
import { requantizeRelus } from '../src/quantize/int8-relu';
import { avgPoolsAsDepthwise } from '../src/quantize/int8-avgpool';
import { uniqueNamer } from '../src/quantize/graph';
import { openConverted, readMetadata } from '../src/runtime/tflite-onnx-io';
import { latencyCell, pairedLatency } from './paired-latency';
import { rng } from './int8-forms';

(async () => {
  const args = process.argv.slice(2);
  const opt = (k: string, d: string) => (args.includes(k) ? args[args.indexOf(k) + 1]! : d);
  const [floatFile, int8File] = args.filter((a) => a.endsWith('.tflite') && args[args.indexOf(a) - 1] !== '--save');
  if (!floatFile || !int8File) { console.log('usage: node --import tsx bench/int8-rewrites.ts FLOAT.tflite INT8.tflite'); return; }
  const float = new Uint8Array(fs.readFileSync(floatFile));
  const before = new Uint8Array(fs.readFileSync(int8File));
  const model = parseTflite(before);
  const sg = model.subgraphs[0]!;
  const ops = (m: typeof model) => m.subgraphs[0]!.operators.map((o) => o.opcode);
  const was = ops(model);
  const relus = requantizeRelus(sg);
  const pools = avgPoolsAsDepthwise(sg, uniqueNamer(sg));
  const after = serializeTflite(model);
  if (args.includes('--save')) fs.writeFileSync(opt('--save', 'after.tflite'), after);
  const count = (list: string[], op: string) => list.filter((o) => o === op).length;
  console.log(`# ${int8File}: ${relus} RELU / RELU6 / RELU_N1_TO_1 → int8 QUANTIZE, ${pools} AVERAGE_POOL_2D → DEPTHWISE_CONV_2D `
    + `(AVERAGE_POOL_2D ${count(was, 'AVERAGE_POOL_2D')} → ${count(ops(model), 'AVERAGE_POOL_2D')}, RELU6 ${count(was, 'RELU6')} → ${count(ops(model), 'RELU6')})`);
  const meta = readMetadata(float)!;
  const r = rng(3);
  const floatSg = parseTflite(float).subgraphs[0]!;
  // ONNX dims from the TFLite shape (TFLite dim i is ONNX dim perm[i]).
  const onnxDims = (mi: (typeof meta.inputs)[number]) => { const shape = floatSg.tensors[mi.tflite]!.shape; const d: number[] = []; mi.perm.forEach((p, i) => { d[p] = Math.max(1, shape[i]!); }); return d; };
  const feeds: Tensor[][] = Array.from({ length: Number(opt('--inputs', '3')) }, () => meta.inputs.map((mi) => {
    const dims = onnxDims(mi);
    return { name: mi.onnx, dtype: 'float32' as const, dims, data: Float32Array.from({ length: dims.reduce((a, d) => a * d, 1) }, () => r()) };
  }));
  if (relus + pools > 0) {
    const [a, b] = [await openConverted(before), await openConverted(after)];
    try {
      for (const [k, f] of feeds.entries()) {
        const [ya, yb] = [await a.run(f), await b.run(f)];
        for (const [name, t] of ya) {
          const u = yb.get(name)!.data as Float32Array;
          const v = t.data as Float32Array;
          let worst = 0; let dot = 0; let na = 0; let nb = 0;
          v.forEach((x, i) => { worst = Math.max(worst, Math.abs(x - u[i]!)); dot += x * u[i]!; na += x * x; nb += u[i]! * u[i]!; });
          console.log(`input ${k} output ${name}: max |before - after| ${worst.toExponential(2)}, cosine ${(dot / Math.sqrt(na * nb)).toFixed(6)}`);
        }
      }
    } finally {
      a.close(); b.close();
    }
  }
  const lat = await pairedLatency([{ label: 'float32', tflite: float }, { label: 'int8', tflite: before }, { label: 'int8 rewritten', tflite: after }],
    feeds, { budgetMs: Number(opt('--budget', '20000')), maxRounds: 60 });
  for (const [label, l] of lat.byLabel) console.log(`${label.padEnd(16)} ${latencyCell(l, 2)}`);
  console.log(`# ${lat.byLabel.get('float32')!.rounds} rounds, load ${lat.load}`);
})().catch((e) => { console.error(e); process.exit(1); });
