// Task measures of scripts/check-int8-zoo.ts for the trained models judged in docs/model-sweep.md "int8 on trained
// models not tried before (s27-trained10)", decoded as each repository's own code does:
// - scrfd (InsightFace's SCRFD with keypoints, hpc203/scrfd-opencv: per stride 8 / 16 / 32 scores [1, HW·2, 1],
//   distances [1, HW·2, 4] and keypoint offsets [1, HW·2, 10] in stride units, 2 anchors a cell at (x·s, y·s));
//   score >= CONF (0.5), NMS 0.5: faces with 5 landmarks, in input px.
// - plates (RetinaFace-mobilenet plate detector, hpc203/license-plate-detect-recoginition-opencv's mnet_plate: loc
//   [N, 4], conf [N, 2] after its softmax, landms [N, 8] over priors of min sizes 24-768 at strides 8 / 16 / 32,
//   variances 0.1 / 0.2); score > CONF (0.6, its vis_thres), NMS 0.4: plates with their 4 corners, in input px.
// - yolofv2 (Yolo-FastestV2, hpc203/yolo-fastestv2-opencv: [605, 95] rows of the 22² and 11² grids, per anchor a box
//   already through its sigmoid, 3 objectness values, 80 class probabilities shared by the 3 anchors; box
//   (2v − 0.5 + g)·s, (2v)²·anchor; kept when class > 0.3, objectness > 0.3 and their product > 0.3, NMS 0.4 over
//   all classes as cv2.dnn.NMSBoxes).
// - lprnet (LPRNet, the same repository's Final_LPRNet_model: [68, 18] class scores per position): greedy CTC
//   decode (arg-max per position, repeats and the blank '-' dropped); the plate string the same as onnxruntime's,
//   and right by the file's name (`<plate>_<n>.png`).
import * as path from 'node:path';
import { nms, type Det, type Outs } from './int8-zoo-tasks';

const f32 = (m: Outs, k: string) => m.get(k)!.data as Float32Array;
const first = (m: Outs) => f32(m, [...m.keys()][0]);

/** SCRFD's decode (hpc203/scrfd-opencv main.py: distance2bbox / distance2kps). */
export function scrfdFaces(m: Outs, w: number, h: number, conf = 0.5): Det[] {
  const cands: Det[] = [];
  [8, 16, 32].forEach((s, i) => {
    const sc = f32(m, `out${i}`), bb = f32(m, `out${i + 3}`), kps = f32(m, `out${i + 6}`), gw = Math.floor(w / s);
    for (let n = 0; n < sc.length; n++) {
      if (!(sc[n] >= conf)) continue;
      const cell = Math.floor(n / 2), cx = (cell % gw) * s, cy = Math.floor(cell / gw) * s;
      const d = bb.subarray(4 * n, 4 * n + 4), k = kps.subarray(10 * n, 10 * n + 10);
      cands.push({ box: [cx - d[0] * s, cy - d[1] * s, cx + d[2] * s, cy + d[3] * s], score: sc[n], label: 0,
        kp: Array.from(k, (v, j) => (j % 2 ? cy : cx) + v * s) });
    }
  });
  return nms(cands, 0.5);
}

