// Detectors' outputs compared as sets of detections, not element by element. A detector's rows (boxes [N, 4] beside
// scores [N], labels [N], keypoints [N, K, 3], masks [N, 1, H, W], all sharing a row count N known only at run time)
// come out sorted by score; two detections whose scores differ by float rounding (a few 1e-5 after a deep float32
// pipeline) may come out in either order on two runtimes, and an element-wise comparison then compares different
// detections. Here each reference row is paired with its own row of the other side (same label, box IoU >= 0.5, the
// nearest box and score among those), and the rows are compared pair by pair; a row of either side left without a
// pair is a real mismatch (a missing or extra detection, or a box moved off its object).

/** One output of the group: its values flattened in row-major order, N rows of `values.length / N`. */
export interface DetectionOutput {
  name: string;
  ref: Float32Array;
  got: Float32Array;
}

export interface DetectionPairing {
  /** pairs[k] = [reference row, other side's row]. */
  pairs: [number, number][];
  /** Reference rows with no pair (missing on the other side). */
  missing: number[];
  /** The other side's rows with no pair (extra detections). */
  extra: number[];
}

/** Two boxes' intersection over union (x1, y1, x2, y2). */
export function boxIou(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number): number {
  const [ax1, ay1, ax2, ay2] = [a[4 * i], a[4 * i + 1], a[4 * i + 2], a[4 * i + 3]];
  const [bx1, by1, bx2, by2] = [b[4 * j], b[4 * j + 1], b[4 * j + 2], b[4 * j + 3]];
  const iw = Math.min(ax2, bx2) - Math.max(ax1, bx1);
  const ih = Math.min(ay2, by2) - Math.max(ay1, by1);
  const inter = iw > 0 && ih > 0 ? iw * ih : 0;
  const union = Math.max(0, ax2 - ax1) * Math.max(0, ay2 - ay1) + Math.max(0, bx2 - bx1) * Math.max(0, by2 - by1) - inter;
  if (union <= 0) return ax1 === bx1 && ay1 === by1 && ax2 === bx2 && ay2 === by2 ? 1 : 0;
  return inter / union;
}

/** Below this IoU two boxes are not the same detection. */
export const PAIR_MIN_IOU = 0.5;

/** Coordinates nearer than this (relative to the largest reference coordinate) are the same point. */
const SAME_COORD = 1e-4;

/** Whether a box of zero width or height (a distance regressed to 0: a line or a point) is the same as the other
 *  side's, every coordinate within SAME_COORD · `scale`: IoU cannot tell (0 / 0, or 0 when float rounding gives one
 *  side a sliver of area). */
function sameFlatBox(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, scale: number): boolean {
  const flat = (x: ArrayLike<number>, k: number) => x[4 * k + 2] - x[4 * k] <= SAME_COORD * scale || x[4 * k + 3] - x[4 * k + 1] <= SAME_COORD * scale;
  if (!flat(a, i) && !flat(b, j)) return false;
  for (let k = 0; k < 4; k++) if (!(Math.abs(a[4 * i + k] - b[4 * j + k]) <= SAME_COORD * scale)) return false;
  return true;
}

/**
 * Pairs reference detections with the other side's, greedily in reference order (detectors sort by score): a
 * candidate has the same label (when labels are given) and box IoU >= PAIR_MIN_IOU (or, for a box of zero width or
 * height, the same corners within 1e-4: `sameFlatBox`); among candidates, the one whose
 * box (relative to the largest reference coordinate) and score (relative to the largest reference score) are nearest.
 */
export function pairDetections(
  ref: { boxes: ArrayLike<number>; scores?: ArrayLike<number>; labels?: ArrayLike<number> },
  got: { boxes: ArrayLike<number>; scores?: ArrayLike<number>; labels?: ArrayLike<number> },
): DetectionPairing {
  const n = ref.boxes.length / 4;
  const m = got.boxes.length / 4;
  let maxB = 1e-12;
  for (let i = 0; i < ref.boxes.length; i++) maxB = Math.max(maxB, Math.abs(ref.boxes[i]));
  let maxS = 1e-12;
  if (ref.scores) for (let i = 0; i < ref.scores.length; i++) maxS = Math.max(maxS, Math.abs(ref.scores[i]));
  const used = new Uint8Array(m);
  const pairs: [number, number][] = [];
  const missing: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = -1;
    let bestCost = Infinity;
    for (let j = 0; j < m; j++) {
      if (used[j]) continue;
      if (ref.labels && got.labels && ref.labels[i] !== got.labels[j]) continue;
      if (boxIou(ref.boxes, i, got.boxes, j) < PAIR_MIN_IOU && !sameFlatBox(ref.boxes, i, got.boxes, j, maxB)) continue;
      let cost = 0;
      for (let k = 0; k < 4; k++) cost = Math.max(cost, Math.abs(ref.boxes[4 * i + k] - got.boxes[4 * j + k]) / maxB);
      if (ref.scores && got.scores) cost += Math.abs(ref.scores[i] - got.scores[j]) / maxS;
      if (cost < bestCost) { bestCost = cost; best = j; }
    }
    if (best < 0) missing.push(i);
    else { used[best] = 1; pairs.push([i, best]); }
  }
  const extra: number[] = [];
  for (let j = 0; j < m; j++) if (!used[j]) extra.push(j);
  return { pairs, missing, extra };
}

