// A streaming speech enhancer judged by its task (docs/model-sweep.md "int8 on trained models not tried before
// (s23-trained6)"): GTCRN's streaming export (Kazuhito00/Audio-Processing-Node-Editor's gtcrn_simple.onnx; inputs
// mix [1, 257, 1, 2] = one STFT frame (real, imaginary), conv_cache, tra_cache, inter_cache; outputs the enhanced
// frame and the three caches for the next frame), fed as the repository's node does: 16 kHz, 512-sample frames
// every 256 samples under a √hann window, rfft; the enhanced frames irfft'ed, windowed again and overlap-added.
// Each runtime carries its own caches from frame to frame, so an int8 error that the recurrence grows is seen.
//   frames MODEL.onnx WAV_DIR OUT_DIR [N]: N (48) calibration samples (subfolders of input_0..3.npy, the layout of
//     --calibration for several inputs): frames of the *_noisy.wav files spread over the files, each with the
//     caches onnxruntime carried to it.
//   judge MODEL.onnx WAV_DIR F32.tflite A.tflite ...: over each pair N_noisy.wav / N_clean.wav, the SNR of each .tflite's
//     waveform against onnxruntime's (dB; NOISE=A also onnxruntime fed the noisy input plus uniform noise of ±A / 32768,
//     the float model's own floor) and the task: the SNR of the enhanced speech against the clean one (the noisy
//     input's, onnxruntime's, each .tflite's); sizes and paired latency per frame against the first .tflite.
// usage: node --import tsx scripts/check-int8-gtcrn.ts frames|judge ...
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Tensor } from '../src/ir/types';
import { makeTensor } from '../src/ir/tensor';
import { encodeNpy } from '../src/core/npy';
import { readModelFile } from '../src/onnx/reader';
import { openOnnx } from '../src/runtime/ort';
import { openConverted } from '../src/runtime/tflite-onnx-io';
import { pairedLatency } from '../bench/paired-latency';
import { mean, readWav, waveSnr } from './speech-snr';

const N = 512, HOP = 256, BINS = 257;
const WIN = Float64Array.from({ length: N }, (_, i) => Math.sqrt(0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (N - 1))));
const COS = Float64Array.from({ length: N }, (_, i) => Math.cos((2 * Math.PI * i) / N));
const SIN = Float64Array.from({ length: N }, (_, i) => Math.sin((2 * Math.PI * i) / N));

interface Runner { run(feeds: Tensor[]): Promise<Map<string, Tensor>> }
interface Input { name: string; dims: number[] }

function rfftFrame(x: Float64Array, at: number, name: string): Tensor {
  const out = new Float32Array(BINS * 2);
  for (let k = 0; k < BINS; k++) {
    let re = 0, im = 0;
    for (let n = 0; n < N; n++) { const v = (x[at + n] ?? 0) * WIN[n], j = (k * n) % N; re += v * COS[j]; im -= v * SIN[j]; }
    out[2 * k] = re; out[2 * k + 1] = im;
  }
  return makeTensor(name, 'float32', [1, BINS, 1, 2], out);
}

/** irfft of one enhanced frame [1, 257, 1, 2], windowed, added into y at `at`. */
function addFrame(y: Float64Array, spec: Float32Array, at: number): void {
  for (let n = 0; n < N; n++) {
    let v = spec[0] + spec[2 * (BINS - 1)] * (n % 2 ? -1 : 1);
    for (let k = 1; k < BINS - 1; k++) { const j = (k * n) % N; v += 2 * (spec[2 * k] * COS[j] - spec[2 * k + 1] * SIN[j]); }
    if (at + n < y.length) y[at + n] += (v / N) * WIN[n];
  }
}

/** The enhanced waveform of x streamed through one runtime (its own caches), and every frame's feeds. */
async function stream(r: Runner, inputs: Input[], x: Float64Array, outNames: string[]): Promise<{ y: Float64Array; feeds: Tensor[][] }> {
  let caches = inputs.slice(1).map((i) => makeTensor(i.name, 'float32', i.dims, new Float32Array(i.dims.reduce((a, b) => a * b, 1))));
  const y = new Float64Array(x.length), feeds: Tensor[][] = [];
  for (let at = 0; at + N <= x.length; at += HOP) {
    const f = [rfftFrame(x, at, inputs[0].name), ...caches];
    feeds.push(f);
    const out = await r.run(f);
    addFrame(y, out.get(outNames[0])!.data as Float32Array, at);
    caches = inputs.slice(1).map((i, k) => ({ ...out.get(outNames[k + 1])!, name: i.name }));
  }
  return { y, feeds };
}

