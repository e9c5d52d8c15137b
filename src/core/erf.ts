// erf(x) in double precision (about 1e-15 absolute): a Taylor series near zero, a continued fraction for erfc
// beyond. JavaScript has no Math.erf; the converter evaluates GELU-shaped subgraphs with it (simplify-gelu.ts) and the
// tests measure the Erf approximation against it.

const TWO_OVER_SQRT_PI = 1.1283791670955126;

export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a < 2.5) {
    // 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1)); at |x| < 2.5 the terms fall below 1e-17 by n = 60.
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 80; n++) {
      term *= -x2 / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * sum;
  }
  if (a > 6) return Math.sign(x);
  // erfc(a) = exp(-a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + ...)))), evaluated from the tail.
  let f = a;
  for (let k = 80; k >= 1; k--) f = a + k / 2 / f;
  const erfc = Math.exp(-a * a) / (Math.sqrt(Math.PI) * f);
  return Math.sign(x) * (1 - erfc);
}