/** The group's outputs with the other side's rows put in the reference's order (rows without a pair are left out). */
export function pairedRows(outputs: DetectionOutput[], refRows: number, gotRows: number, pairing: DetectionPairing): DetectionOutput[] {
  return outputs.map((o) => {
    const w = refRows > 0 ? o.ref.length / refRows : gotRows > 0 ? o.got.length / gotRows : 0;
    const ref = new Float32Array(pairing.pairs.length * w);
    const got = new Float32Array(pairing.pairs.length * w);
    pairing.pairs.forEach(([i, j], k) => {
      ref.set(o.ref.subarray(i * w, (i + 1) * w), k * w);
      got.set(o.got.subarray(j * w, (j + 1) * w), k * w);
    });
    return { name: o.name, ref, got };
  });
}

/** An output's description for finding the detection group. */
export interface OutputShape {
  /** Reference dims (onnxruntime). */
  refDims: readonly number[];
  /** The other side's dims. */
  gotDims: readonly number[];
  /** The first dimension is a row count known only at run time (shape_signature -1). */
  runtimeRows: boolean;
  /** Holds floating-point values (boxes, scores), not integers (labels). */
  float: boolean;
}

/**
 * Finds the outputs to compare as detection sets: a float [N, 4] output whose first dimension is a run-time row count
 * (the boxes) and every other run-time-row output with as many rows on each side. Returns the boxes' index first,
 * then the others', or undefined when the model has no such outputs.
 */
export function detectionGroup(outputs: readonly OutputShape[]): { boxes: number; members: number[] } | undefined {
  const boxes = outputs.findIndex((o) => o.runtimeRows && o.float && o.refDims.length === 2 && o.refDims[1] === 4 && o.gotDims.length === 2 && o.gotDims[1] === 4);
  if (boxes < 0) return undefined;
  const b = outputs[boxes]!;
  const members = [boxes];
  outputs.forEach((o, k) => {
    if (k !== boxes && o.runtimeRows && o.refDims[0] === b.refDims[0] && o.gotDims[0] === b.gotDims[0]
      && o.refDims.slice(1).join() === o.gotDims.slice(1).join()) members.push(k);
  });
  return { boxes, members };
}

/** In a group, the score output (float, one value per row) and the label output (integers, one per row), if any. */
export function scoreAndLabel(outputs: readonly OutputShape[], members: number[]): { scores?: number; labels?: number } {
  const perRow = members.filter((k) => outputs[k]!.refDims.length === 1);
  return { scores: perRow.find((k) => outputs[k]!.float), labels: perRow.find((k) => !outputs[k]!.float) };
}

/**
 * Per-detection head outputs (keypoints, masks) depend on their box through steps, not smoothly: Keypoint R-CNN
 * resizes each heatmap to ceil(box size) and takes its arg max, Mask R-CNN pastes each mask at the integer part of
 * its box. A box a few 1e-3 px apart on two runtimes (float rounding, amplified by the detector) whose size or
 * corner lies at such a step gives that detection another grid: its keypoints may land on another near-equal peak,
 * its mask one pixel over. Those rows are told apart here (paired-row indices whose error, relative to the output's
 * largest reference value, exceeds `bar` in any head output); the caller tolerates a few (HEAD_ROWS_OFF_SHARE).
 */
export function headRowsOff(paired: DetectionOutput[], head: boolean[], rows: number, bar: number): Set<number> {
  const off = new Set<number>();
  paired.forEach((o, k) => {
    if (!head[k] || rows === 0) return;
    const w = o.ref.length / rows;
    let max = 0;
    for (let i = 0; i < o.ref.length; i++) max = Math.max(max, Math.abs(o.ref[i]));
    for (let r = 0; r < rows; r++) {
      for (let i = r * w; i < (r + 1) * w; i++) {
        const d = Math.abs(o.ref[i] - o.got[i]);
        if (!(d <= bar * max)) { off.add(r); break; }
      }
    }
  });
  return off;
}

/** The share of paired detections whose head outputs may be off (see headRowsOff): 2%, rounded down. */
export const HEAD_ROWS_OFF_SHARE = 0.02;

