// DTLN (breizhn/DTLN's pretrained_model/model_1.onnx + model_2.onnx: a two-stage streaming speech enhancer) judged by
// its task (docs/model-sweep.md "int8 on trained models not tried before (s25-trained8)"), fed as the repository's
// real_time_processing_onnx.py feeds it: 16 kHz, a 512-sample buffer shifted by 128 samples, no window; stage 1 takes
// the rfft magnitude [1, 1, 257] and its LSTM states [1, 2, 128, 2] and gives a mask; the masked spectrum (the
// input's phase) is irfft'ed into stage 2 ([1, 1, 512] and its own states), whose output block is overlap-added.
// Each runtime carries its own states from block to block, so an int8 error that the recurrence grows is seen.
//   frames M1.onnx M2.onnx WAV_DIR OUT_DIR [N]: N (48) calibration samples per stage (OUT_DIR/s1, OUT_DIR/s2:
//     subfolders of input_0..1.npy, the layout of --calibration for several inputs): blocks of the *_noisy.wav files
//     spread over the files, each with the states onnxruntime carried to it.
//   judge M1.onnx M2.onnx WAV_DIR A1.tflite,A2.tflite ...: over each pair N_noisy.wav / N_clean.wav, the SNR of each
//     pair's waveform against onnxruntime's (dB) and the task: the SNR of the enhanced speech against the clean one
//     delayed by the stream's 384 samples (the noisy input's against the clean as is, onnxruntime's, each pair's); the pairs' sizes and paired latency (both stages of one block
//     fed onnxruntime's inputs) against the first pair.
// usage: node --import tsx scripts/check-int8-dtln.ts frames|judge ...
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

const N = 512, HOP = 128, BINS = 257, DELAY = N - HOP;
const COS = Float64Array.from({ length: N }, (_, i) => Math.cos((2 * Math.PI * i) / N));
const SIN = Float64Array.from({ length: N }, (_, i) => Math.sin((2 * Math.PI * i) / N));

interface Runner { run(feeds: Tensor[]): Promise<Map<string, Tensor>> }
interface Stage { inputs: string[]; outputs: string[] }

function rfft(x: Float64Array): { re: Float64Array; im: Float64Array } {
  const re = new Float64Array(BINS), im = new Float64Array(BINS);
  for (let k = 0; k < BINS; k++) {
    for (let n = 0; n < N; n++) { const j = (k * n) % N; re[k] += x[n] * COS[j]; im[k] -= x[n] * SIN[j]; }
  }
  return { re, im };
}

function irfft(re: Float64Array, im: Float64Array): Float32Array {
  const y = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    let v = re[0] + re[BINS - 1] * (n % 2 ? -1 : 1);
    for (let k = 1; k < BINS - 1; k++) { const j = (k * n) % N; v += 2 * (re[k] * COS[j] - im[k] * SIN[j]); }
    y[n] = v / N;
  }
  return y;
}

const zeros = (name: string) => makeTensor(name, 'float32', [1, 2, 128, 2], new Float32Array(512));

/** The enhanced waveform of x through one pair of runners (each carrying its own states), and each block's feeds. */
async function stream(r: [Runner, Runner], st: [Stage, Stage], x: Float64Array): Promise<{ y: Float64Array; feeds: [Tensor[][], Tensor[][]] }> {
  let s1 = zeros(st[0].inputs[1]), s2 = zeros(st[1].inputs[1]);
  const buf = new Float64Array(N), out = new Float64Array(N), y = new Float64Array(x.length), feeds: [Tensor[][], Tensor[][]] = [[], []];
  for (let at = 0; at + HOP <= x.length; at += HOP) {
    buf.copyWithin(0, HOP); buf.set(x.subarray(at, at + HOP), N - HOP);
    const { re, im } = rfft(buf);
    const mag = Float64Array.from(re, (v, k) => Math.hypot(v, im[k]));
    const f1 = [makeTensor(st[0].inputs[0], 'float32', [1, 1, BINS], Float32Array.from(mag)), s1];
    const o1 = await r[0].run(f1);
    const mask = o1.get(st[0].outputs[0])!.data as Float32Array;
    s1 = { ...o1.get(st[0].outputs[1])!, name: st[0].inputs[1] };
    // mag · mask · e^{i·phase} = (re, im) · mask
    const block = irfft(Float64Array.from(re, (v, k) => v * mask[k]), Float64Array.from(im, (v, k) => v * mask[k]));
    const f2 = [makeTensor(st[1].inputs[0], 'float32', [1, 1, N], block), s2];
    const o2 = await r[1].run(f2);
    s2 = { ...o2.get(st[1].outputs[1])!, name: st[1].inputs[1] };
    feeds[0].push(f1); feeds[1].push(f2);
    out.copyWithin(0, HOP); out.fill(0, N - HOP);
    const ob = o2.get(st[1].outputs[0])!.data as Float32Array;
    for (let n = 0; n < N; n++) out[n] += ob[n];
    y.set(out.subarray(0, HOP), at);
  }
  return { y, feeds };
}

