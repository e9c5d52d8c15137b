// Trained audio models for the int8 benchmark (int8-audio.bench.ts): their inputs cut from speech (.wav at 16 kHz),
// the calibration folders a user would pass (.wav for waveform inputs, .npy features or per-sample subfolders for
// the others), and how each is run on an utterance and judged against onnxruntime.
// - front ends (openWakeWord's melspectrogram, torchaudio-style log-mel and MFCC): 1 s windows, output cosine;
// - keyword embeddings (openWakeWord's embedding_model): 76 mel frames → 96 values, output cosine;
// - wake-word heads and Silero VAD: one probability per step; per utterance the cosine of the probability
//   sequences and how many steps take the same decision at 0.5.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Tensor } from '../src/ir/types';
import { decodeWav } from '../src/calibration/wav';
import { encodeNpy } from '../src/core/npy';
import { openOnnx } from '../src/runtime/ort';

/** onnxruntime or LiteRT (`ort` marks onnxruntime, which gets inputs that LiteRT has frozen). */
export interface Runner { run(feeds: Tensor[]): Promise<Map<string, Tensor>>; ort?: boolean }

export const f32 = (name: string, dims: number[], data?: Float32Array): Tensor =>
  ({ name, dtype: 'float32', dims, data: data ?? new Float32Array(dims.reduce((a, b) => a * b, 1)) });

export function readSpeech(file: string): Float32Array {
  return decodeWav(fs.readFileSync(file), file).samples;
}

export const wavs = (dir: string): string[] => fs.readdirSync(dir).filter((f) => f.endsWith('.wav')).sort().map((f) => path.join(dir, f));

/** 1 s windows (16000 samples) every `hop` samples, the last one zero-padded. */
export function windows(x: Float32Array, n = 16000, hop = 16000): Float32Array[] {
  const out: Float32Array[] = [];
  for (let s = 0; s < x.length; s += hop) {
    const w = new Float32Array(n);
    w.set(x.subarray(s, s + n));
    out.push(w);
  }
  return out;
}

const first = async (r: Runner, feeds: Tensor[]): Promise<Tensor> => [...(await r.run(feeds)).values()][0];

/** openWakeWord's features of an utterance: mel frames ([frames, 32], scaled x / 10 + 2 as openWakeWord does). */
export async function owwMel(mel: Runner, audio: Float32Array): Promise<Float32Array[]> {
  const y = await first(mel, [f32('input', [1, audio.length], audio)]);
  const d = y.data as Float32Array;
  const frames = d.length / 32;
  return Array.from({ length: frames }, (_, t) => Float32Array.from(d.subarray(32 * t, 32 * t + 32), (v) => v / 10 + 2));
}

/** Embedding windows: 76 mel frames every 8 frames, as [1, 76, 32, 1] inputs. */
export function melWindows(frames: Float32Array[]): Tensor[] {
  const out: Tensor[] = [];
  for (let s = 0; s + 76 <= frames.length; s += 8) {
    const data = new Float32Array(76 * 32);
    for (let t = 0; t < 76; t++) data.set(frames[s + t], 32 * t);
    out.push(f32('input_1', [1, 76, 32, 1], data));
  }
  return out;
}

/** Head windows: 16 consecutive embeddings as [1, 16, 96]. */
export function embeddingWindows(emb: Float32Array[], name: string): Tensor[] {
  const out: Tensor[] = [];
  for (let s = 0; s + 16 <= emb.length; s++) {
    const data = new Float32Array(16 * 96);
    for (let t = 0; t < 16; t++) data.set(emb[s + t], 96 * t);
    out.push(f32(name, [1, 16, 96], data));
  }
  return out;
}

/** Float features of every utterance for the models downstream of the melspectrogram: embedding inputs and
 *  head inputs (the float embedding model in onnxruntime on the float mel frames). */