/** `o` without the paired rows in `drop` (of `rows`). */
export function withoutRows(o: DetectionOutput, drop: Set<number>, rows: number): DetectionOutput {
  if (drop.size === 0 || rows === 0) return o;
  const w = o.ref.length / rows;
  const keep = Array.from({ length: rows }, (_, r) => r).filter((r) => !drop.has(r));
  const ref = new Float32Array(keep.length * w);
  const got = new Float32Array(keep.length * w);
  keep.forEach((r, k) => { ref.set(o.ref.subarray(r * w, (r + 1) * w), k * w); got.set(o.got.subarray(r * w, (r + 1) * w), k * w); });
  return { name: o.name, ref, got };
}

/** Columns of an end-to-end detector's packed rows: x1, y1, x2, y2, score, label (then per-row head values). */
const PACKED_COLUMNS = 6;

/**
 * End-to-end detectors (YOLOv10's NMS-free head, ultralytics' end2end exports) write their detections as one output
 * [1, K, 6 + extra] of a fixed K, sorted by score by a TopK: x1, y1, x2, y2, score, label, then per-row values
 * (mask coefficients, keypoints). Near-equal scores come out in either order, as in detectionGroup's case. Told apart
 * by the reference's values: whole non-negative labels in column 5, and in column 4 probabilities (in [0, 1], not all
 * whole: a class-id map or an all-zero output is no detector's) that never rise down the rows.
 */
export function isPackedDetections(dims: readonly number[], ref: Float32Array): boolean {
  if (!(dims.length === 3 && dims[0] === 1) && dims.length !== 2) return false;
  const w = dims[dims.length - 1]!;
  const k = dims[dims.length - 2]!;
  if (w < PACKED_COLUMNS || k < 2 || ref.length !== k * w) return false;
  let fractional = false;
  for (let r = 0; r < k; r++) {
    const label = ref[r * w + 5]!;
    const score = ref[r * w + 4]!;
    if (!Number.isInteger(label) || label < 0 || !(score >= 0 && score <= 1)) return false;
    if (r > 0 && score > ref[(r - 1) * w + 4]!) return false;
    fractional ||= !Number.isInteger(score);
  }
  return fractional;
}

/** Packed rows of width `w` split into the boxes, scores and labels pairDetections reads. */
export function packedColumns(v: Float32Array, w: number): { boxes: Float32Array; scores: Float32Array; labels: Float32Array } {
  const k = v.length / w;
  const boxes = new Float32Array(4 * k);
  const scores = new Float32Array(k);
  const labels = new Float32Array(k);
  for (let r = 0; r < k; r++) {
    boxes.set(v.subarray(r * w, r * w + 4), 4 * r);
    scores[r] = v[r * w + 4]!;
    labels[r] = v[r * w + 5]!;
  }
  return { boxes, scores, labels };
}

/**
 * Packed detection rows (isPackedDetections) as two vectors that a cosine or an SNR compares whatever the rows' order:
 * each reference row paired with the other side's (pairDetections: same label, box IoU >= 0.5), each row written as its
 * score times its box (over the largest reference coordinate), its score, then its score times its extra values (over
 * their largest reference magnitude); a row without a pair faces zeros. Weighted by score, the rows below the detections (YOLOv10's 300 rows:
 * a handful of detections, then scores of 1e-3 and less that int8 ties and a TopK orders arbitrarily) weigh next to
 * nothing, while a detection lost, moved off its object (IoU < 0.5) or given another label costs its whole weight.
 */
export function packedSetVectors(ref: Float32Array, got: Float32Array, w: number): { ref: Float32Array; got: Float32Array } {
  const a = packedColumns(ref, w);
  const b = packedColumns(got, w);
  const pairing = pairDetections(a, b);
  let box = 1e-12;
  for (let i = 0; i < a.boxes.length; i++) box = Math.max(box, Math.abs(a.boxes[i]!));
  let extra = 1e-12;
  for (let r = 0; r < a.scores.length; r++) for (let c = PACKED_COLUMNS; c < w; c++) extra = Math.max(extra, Math.abs(ref[r * w + c]!));
  const rows = pairing.pairs.length + pairing.missing.length + pairing.extra.length;
  const outRef = new Float32Array(rows * (w - 1));
  const outGot = new Float32Array(rows * (w - 1));
  const put = (dst: Float32Array, at: number, v: Float32Array, cols: typeof a, r: number) => {
    const s = cols.scores[r]!;
    for (let k = 0; k < 4; k++) dst[at + k] = (s * cols.boxes[4 * r + k]!) / box;
    for (let c = PACKED_COLUMNS; c < w; c++) dst[at + c - 1] = (s * v[r * w + c]!) / extra;
    dst[at + 4] = s;
  };
  let at = 0;
  for (const [i, j] of pairing.pairs) { put(outRef, at, ref, a, i); put(outGot, at, got, b, j); at += w - 1; }
  for (const i of pairing.missing) { put(outRef, at, ref, a, i); at += w - 1; }
  for (const j of pairing.extra) { put(outGot, at, got, b, j); at += w - 1; }
  return { ref: outRef, got: outGot };
}