const snr = (ref: Float64Array, got: Float64Array) => waveSnr(ref, got, N);
const wav = readWav;

async function main() {
  const [mode, onnx, dir, ...rest] = process.argv.slice(2);
  const g = readModelFile(onnx).graph;
  const inputs: Input[] = g.inputs.map((i) => ({ name: i.name, dims: (i.shape as number[]).map(Number) }));
  const outNames = g.outputs.map((o) => o.name);
  const ort = await openOnnx(onnx);
  const noisy = fs.readdirSync(dir).filter((f) => f.endsWith('_noisy.wav')).sort();
  if (mode === 'frames') {
    const [out, count] = [rest[0], Number(rest[1] ?? 48)];
    const all: Tensor[][] = [];
    for (const f of noisy) all.push(...(await stream(ort, inputs, wav(path.join(dir, f)), outNames)).feeds);
    for (let k = 0; k < count; k++) {
      const sub = path.join(out, `s${String(k).padStart(3, '0')}`);
      fs.mkdirSync(sub, { recursive: true });
      all[Math.floor(((k + 0.5) * all.length) / count)].forEach((t, i) => fs.writeFileSync(path.join(sub, `input_${i}.npy`), encodeNpy(t)));
    }
    await ort.close();
    return;
  }
  const lites = await Promise.all(rest.map(async (t) => openConverted(fs.readFileSync(t))));
  const vsOrt = rest.map(() => [] as number[]), task = rest.map(() => [] as number[]), inTask: number[] = [], ortTask: number[] = [], floor: number[] = [];
  const noise = Number(process.env.NOISE ?? 0);
  let latencyFeeds: Tensor[][] = [];
  for (const f of noisy) {
    const x = wav(path.join(dir, f)), clean = wav(path.join(dir, f.replace('_noisy', '_clean')));
    const ref = await stream(ort, inputs, x, outNames);
    if (!latencyFeeds.length) latencyFeeds = ref.feeds.slice(40, 42);
    inTask.push(snr(clean, x)); ortTask.push(snr(clean, ref.y));
    if (noise) {
      let s = 7;
      const xn = x.map((v) => v + ((((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1) * noise) / 32768);
      floor.push(snr(ref.y, (await stream(ort, inputs, xn, outNames)).y));
    }
    for (let j = 0; j < lites.length; j++) {
      const got = (await stream(lites[j], inputs, x, outNames)).y;
      vsOrt[j].push(snr(ref.y, got)); task[j].push(snr(clean, got));
    }
  }
  await ort.close();
  lites.forEach((l) => l.close());
  const fmt = (v: number[]) => `mean ${mean(v).toFixed(2)} worst ${Math.min(...v).toFixed(2)}`;
  console.log(`${path.basename(onnx)} on ${noisy.length} utterances of ${dir}: SNR vs clean, dB: noisy input ${fmt(inTask)}, onnxruntime ${fmt(ortTask)}`);
  if (noise) console.log(`  onnxruntime, input ±${noise}/32768: waveform SNR vs onnxruntime's ${fmt(floor)}`);
  const lat = process.env.NO_LATENCY ? undefined
    : await pairedLatency(rest.map((t) => ({ label: t, tflite: new Uint8Array(fs.readFileSync(t)) })), latencyFeeds, { budgetMs: 20000, minRounds: 5, maxRounds: 40 });
  if (lat) console.log(`  latency load ${lat.load}`);
  const base = fs.statSync(rest[0]).size;
  rest.forEach((t, j) => {
    const l = lat?.byLabel.get(t), size = fs.statSync(t).size;
    console.log(`  ${path.basename(t)} ${size} B (${((100 * size) / base).toFixed(1)}%)${l ? `, ${l.ms.toFixed(2)} ms a frame (${l.ratio.toFixed(2)}x)` : ''}: `
      + `waveform SNR vs onnxruntime's ${fmt(vsOrt[j])}; SNR vs clean ${fmt(task[j])}`);
  });
}
void main();