const snr = (ref: Float64Array, got: Float64Array) => waveSnr(ref, got, N);
const wav = readWav;
const stage = (onnx: string): Stage => { const g = readModelFile(onnx).graph; return { inputs: g.inputs.map((i) => i.name), outputs: g.outputs.map((o) => o.name) }; };

async function main() {
  const [mode, m1, m2, dir, ...rest] = process.argv.slice(2);
  const st: [Stage, Stage] = [stage(m1), stage(m2)];
  const ort: [Runner & { close(): Promise<void> }, Runner & { close(): Promise<void> }] = [await openOnnx(m1), await openOnnx(m2)];
  const noisy = fs.readdirSync(dir).filter((f) => f.endsWith('_noisy.wav')).sort();
  if (mode === 'frames') {
    const [out, count] = [rest[0], Number(rest[1] ?? 48)];
    const all: [Tensor[][], Tensor[][]] = [[], []];
    for (const f of noisy) { const r = await stream(ort, st, wav(path.join(dir, f))); all[0].push(...r.feeds[0]); all[1].push(...r.feeds[1]); }
    for (const s of [0, 1]) {
      for (let k = 0; k < count; k++) {
        const sub = path.join(out, `s${s + 1}`, `s${String(k).padStart(3, '0')}`);
        fs.mkdirSync(sub, { recursive: true });
        all[s][Math.floor(((k + 0.5) * all[s].length) / count)].forEach((t, i) => fs.writeFileSync(path.join(sub, `input_${i}.npy`), encodeNpy(t)));
      }
    }
    await Promise.all(ort.map((o) => o.close()));
    return;
  }
  const pairs = rest.map((p) => p.split(','));
  const lites = await Promise.all(pairs.map(async (p) => [await openConverted(fs.readFileSync(p[0])), await openConverted(fs.readFileSync(p[1]))] as const));
  const vsOrt = pairs.map(() => [] as number[]), task = pairs.map(() => [] as number[]), inTask: number[] = [], ortTask: number[] = [];
  let latencyFeeds: [Tensor[][], Tensor[][]] | undefined;
  for (const f of noisy) {
    const x = wav(path.join(dir, f)), clean0 = wav(path.join(dir, f.replace('_noisy', '_clean')));
    // The stream gives each 128 samples out when the buffer's last 128 came in: its output lags the input by 384.
    const clean = new Float64Array(clean0.length);
    clean.set(clean0.subarray(0, clean0.length - DELAY), DELAY);
    const ref = await stream(ort, st, x);
    latencyFeeds ??= [ref.feeds[0].slice(100, 102), ref.feeds[1].slice(100, 102)];
    inTask.push(snr(clean0, x)); ortTask.push(snr(clean, ref.y));
    for (let j = 0; j < lites.length; j++) {
      const got = (await stream([lites[j][0], lites[j][1]], st, x)).y;
      vsOrt[j].push(snr(ref.y, got)); task[j].push(snr(clean, got));
    }
  }
  await Promise.all(ort.map((o) => o.close()));
  lites.forEach((l) => l.forEach((x) => x.close()));
  const fmt = (v: number[]) => `mean ${mean(v).toFixed(2)} worst ${Math.min(...v).toFixed(2)}`;
  console.log(`DTLN on ${noisy.length} utterances of ${dir}: SNR vs clean, dB: noisy input ${fmt(inTask)}, onnxruntime ${fmt(ortTask)}`);
  const lat = process.env.NO_LATENCY ? undefined : await Promise.all([0, 1].map((s) => pairedLatency(
    pairs.map((p) => ({ label: p[s], tflite: new Uint8Array(fs.readFileSync(p[s])) })), latencyFeeds![s], { budgetMs: 15000, minRounds: 5, maxRounds: 40 })));
  if (lat) console.log(`  latency load ${lat[0].load} / ${lat[1].load}`);
  const bytes = (p: string[]) => fs.statSync(p[0]).size + fs.statSync(p[1]).size;
  pairs.forEach((p, j) => {
    const ms = lat ? lat[0].byLabel.get(p[0])!.ms + lat[1].byLabel.get(p[1])!.ms : 0;
    const base = lat ? lat[0].byLabel.get(pairs[0][0])!.ms + lat[1].byLabel.get(pairs[0][1])!.ms : 1;
    console.log(`  ${path.basename(p[0])} + ${path.basename(p[1])} ${bytes(p)} B (${((100 * bytes(p)) / bytes(pairs[0])).toFixed(1)}%)`
      + `${lat ? `, ${ms.toFixed(2)} ms a block (${(ms / base).toFixed(2)}x)` : ''}: waveform SNR vs onnxruntime's ${fmt(vsOrt[j])}; SNR vs clean ${fmt(task[j])}`);
  });
}
void main();
