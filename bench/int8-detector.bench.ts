// int8 latency on a YOLOX-style detector (test/fixtures/i8lat/yolox_style_160.onnx, random weights, made by
// make_detector.py there): a Focus stem, Conv-BN-SiLU CSP blocks, a depthwise stage, a neck join and decoupled heads
// whose box / objectness-sigmoid / class-softmax rows join into the output, the kinds of ops trained detectors bring
// (YuNet, FastestDet, YOLOX: docs/model-sweep.md "i8lat"). float32 and int8 (calibrated on seeded 0-255 pictures,
// the int8 search on, --allow-degraded: random weights need not meet the guard) are timed side by side in
// interleaved rounds (bench/paired-latency.ts: the main thread's own run time, one thread, WASM XNNPack, the load
// beside it); the int8 row also gives the ops the int8 file runs in float32 by opcode, the guard's cosine, and the
// STRIDED_SLICE / SPACE_TO_DEPTH counts (the Focus stem is one SPACE_TO_DEPTH: simplify-focus.ts).
// The target (issue #13): int8 at most 0.6x float32 on XNNPack.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeNpy } from '../src/core/npy';
import { makeTensor } from '../src/ir/tensor';
import { quantizeModelBytes } from '../src/quantize/file';
import { convertModel } from '../src/convert/convert';
import { decodeModel } from '../src/onnx/reader';
import { serializeTflite } from '../src/tflite/writer';
import type { TflModel } from '../src/tflite/model';
import { latencyCell, pairedLatency } from './paired-latency';

const FILE = 'test/fixtures/i8lat/yolox_style_160.onnx';
const DIMS = [1, 3, 160, 160];

function picture(seed: number) {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  // Smooth blobs over noise: neighbouring pixels agree, as in photos (uniform noise makes every activation wide).
  const [, c, h, w] = DIMS;
  const cx = rnd() * w, cy = rnd() * h, r = 20 + rnd() * 40;
  return makeTensor('images', 'float32', DIMS, Float32Array.from({ length: c * h * w }, (_, i) => {
    const x = i % w, y = Math.floor(i / w) % h, ch = Math.floor(i / (w * h));
    const blob = Math.hypot(x - cx, y - cy) < r ? 180 : 60;
    return Math.max(0, Math.min(255, blob + 40 * Math.sin((x + ch * 7) / 9) + 20 * (rnd() - 0.5)));
  }));
}

/** Ops whose activation input is float32, by opcode (DEQUANTIZE / QUANTIZE left out). */
function floatOps(m: TflModel): string {
  const sg = m.subgraphs[0];
  const n = new Map<string, number>();
  for (const op of sg.operators) {
    if (op.opcode === 'DEQUANTIZE' || op.opcode === 'QUANTIZE') continue;
    const x = sg.tensors[op.inputs[0]];
    if (x && x.type === 'FLOAT32' && !x.data) n.set(op.opcode, (n.get(op.opcode) ?? 0) + 1);
  }
  return [...n].map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
}

const count = (m: TflModel, opcode: string) => m.subgraphs[0].operators.filter((o) => o.opcode === opcode).length;

(async () => {
  const bytes = fs.readFileSync(FILE);
  const float = convertModel(decodeModel(bytes)).model;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-i8det-'));
  for (let k = 0; k < 12; k++) {
    fs.mkdirSync(path.join(dir, `s${k}`));
    fs.writeFileSync(path.join(dir, `s${k}`, 'input_0.npy'), encodeNpy(picture(100 + k)));
  }
  const { result, summary } = await quantizeModelBytes(bytes, FILE, {}, { mode: 'int8', calibration: dir, allowDegraded: true });
  fs.rmSync(dir, { recursive: true, force: true });
  const files = [{ label: 'float32', tflite: serializeTflite(float) }, { label: 'int8', tflite: serializeTflite(result.model) }];
  const { byLabel, load } = await pairedLatency(files, [[picture(1)], [picture(2)]], { budgetMs: 15000, minRounds: 5, maxRounds: 40 });
  console.log(`${path.basename(FILE)}: LiteRT one thread, paired rounds, load ${load}; ms per run (ratio to float32 (quartiles)) and the fastest run`);
  for (const f of files) {
    const m = f.label === 'int8' ? result.model : float;
    console.log(`  ${f.label.padEnd(8)} ${(f.tflite.byteLength / 1024).toFixed(0).padStart(5)} KB ${latencyCell(byLabel.get(f.label)!, 2)}  STRIDED_SLICE ${count(m, 'STRIDED_SLICE')}, SPACE_TO_DEPTH ${count(m, 'SPACE_TO_DEPTH')}`
      + (f.label === 'int8' ? `; guard cosine ${summary.cosine?.toFixed(4) ?? '-'}, float32 ops: ${floatOps(m)}` : ''));
  }
  console.log(`  target: int8 <= 0.6x float32 (issue #13): ${byLabel.get('int8')!.ratio <= 0.6 ? 'met' : 'not met'}`);
})().catch((e) => { console.error(e); process.exit(1); });