export async function owwFeatures(melFile: string, embFile: string, files: string[], headInput: string): Promise<{ emb: Tensor[][]; head: Tensor[][] }> {
  const mel = await openOnnx(melFile);
  const embed = await openOnnx(embFile);
  try {
    const emb: Tensor[][] = [];
    const head: Tensor[][] = [];
    for (const f of files) {
      const w = melWindows(await owwMel(mel, readSpeech(f)));
      emb.push(w);
      const vecs: Float32Array[] = [];
      for (const x of w) vecs.push(Float32Array.from((await first(embed, [x])).data as Float32Array));
      head.push(embeddingWindows(vecs, headInput));
    }
    return { emb, head };
  } finally {
    await mel.close();
    await embed.close();
  }
}

/** `count` samples spread evenly over all of them, in an order whose first few (the accuracy guard's) are
 *  already spread over the whole set (not the silence at the start of the first utterance). */
export function spread<T>(all: T[], count: number): T[] {
  const picked = all.length <= count ? all : Array.from({ length: count }, (_, i) => all[Math.floor((i * all.length) / count)]);
  const n = picked.length;
  const step = [7, 5, 3, 11, 13].find((s) => n % s !== 0 && s < n) ?? 1;
  return Array.from({ length: n }, (_, i) => picked[(i * step) % n]);
}

/** A calibration folder as a user would make it: one .npy per sample (single input) or one subfolder per sample
 *  with an .npy per input named after it. */
export function writeCalibration(dir: string, samples: Tensor[][]): string {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  samples.forEach((s, i) => {
    const id = String(i).padStart(3, '0');
    if (s.length === 1) { fs.writeFileSync(path.join(dir, `${id}.npy`), encodeNpy(s[0])); return; }
    fs.mkdirSync(path.join(dir, id));
    for (const t of s) fs.writeFileSync(path.join(dir, id, `${t.name}.npy`), encodeNpy(t));
  });
  return dir;
}

// ---- Silero VAD: 512-sample chunks at 16 kHz (v5 and later: 64 samples of the previous chunk before each) with
// the recurrent state carried from chunk to chunk; `sr` frozen at 16000 by --input-value.
export interface SileroSpec { states: string[]; stateDims: number[]; context: number }

export function sileroSpec(inputs: string[]): SileroSpec {
  const states = inputs.filter((n) => n !== 'input' && n !== 'sr');
  return { states, stateDims: states.includes('state') ? [2, 1, 128] : [2, 1, 64], context: states.includes('state') ? 64 : 0 };
}

/** Speech probabilities of an utterance, chunk by chunk; `onStep` sees each chunk's inputs (for calibration). */
export async function sileroProbs(r: Runner, spec: SileroSpec, audio: Float32Array, onStep?: (feeds: Tensor[]) => void): Promise<number[]> {
  let state = spec.states.map((n) => f32(n, spec.stateDims));
  const width = 512 + spec.context;
  const probs: number[] = [];
  for (let start = 0; start + 512 <= audio.length; start += 512) {
    const x = f32('input', [1, width], Float32Array.from({ length: width }, (_, i) => audio[start - spec.context + i] ?? 0));
    const feeds = [x, ...state];
    onStep?.(feeds);
    const out = [...(await r.run(feeds)).values()];
    probs.push((out[0].data as Float32Array)[0]);
    state = out.slice(1).map((t, i) => ({ ...t, name: spec.states[i], data: Float32Array.from(t.data as Float32Array) }));
  }
  return probs;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  if (na === 0 || nb === 0) return na === nb ? 1 : 0;
  return dot / Math.sqrt(na * nb);
}

/** Steps on the same side of 0.5 (speech / keyword or not). */
export function agreement(a: number[], b: number[]): { same: number; total: number } {
  let same = 0;
  for (let i = 0; i < a.length; i++) if ((a[i] >= 0.5) === (b[i] >= 0.5)) same++;
  return { same, total: a.length };
}