/** The plate detector's decode (RetinaFace priors and variances, its detect_rec). */
export function plateDets(m: Outs, w: number, h: number, conf = 0.6): Det[] {
  const loc = f32(m, 'loc'), cls = f32(m, 'conf'), lm = f32(m, 'landms');
  const priors: number[][] = [];
  [[24, 48], [96, 192], [384, 768]].forEach((sizes, k) => {
    const step = [8, 16, 32][k];
    for (let i = 0; i < Math.ceil(h / step); i++) for (let j = 0; j < Math.ceil(w / step); j++) {
      for (const s of sizes) priors.push([((j + 0.5) * step) / w, ((i + 0.5) * step) / h, s / w, s / h]);
    }
  });
  const cands: Det[] = [];
  for (let n = 0; n < priors.length; n++) {
    const score = cls[2 * n + 1];
    if (!(score > conf)) continue;
    const p = priors[n], l = loc.subarray(4 * n, 4 * n + 4);
    const cx = p[0] + l[0] * 0.1 * p[2], cy = p[1] + l[1] * 0.1 * p[3], bw = p[2] * Math.exp(l[2] * 0.2), bh = p[3] * Math.exp(l[3] * 0.2);
    const kp = Array.from({ length: 8 }, (_, j) => (p[j % 2] + lm[8 * n + j] * 0.1 * p[2 + (j % 2)]) * (j % 2 ? h : w));
    cands.push({ box: [(cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h], score, label: 0, kp });
  }
  return nms(cands, 0.4);
}

const YFV2_ANCHORS = [[[12.64, 19.39], [37.88, 51.48], [55.71, 138.31]], [[126.91, 78.23], [131.57, 214.55], [279.92, 258.87]]];

/** Yolo-FastestV2's decode (hpc203/yolo-fastestv2-opencv main.py). */
export function yoloFastestV2Dets(m: Outs, w: number, h: number, conf = 0.3): Det[] {
  const v = first(m), c = 95, cands: Det[] = [];
  let row = 0;
  [16, 32].forEach((s, i) => {
    const gw = Math.floor(w / s), n = gw * Math.floor(h / s);
    for (let r = 0; r < n; r++, row++) {
      const o = v.subarray(row * c, row * c + c);
      let label = 0;
      for (let k = 1; k < 80; k++) if (o[15 + k] > o[15 + label]) label = k;
      const cls = o[15 + label];
      for (let a = 0; a < 3; a++) {
        const obj = o[12 + a];
        if (!(cls > conf && obj > conf && cls * obj > conf)) continue;
        const cx = (o[4 * a] * 2 - 0.5 + (r % gw)) * s, cy = (o[4 * a + 1] * 2 - 0.5 + Math.floor(r / gw)) * s;
        const bw = (o[4 * a + 2] * 2) ** 2 * YFV2_ANCHORS[i][a][0], bh = (o[4 * a + 3] * 2) ** 2 * YFV2_ANCHORS[i][a][1];
        cands.push({ box: [cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], score: cls * obj, label, kp: [] });
      }
    }
  });
  return nms(cands, 0.4, true);
}

const LPR_CHARS = [...'京沪津渝冀晋蒙辽吉黑苏浙皖闽赣鲁豫鄂湘粤桂琼川贵云藏陕甘青宁新0123456789ABCDEFGHJKLMNPQRSTUVWXYZIO-'];

/** LPRNet's greedy CTC decode of its [68, 18] scores (detect_rec_img.py's lprnet.rec). */
export function lprText(m: Outs): string {
  const v = first(m), n = LPR_CHARS.length, t = v.length / n, blank = n - 1;
  const best = Array.from({ length: t }, (_, j) => {
    let b = 0;
    for (let k = 1; k < n; k++) if (v[k * t + j] > v[b * t + j]) b = k;
    return b;
  });
  const out: number[] = [];
  let pre = best[0];
  if (pre !== blank) out.push(pre);
  for (const c of best) {
    if (pre === c || c === blank) { if (c === blank) pre = c; continue; }
    out.push(c); pre = c;
  }
  return out.map((k) => LPR_CHARS[k]).join('');
}

export interface LprAcc { pics: number; sameClass: number; labelled: number; refRight: number; gotRight: number }

/** A judge of decoded text: the text read the same as onnxruntime's, and both against the file's (`<text>_<n>.png`). */
export const textJudge = (read: (m: Outs) => string) => (ref: Outs, got: Outs, file: string, a: Omit<LprAcc, 'pics'>): void => {
  const r = read(ref), g = read(got), label = path.basename(file).split('_')[0];
  if (r === g) a.sameClass++;
  a.labelled++;
  if (r === label) a.refRight++;
  if (g === label) a.gotRight++;
};

/** The plate read the same as onnxruntime's, and both against the file's plate. */
export const lprJudge = textJudge(lprText);
