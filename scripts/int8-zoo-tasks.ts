// Task measures of scripts/check-int8-zoo.ts for the trained models of public repositories judged in
// docs/model-sweep.md "int8 on trained models from GitHub repositories (trained4)": each decodes the raw outputs as the
// repository's own post-processing does, so that a .tflite is judged by what the model is used for.
// - yunet (YuNet face detector, libfacedetection: loc [N, 14], conf [N, 2], iou [N, 1] over priors of min sizes
//   10-256 at strides 8-64; score sqrt(conf · iou) > 0.6, NMS 0.3): faces with 5 landmarks, in input px.
// - fastestdet (dog-qiuqiu/FastestDet: [1, 85, H, W] = objectness, tanh / sigmoid box, 80 class probabilities;
//   score obj^0.6 · cls^0.4 > 0.65, NMS 0.45).
// - yolox (YOLOX / its 1-class person detector: [1, N, 5 + C] over grids of strides 8 / 16 / 32; box (x + gx) · s,
//   exp(w) · s; score obj · cls > CONF (0.3), class-aware NMS 0.45).
// - psnr (low-light enhancement, image-to-image): PSNR of the picture in 0-255 (output × 255, clipped, as the
//   repository writes it) against onnxruntime's; CHANNELS=a:b reads the last axis' channels a..b-1 (AGLLNet's 4:7).
// - segment (per-pixel classes on the last axis, [1, H, W, C]): the pixels whose arg-max class is onnxruntime's, and
//   the IoU of each class present on either side, averaged.
// - edges (LDC edge detection, Kazuhito00/LDC-ONNX-Sample: five [1, 1, H, W] edge logits, the last one the fused map;
//   the repository shows sigmoid(map)): PSNR of sigmoid(fused) × 255 against onnxruntime's, and the IoU of the edge
//   pixels (sigmoid > 0.5).
// - xfeat (XFeat, Kazuhito00/XFeat-Image-Matching-ONNX-Sample: descriptors [1, 64, H/8, W/8], keypoint logits
//   [1, 65, H/8, W/8], reliability [1, 1, H/8, W/8]): keypoints as its xfeat_onnx.py finds them (softmax over 65,
//   64 bins unfolded to 8×8 px, 5×5 max-filter peaks over 0.05), onnxruntime's found within 1 px, and the cosine of
//   the L2-normalized descriptors per cell.
import type { Tensor } from '../src/ir/types';

export type Outs = Map<string, Tensor>;
export interface Det { box: number[]; score: number; label: number; kp: number[] }

const f32 = (m: Outs, k: string) => m.get(k)!.data as Float32Array;
const first = (m: Outs) => f32(m, [...m.keys()][0]);
const sig = (x: number) => 1 / (1 + Math.exp(-x));

export function boxIou(a: number[], b: number[]): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0])), h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const i = w * h, u = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - i;
  return u > 0 ? i / u : 0;
}

/** Greedy NMS by score, within a label (across labels when `agnostic`, as cv2.dnn.NMSBoxes). */
export function nms(cands: Det[], thr: number, agnostic = false): Det[] {
  cands.sort((a, b) => b.score - a.score);
  const out: Det[] = [];
  for (const c of cands) if (out.every((o) => (!agnostic && o.label !== c.label) || boxIou(o.box, c.box) <= thr)) out.push(c);
  return out;
}

/** YuNet's decode (its yunet.py: priors, variances 0.1 / 0.2, score sqrt(cls · iou) with iou clipped to [0, 1]). */
export function yunetFaces(m: Outs, w: number, h: number, conf = 0.6): Det[] {
  const loc = f32(m, 'loc'), cls = f32(m, 'conf'), iouS = f32(m, 'iou');
  const minSizes = [[10, 16, 24], [32, 48], [64, 96], [128, 192, 256]], steps = [8, 16, 32, 64];
  let fh = Math.floor(Math.floor((h + 1) / 2) / 2), fw = Math.floor(Math.floor((w + 1) / 2) / 2);
  const priors: number[][] = [];
  for (let k = 0; k < 4; k++) {
    fh = Math.floor(fh / 2); fw = Math.floor(fw / 2);
    for (let i = 0; i < fh; i++) for (let j = 0; j < fw; j++) for (const s of minSizes[k]) priors.push([(j + 0.5) * steps[k] / w, (i + 0.5) * steps[k] / h, s / w, s / h]);
  }
  const cands: Det[] = [];
  for (let n = 0; n < priors.length; n++) {
    const score = Math.sqrt(cls[2 * n + 1] * Math.min(1, Math.max(0, iouS[n])));
    if (!(score > conf)) continue;
    const p = priors[n], l = loc.subarray(14 * n, 14 * n + 14);
    const cx = (p[0] + l[0] * 0.1 * p[2]) * w, cy = (p[1] + l[1] * 0.1 * p[3]) * h;
    const bw = p[2] * Math.exp(l[2] * 0.2) * w, bh = p[3] * Math.exp(l[3] * 0.2) * h;
    const kp = Array.from({ length: 10 }, (_, j) => (p[j % 2] + l[4 + j] * 0.1 * p[2 + (j % 2)]) * (j % 2 ? h : w));
    cands.push({ box: [cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], score, label: 0, kp });
  }
  return nms(cands, 0.3);
}

