// The discrete Fourier transform as a real matrix for FULLY_CONNECTED (DFT, STFT): rows (k, re/im) of the output,
// columns (j, re/im) of the input.

/**
 * [nOut·2, n·cin] weights: re' = Σ re·cos a − s·im·sin a, im' = Σ im·cos a + s·re·sin a with a = 2π·j·k/L and
 * s = +1 for the inverse (then scaled by 1/L), −1 forward. Inputs past L are ignored (truncation); a signal shorter
 * than L is as if zero-padded. `cin` is 1 (real input) or 2 (complex).
 */
export function dftMatrix(n: number, cin: number, L: number, nOut: number, inverse: boolean): Float32Array {
  const s = inverse ? 1 : -1;
  const scale = inverse ? 1 / L : 1;
  const w = new Float32Array(nOut * 2 * n * cin);
  const used = Math.min(n, L);
  for (let k = 0; k < nOut; k++) {
    for (let j = 0; j < used; j++) {
      const a = (2 * Math.PI * ((j * k) % L)) / L;
      const [cos, sin] = [Math.cos(a) * scale, Math.sin(a) * scale];
      const at = (ko: number, ji: number) => (k * 2 + ko) * n * cin + j * cin + ji;
      w[at(0, 0)] = cos;
      w[at(1, 0)] = s * sin;
      if (cin === 2) {
        w[at(0, 1)] = -s * sin;
        w[at(1, 1)] = cos;
      }
    }
  }
  return w;
}
