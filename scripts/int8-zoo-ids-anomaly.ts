// Task measures of scripts/check-int8-zoo.ts for the trained models of docs/model-sweep.md "int8 on trained models not
// tried before (s25-trained8)", decoded as each repository's own code does:
// - ids (a classifier whose first output is the class id itself, after the graph's own ArgMax, maybe -1 under a
//   score threshold: PINTO0309/hand-gesture-recognition-using-onnx's keypoint / point-history classifiers): the same id
//   as onnxruntime, and both against the label of the file name (`NNNN_L.npy`, scripts/export/trained8-samples.py).
// - anomaly (a one-class anomaly detector's feature extractor: PINTO0309/Keras-OneClassAnomalyDetection's MobileNetV2
//   features, [1280]): pictures named r_* are the references (the LOF's training set, each runtime computing its
//   own: a deployed detector is fitted on its own features), n_* normal and a_* anomalous evaluation pictures. Score:
//   the mean distance to the 5 nearest references of the features scaled to unit length (a k-NN stand-in for
//   main_tflite.py's LocalOutlierFactor(n_neighbors=5) over min-max scaled features: with 25 references min-max
//   scaling divides by near-zero ranges and ±1 grey level of input noise turned 23 of 100 verdicts). Reported: each runtime's AUROC of normal
//   against anomalous, the scores' rank correlation with onnxruntime's (Spearman), and the verdicts the same as
//   onnxruntime's at onnxruntime's threshold (midway between its normal and anomalous medians) applied to both.
import type { Outs } from './int8-zoo-tasks';

interface IdsAcc { sameClass: number; labelled: number; refRight: number; gotRight: number }

/** The first output's first value as a number (int64 ids come as bigint). */
export function classId(m: Outs): number {
  return Number((m.get([...m.keys()][0])!.data as ArrayLike<number | bigint>)[0]);
}

export function idsJudge(ref: Outs, got: Outs, file: string, a: IdsAcc): void {
  const r = classId(ref), g = classId(got);
  if (r === g) a.sameClass++;
  const label = /^\d+_(\d+)\./.exec(file)?.[1];
  if (label === undefined) return;
  a.labelled++;
  if (r === Number(label)) a.refRight++;
  if (g === Number(label)) a.gotRight++;
}

/** Mean distance to the k nearest references, features scaled to unit length. */
function knnScores(refs: Float32Array[], xs: Float32Array[], k = 5): number[] {
  const unit = (v: Float32Array) => { const n = Math.hypot(...v) || 1; return Float64Array.from(v, (x) => x / n); };
  const rs = refs.map(unit);
  return xs.map((x) => {
    const s = unit(x);
    const d = rs.map((r) => Math.sqrt(r.reduce((t, v, j) => t + (v - s[j]) ** 2, 0))).sort((p, q) => p - q);
    return d.slice(0, k).reduce((t, v) => t + v, 0) / k;
  });
}

const median = (v: number[]) => { const s = [...v].sort((p, q) => p - q); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

function auroc(normal: number[], anomalous: number[]): number {
  let wins = 0;
  for (const a of anomalous) for (const n of normal) wins += a > n ? 1 : a === n ? 0.5 : 0;
  return wins / Math.max(1, normal.length * anomalous.length);
}

function ranks(v: number[]): number[] {
  const order = v.map((x, i) => [x, i]).sort((p, q) => p[0] - q[0]);
  const r = new Array<number>(v.length);
  order.forEach(([, i], k) => { r[i] = k; });
  return r;
}

function spearman(x: number[], y: number[]): number {
  const rx = ranks(x), ry = ranks(y), n = x.length;
  return 1 - (6 * rx.reduce((t, v, i) => t + (v - ry[i]) ** 2, 0)) / (n * (n * n - 1));
}

export function anomalyText(names: string[], embRef: Float32Array[], embGot: Float32Array[]): string {
  const pick = (e: Float32Array[], p: string) => e.filter((_, i) => names[i].startsWith(p));
  const score = (e: Float32Array[]) => {
    const xs = [...pick(e, 'n_'), ...pick(e, 'a_')];
    return knnScores(pick(e, 'r_'), xs);
  };
  const nn = pick(embRef, 'n_').length;
  const sr = score(embRef), sg = score(embGot);
  const t = (median(sr.slice(0, nn)) + median(sr.slice(nn))) / 2;
  const same = sr.filter((v, i) => v > t === sg[i] > t).length;
  const f = (v: number) => v.toFixed(4);
  return `anomaly score (5-NN over ${pick(embRef, 'r_').length} references) AUROC ${nn} normal / ${sr.length - nn} anomalous: `
    + `ORT ${f(auroc(sr.slice(0, nn), sr.slice(nn)))}, this ${f(auroc(sg.slice(0, nn), sg.slice(nn)))}; Spearman with ORT's scores ${f(spearman(sr, sg))}; `
    + `verdict at ORT's threshold ${t.toFixed(3)} the same ${same} / ${sr.length}; score error mean ${f(sr.reduce((s, v, i) => s + Math.abs(v - sg[i]), 0) / sr.length)}`;
}