/** FastestDet's decode (its example/onnx-runtime/runtime.py). */
export function fastestDets(m: Outs, w: number, h: number, conf = 0.65): Det[] {
  const v = first(m), t = (x: number) => Math.tanh(x);
  const c = 85, plane = v.length / c, gw = Math.round(Math.sqrt(plane)), gh = plane / gw;
  const cands: Det[] = [];
  for (let y = 0; y < gh; y++) for (let x = 0; x < gw; x++) {
    const at = (k: number) => v[k * plane + y * gw + x];
    let label = 0;
    for (let k = 1; k < 80; k++) if (at(5 + k) > at(5 + label)) label = k;
    const score = Math.max(0, at(0)) ** 0.6 * Math.max(0, at(5 + label)) ** 0.4;
    if (!(score > conf)) continue;
    const cx = (x + t(at(1))) / gw, cy = (y + t(at(2))) / gh, bw = sig(at(3)), bh = sig(at(4));
    cands.push({ box: [(cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h], score, label, kp: [] });
  }
  return nms(cands, 0.45);
}

/** YOLOX's decode (grids of strides 8 / 16 / 32 over the input; the repository's yolox.py). */
export function yoloxDets(m: Outs, w: number, h: number, conf = 0.3): Det[] {
  const v = first(m);
  const grid: number[][] = [];
  for (const s of [8, 16, 32]) for (let y = 0; y < Math.floor(h / s); y++) for (let x = 0; x < Math.floor(w / s); x++) grid.push([x, y, s]);
  const c = v.length / grid.length, cands: Det[] = [];
  for (let n = 0; n < grid.length; n++) {
    const r = v.subarray(c * n, c * n + c);
    let label = 0;
    for (let k = 1; k < c - 5; k++) if (r[5 + k] > r[5 + label]) label = k;
    const score = r[4] * r[5 + label];
    if (!(score > conf)) continue;
    const [gx, gy, s] = grid[n], cx = (r[0] + gx) * s, cy = (r[1] + gy) * s, bw = Math.exp(r[2]) * s, bh = Math.exp(r[3]) * s;
    cands.push({ box: [cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], score, label, kp: [] });
  }
  return nms(cands, 0.45);
}

export interface DetAcc { refs: number; gots: number; matched: number; ious: number[]; drift: number[]; kp: number[] }

/** onnxruntime's detections paired with the .tflite's (same label, IoU >= 0.5, best first). */
export function pairDets(ref: Det[], got: Det[], a: DetAcc): void {
  a.refs += ref.length; a.gots += got.length;
  const free = [...got];
  for (const r of ref) {
    let best = -1, bestIou = 0.5;
    free.forEach((g, i) => { const v = g.label === r.label ? boxIou(g.box, r.box) : 0; if (v >= bestIou) { best = i; bestIou = v; } });
    if (best < 0) continue;
    const g = free.splice(best, 1)[0];
    a.matched++; a.ious.push(bestIou); a.drift.push(Math.abs(g.score - r.score));
    for (let j = 0; j + 1 < r.kp.length; j += 2) a.kp.push(Math.hypot(g.kp[j] - r.kp[j], g.kp[j + 1] - r.kp[j + 1]));
  }
}

/** PSNR (dB) of the two pictures in 0-255 (output × scale, clipped as written); channels [lo, hi) of the last axis when given. */
export function psnr(ref: Outs, got: Outs, lo = 0, hi = 0, scale = 255): number {
  const k = [...ref.keys()][0], r = f32(ref, k), g = f32(got, k), dims = ref.get(k)!.dims, c = dims[dims.length - 1];
  const px = (x: number) => Math.min(255, Math.max(0, x * scale));
  let se = 0, n = 0;
  for (let i = 0; i < r.length; i++) {
    if (hi > lo && ((i % c) < lo || (i % c) >= hi)) continue;
    const d = px(r[i]) - px(g[i]);
    se += d * d; n++;
  }
  return se ? 10 * Math.log10((255 * 255) / (se / n)) : 99;
}

/** Per-pixel classes on the last axis: [pixels with onnxruntime's class, mean IoU over the classes present]. */
export function segmentAgreement(ref: Outs, got: Outs): [number, number] {
  const k = [...ref.keys()][0], r = f32(ref, k), g = f32(got, k), dims = ref.get(k)!.dims, c = dims[dims.length - 1];
  const inter = new Float64Array(c), union = new Float64Array(c);
  let same = 0;
  for (let p = 0; p < r.length / c; p++) {
    let a = 0, b = 0;
    for (let j = 1; j < c; j++) { if (r[p * c + j] > r[p * c + a]) a = j; if (g[p * c + j] > g[p * c + b]) b = j; }
    if (a === b) { same++; inter[a]++; union[a]++; } else { union[a]++; union[b]++; }
  }
  const present = [...union.keys()].filter((j) => union[j] > 0);
  return [same / (r.length / c), present.reduce((s, j) => s + inter[j] / union[j], 0) / present.length];
}

/** LDC's fused edge map (the last output): [PSNR of sigmoid × 255 in dB, IoU of the pixels over 0.5]. */
export function edgeAgreement(ref: Outs, got: Outs): [number, number] {
  const k = [...ref.keys()].at(-1)!, r = f32(ref, k), g = f32(got, k);
  let se = 0, inter = 0, union = 0;
  for (let i = 0; i < r.length; i++) {
    const a = sig(r[i]), b = sig(g[i]);
    se += (255 * (a - b)) ** 2;
    if (a > 0.5 && b > 0.5) inter++;
    if (a > 0.5 || b > 0.5) union++;
  }
  return [se ? 10 * Math.log10((255 * 255) / (se / r.length)) : 99, union ? inter / union : 1];
}

/** XFeat's keypoints (input px) as xfeat_onnx.py finds them: softmax over the 65 logits of each cell, the first 64
 *  unfolded to its 8×8 pixels, peaks of a 5×5 max filter over 0.05. */
export function xfeatKeypoints(m: Outs): number[][] {
  const key = [...m.keys()].find((k) => m.get(k)!.dims[1] === 65)!, v = f32(m, key), [, c, h, w] = m.get(key)!.dims;
  const H = h * 8, W = w * 8, heat = new Float32Array(H * W);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let mx = -Infinity, z = 0;
    for (let j = 0; j < c; j++) mx = Math.max(mx, v[(j * h + y) * w + x]);
    for (let j = 0; j < c; j++) z += Math.exp(v[(j * h + y) * w + x] - mx);
    for (let j = 0; j < 64; j++) heat[(y * 8 + (j >> 3)) * W + x * 8 + (j & 7)] = Math.exp(v[(j * h + y) * w + x] - mx) / z;
  }
  const out: number[][] = [];
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const s = heat[y * W + x];
    if (s <= 0.05) continue;
    let peak = true;
    for (let dy = -2; dy <= 2 && peak; dy++) for (let dx = -2; dx <= 2; dx++) {
      const yy = y + dy, xx = x + dx;
      if (yy >= 0 && yy < H && xx >= 0 && xx < W && heat[yy * W + xx] > s) { peak = false; break; }
    }
    if (peak) out.push([x, y]);
  }
  return out;
}

/** XFeat: [onnxruntime's keypoints, those with one within 1 px here, this file's keypoints, mean descriptor cosine]. */
export function xfeatAgreement(ref: Outs, got: Outs): [number, number, number, number] {
  const kr = xfeatKeypoints(ref), kg = xfeatKeypoints(got);
  const near = new Set(kg.map(([x, y]) => `${x},${y}`));
  const found = kr.filter(([x, y]) => [-1, 0, 1].some((dy) => [-1, 0, 1].some((dx) => near.has(`${x + dx},${y + dy}`)))).length;
  const key = [...ref.keys()].find((k) => ref.get(k)!.dims[1] === 64)!, a = f32(ref, key), b = f32(got, key), [, c, h, w] = ref.get(key)!.dims;
  let cos = 0;
  for (let p = 0; p < h * w; p++) {
    let ab = 0, aa = 0, bb = 0;
    for (let j = 0; j < c; j++) { const x = a[j * h * w + p], y = b[j * h * w + p]; ab += x * y; aa += x * x; bb += y * y; }
    cos += ab / Math.sqrt(aa * bb || 1);
  }
  return [kr.length, found, kg.length, cos / (h * w)];
}
