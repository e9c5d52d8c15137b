// Wake-word heads from npm (openWakeWord's and the packages built on it) on speech: the float features of each
// utterance (melspectrogram → embedding_model on onnxruntime), cut into windows of each head's own length
// ([1, N, 96]); the head on onnxruntime against its .tflite files on LiteRT: max|diff| / max|ref| over all windows,
// each utterance's score-sequence cosine (worst), the windows with the same decision at 0.5 (multi-class heads: the
// same arg max). The melspectrogram (in chunks of its converted length) and the embedding model run on LiteRT too.
// --calib DIR writes every third window of each head as .npy (an int8 --calibration folder) and the highest-scoring
// window as probe-HEAD/ (for onnx2lite compare). Model sizes, docs/model-sweep.md (tenth sweep).
// usage: node --import tsx scripts/check-wake-heads.ts MEL.onnx MEL.tflite EMB.onnx EMB.tflite WAVDIR [--calib DIR]
//          HEAD.onnx:HEAD.tflite[:HEAD_int8.tflite] ...
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Tensor } from '../src/ir/types';
import { openOnnx } from '../src/runtime/ort';
import { openConverted } from '../src/runtime/tflite-onnx-io';
import { readModelFile } from '../src/onnx/reader';
import { owwMel, melWindows, readSpeech, wavs, f32, cosine, writeCalibration } from '../bench/audio-tasks';

const a = process.argv.slice(2);
const [melOnnx, melTfl, embOnnx, embTfl, wavDir] = a.splice(0, 5);
let calibOut = '';
if (a[0] === '--calib') { a.shift(); calibOut = a.shift()!; }
const rel = (x: Float32Array, y: Float32Array) => { let d = 0, m = 0; for (let i = 0; i < x.length; i++) { d = Math.max(d, Math.abs(x[i] - y[i])); m = Math.max(m, Math.abs(y[i])); } return { d, m }; };
const first = async (r: { run(f: Tensor[]): Promise<Map<string, Tensor>> }, f: Tensor[]) => [...(await r.run(f)).values()][0].data as Float32Array;

async function main() {
  const files = wavs(wavDir);
  const mel = await openOnnx(melOnnx), melL = await openConverted(fs.readFileSync(melTfl));
  const emb = await openOnnx(embOnnx), embL = await openConverted(fs.readFileSync(embTfl));
  let md = 0, mm = 0, ed = 0, em = 0, ecos = 1;
  const embs: Float32Array[][] = [];
  for (const f of files) {
    const x = readSpeech(f);
    const len = Number(process.env.MEL_CHUNK ?? 1280); // the length the melspectrogram was converted at
    for (let s0 = 0; s0 + len <= x.length; s0 += len) {
      const c = x.slice(s0, s0 + len);
      const a1 = Float32Array.from(await first(mel, [f32('input', [1, len], c)]));
      const b1 = await first(melL, [f32('input', [1, len], c)]);
      const r = rel(b1, a1); md = Math.max(md, r.d); mm = Math.max(mm, r.m);
    }
    const w = melWindows(await owwMel(mel, x));
    const vecs: Float32Array[] = [];
    for (const t of w) {
      const e1 = Float32Array.from(await first(emb, [t]));
      const e2 = await first(embL, [t]);
      const r = rel(e2, e1); ed = Math.max(ed, r.d); em = Math.max(em, r.m); ecos = Math.min(ecos, cosine(e1, e2));
      vecs.push(e1);
    }
    embs.push(vecs);
  }
  console.log(`mel on speech: ${mm ? (md / mm).toExponential(2) : 'n/a (fixed length)'}; embedding: max rel ${(ed / em).toExponential(2)}, worst cosine ${ecos.toFixed(6)} (${files.length} utterances)`);
  for (const spec of a) {
    const [ho, ...tfls] = spec.split(':');
    const m = readModelFile(ho);
    const inName = m.graph.inputs[0].name;
    const n = m.graph.inputs[0].shape![1] as number;
    const head = await openOnnx(ho);
    const lites = await Promise.all(tfls.map(async (t) => openConverted(fs.readFileSync(t))));
    const stats = tfls.map(() => ({ d: 0, m: 0, cos: 1, same: 0, total: 0 }));
    const samples: Tensor[][] = [];
    let hits = 0;
    let best: Tensor | undefined; let bestScore = -Infinity;
    for (const vecs of embs) {
      const ref: number[] = []; const got: number[][] = tfls.map(() => []);
      for (let s = 0; s + n <= vecs.length; s++) {
        const data = new Float32Array(n * 96);
        for (let t = 0; t < n; t++) data.set(vecs[s + t], 96 * t);
        const x = f32(inName, [1, n, 96], data);
        samples.push([x]);
        const r = await first(head, [x]);
        const k = r.length > 1 ? r.indexOf(Math.max(...r)) : -1; // multi-class: arg max
        ref.push(r.length > 1 ? k : r[0]);
        if (r.length === 1 && r[0] > bestScore) { bestScore = r[0]; best = x; }
        for (let j = 0; j < lites.length; j++) {
          const g = await first(lites[j], [x]);
          const q = rel(g, r); stats[j].d = Math.max(stats[j].d, q.d); stats[j].m = Math.max(stats[j].m, q.m);
          got[j].push(r.length > 1 ? g.indexOf(Math.max(...g)) : g[0]);
        }
      }
      if (ref.some((v) => (v >= 0.5))) hits++;
      for (let j = 0; j < lites.length; j++) {
        if (ref.length) stats[j].cos = Math.min(stats[j].cos, cosine(ref, got[j]) || (ref.every((v) => v === 0) ? 1 : 0));
        for (let i = 0; i < ref.length; i++) { stats[j].total++; if (m.graph.outputs[0].shape?.[1] !== 1 ? ref[i] === got[j][i] : (ref[i] >= 0.5) === (got[j][i] >= 0.5)) stats[j].same++; }
      }
    }
    if (calibOut && best) writeCalibration(path.join(calibOut, 'probe-' + path.basename(ho, '.onnx')), [[best]]);
    if (calibOut) writeCalibration(path.join(calibOut, path.basename(ho, '.onnx')), samples.filter((_, i) => i % 3 === 0));
    const sz = tfls.map((t) => fs.statSync(t).size);
    console.log(`${path.basename(ho)} [1,${n},96]: utterances with a score >= 0.5 on ORT ${hits}/${embs.length}; ` + tfls.map((t, j) =>
      `${path.basename(t)} ${sz[j]} B: max rel ${(stats[j].d / stats[j].m).toExponential(2)}, worst utterance cosine ${stats[j].cos.toFixed(5)}, same decision ${stats[j].same}/${stats[j].total}`).join('; '));
    await head.close(); lites.forEach((l) => l.close());
  }
  await mel.close(); await emb.close(); melL.close(); embL.close();
}
void main();
