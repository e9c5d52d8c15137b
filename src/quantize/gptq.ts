// Error-aware rounding of int8 weights (GPTQ / OBQ): each output row is rounded one input at a time with its
// per-channel scale fixed beforehand, and each rounding error is spread over the inputs not yet rounded in the way
// that least changes the layer's output on the calibration inputs, measured by H = Σ x xᵀ over the layer's input
// columns. Float64 throughout.
import { roundAway } from './params';

/** H (K×K, row-major, symmetric) → U upper triangular with (H + λI)⁻¹ = Uᵀ U, where λ = `damp` × the mean
 *  diagonal + `noise` (the input's rounding noise variance × the columns in H); undefined when H carries no
 *  information (all-zero inputs). */
export function inverseCholeskyUpper(H: Float64Array, K: number, damp = 0.01, noise = 0): Float64Array | undefined {
  let mean = 0;
  for (let i = 0; i < K; i++) mean += H[i * K + i];
  mean /= K;
  if (!(mean > 0) || !Number.isFinite(mean)) return undefined;
  const lambda = damp * mean + noise;
  // Lower Cholesky of the reversed matrix: A[i][j] = H[K-1-i][K-1-j] + λδ = L Lᵀ. Then H = R Rᵀ with
  // R[i][j] = L[K-1-i][K-1-j] upper, so H⁻¹ = (R⁻¹)ᵀ R⁻¹ and U = R⁻¹.
  const L = new Float64Array(K * K);
  for (let i = 0; i < K; i++) {
    const hi = (K - 1 - i) * K;
    for (let j = 0; j <= i; j++) {
      let s = H[hi + (K - 1 - j)] + (i === j ? lambda : 0);
      const li = i * K;
      const lj = j * K;
      for (let k = 0; k < j; k++) s -= L[li + k] * L[lj + k];
      if (i === j) {
        if (!(s > 0)) return undefined;
        L[li + i] = Math.sqrt(s);
      } else {
        L[li + j] = s / L[lj + j];
      }
    }
  }
  const R = new Float64Array(K * K);
  for (let i = 0; i < K; i++) for (let j = i; j < K; j++) R[i * K + j] = L[(K - 1 - i) * K + (K - 1 - j)];
  // U = R⁻¹ (upper), row by row from the bottom: U[i][j] = -(Σ_{k=i+1..j} R[i][k] U[k][j]) / R[i][i].
  const U = new Float64Array(K * K);
  const acc = new Float64Array(K);
  for (let i = K - 1; i >= 0; i--) {
    const ri = i * K;
    const d = R[ri + i];
    acc.fill(0);
    for (let k = i + 1; k < K; k++) {
      const r = R[ri + k];
      if (r === 0) continue;
      const uk = k * K;
      for (let j = k; j < K; j++) acc[j] += r * U[uk + j];
    }
    U[ri + i] = 1 / d;
    for (let j = i + 1; j < K; j++) U[ri + j] = -acc[j] / d;
  }
  return U;
}

/** Rounds one row of K weights to int8 levels of `scale` ([-127, 127]) in input order, spreading each error over the
 *  later inputs through U (from inverseCholeskyUpper); writes the integers to `out`. */
export function gptqRow(row: Float64Array, scale: number, U: Float64Array, K: number, out: Int8Array | number[]): void {
  const w = Float64Array.from(row);
  for (let i = 0; i < K; i++) {
    const q = Math.max(-127, Math.min(127, roundAway(w[i] / scale)));
    out[i] = q;
    const e = (w[i] - q * scale) / U[i * K + i];
    if (e === 0) continue;
    const ui = i * K;
    for (let j = i + 1; j < K; j++) w[j] -= e * U[ui + j];
  }
}

/** Accumulates one column x (length K) into the lower triangle of H. */
export function addColumn(H: Float64Array, x: Float64Array, K: number): void {
  for (let i = 0; i < K; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    const hi = i * K;
    for (let j = 0; j <= i; j++) H[hi + j] += xi * x[j];
  }
}

/** Copies the lower triangle of H to the upper one. */
export function symmetrize(H: Float64Array, K: number): void {
  for (let i = 0; i < K; i++) for (let j = 0; j < i; j++) H[j * K + i] = H[i * K + j];
}

/** ‖(w − q·s) X‖² = (w − q·s)ᵀ H (w − q·s) for one row: what the rounding costs the layer's output. */
export function outputError(row: ArrayLike<number>, q: ArrayLike<number>, scale: number, H: Float64Array, K: number): number {
  const d = new Float64Array(K);
  for (let i = 0; i < K; i++) d[i] = row[i] - q[i] * scale;
  let s = 0;
  for (let i = 0; i < K; i++) {
    let r = 0;
    const hi = i * K;
    for (let j = 0; j < K; j++) r += H[hi + j] * d[j];
    s += d[i] * r;
  }
  return s;
}
