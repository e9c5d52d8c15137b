// Per-row class scores ([.., N, C]: a class distribution per anchor / prior, rows summing to 1, the class axis last;
// an SSD-style detector's softmax scores) judged on the rows that matter. Nearly every row of such a table is
// background near (1, 0, ..): the whole output's cosine is the background's and stays over 0.999 while the few
// foreground rows lose their score. Ultra-Light-Fast-Generic-Face-Detector's int8 (scores [1, 17640, 2], RFB-640)
// read output cosine 0.9999 on its 4 guard scenes (which hold 30 face rows) and kept 684 of 889 faces on 30 photos;
// judged on the rows whose non-background score reaches FG_SCORE in the reference or the candidate, with the rows'
// mean per class removed (the foreground rows share most of their mass), the same model reads 0.982 on the same scenes
// (slim-320 0.978, masked-face v2 0.934), and float16 / dynamic files 0.999-1.0000.
// The background class is the one that wins most rows over the samples (no class index is assumed). Tables of more
// than MAX_CLASSES classes are left to the cosine (CTC vocabularies: sequence-guard.ts judges their decode).

/** A row's non-background score from which the row is judged (both sides: a row int8 lights wrongly counts too). */
export const FG_SCORE = 0.3;
/** Class axes wider than this are not judged as score tables. */
export const MAX_CLASSES = 100;
/** A row sums to 1 within this. */
const SUM_TOLERANCE = 1e-2;

/** Whether values with `dims` are a table of per-row class distributions: at least 2 rows of 2..MAX_CLASSES values in
 *  [0, 1] summing to 1. */
export function isScoreTable(dims: number[], data: Float32Array): boolean {
  const c = dims[dims.length - 1] ?? 0;
  if (dims.length < 2 || c < 2 || c > MAX_CLASSES || data.length < 2 * c || data.length % c) return false;
  for (let i = 0; i < data.length; i += c) {
    let s = 0;
    for (let j = 0; j < c; j++) {
      const v = data[i + j];
      if (!(v >= 0 && v <= 1)) return false;
      s += v;
    }
    if (Math.abs(s - 1) > SUM_TOLERANCE) return false;
  }
  return true;
}

/** The class that is the arg-max of most rows over `tables` (each `classes` wide). */
export function backgroundClass(tables: Float32Array[], classes: number): number {
  const wins = new Array<number>(classes).fill(0);
  for (const t of tables) {
    for (let i = 0; i < t.length; i += classes) {
      let b = 0;
      for (let j = 1; j < classes; j++) if (t[i + j] > t[i + b]) b = j;
      wins[b]++;
    }
  }
  return wins.indexOf(Math.max(...wins));
}

/** The rows of one sample whose non-background score reaches FG_SCORE on either side (a row int8 lights counts). */
export function foregroundRows(want: Float32Array, got: Float32Array, classes: number, background: number): number[] {
  const rows: number[] = [];
  for (let i = 0; i < want.length; i += classes) {
    let a = 0;
    let b = 0;
    for (let j = 0; j < classes; j++) {
      if (j === background) continue;
      a = Math.max(a, want[i + j]);
      b = Math.max(b, got[i + j]);
    }
    if (a >= FG_SCORE || b >= FG_SCORE) rows.push(i / classes);
  }
  return rows;
}

/** Appends to `ref` / `got` the rows of one sample whose non-background score reaches FG_SCORE on either side. */
export function pushForegroundRows(want: Float32Array, got: Float32Array, classes: number, background: number,
  ref: number[], out: number[]): void {
  for (const row of foregroundRows(want, got, classes, background)) {
    for (let j = 0; j < classes; j++) { ref.push(want[row * classes + j]); out.push(got[row * classes + j]); }
  }
}

/** The cosine of the pooled foreground rows less the reference rows' mean per class, and never above their raw
 *  cosine (1 without foreground rows; the raw cosine alone for a single row, which has no spread to center). */
export function foregroundCosine(ref: number[], got: number[], classes: number): number {
  const n = ref.length / classes;
  if (n === 0) return 1;
  const mean = new Array<number>(classes).fill(0);
  ref.forEach((r, k) => { mean[k % classes] += r / n; });
  let rr = 0, rg = 0, gg = 0, raw = 0, dot = 0, graw = 0;
  ref.forEach((r, k) => {
    const a = r - mean[k % classes], b = got[k] - mean[k % classes];
    rr += a * a; rg += a * b; gg += b * b; raw += r * r; dot += r * got[k]; graw += got[k] * got[k];
  });
  const plain = raw && graw ? dot / Math.sqrt(raw * graw) : raw === graw ? 1 : 0;
  if (n < 2 || rr === 0) return plain;
  return Math.min(plain, gg ? rg / Math.sqrt(rr * gg) : 0);
}
