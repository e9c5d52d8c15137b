// The ELU family (Elu with any alpha, Selu, Celu) written around TFLite's ELU, which has an int8 kernel (a table),
// so that full int8 runs them in int8. Written out with EXP (no int8 kernel) they were float32 islands between int8
// convs: a SELU CNN (CIFAR-100, s28-trained11) ran int8 no faster than float32, its four EXPs behind DEQUANTIZE /
// QUANTIZE. Positive inputs pass exactly in float32 (a RELU, times gamma); the negative branch is
// ELU(min(x, 0) / scale) times alpha · gamma, so int8 gives it a scale of its own ([−alpha·gamma, 0]).
import type { Emitter } from './_emit';

export interface EluForm {
  /** Multiplies the negative branch: x <= 0 gives alpha · (exp(x / scale) − 1). */
  alpha: number;
  /** Multiplies both branches (Selu's lambda). */
  gamma?: number;
  /** Divides x in the exponent (Celu's alpha). */
  scale?: number;
}

/** The ops (besides ELU itself) the family may emit. */
export const ELU_FORM_OPS = ['ELU', 'RELU', 'MINIMUM', 'MUL', 'ADD'];

/** gamma · (x > 0 ? x : alpha · (exp(x / scale) − 1)) into `out`: ELU alone when alpha, gamma and scale are 1, ELU
 *  times gamma when alpha and scale are 1, else gamma · relu(x) + alpha · gamma · ELU(min(x, 0) / scale). */
export function eluForm(e: Emitter, x: number, f: EluForm, out?: number): number {
  const gamma = f.gamma ?? 1;
  const scale = f.scale ?? 1;
  if (f.alpha === 1 && scale === 1) return gamma === 1 ? e.un('ELU', x, out) : e.bin('MUL', e.un('ELU', x), e.scalar(gamma), out);
  // gamma · relu(x): MUL then RELU fuses into one MUL (fuse.ts) when gamma > 0.
  const pos = gamma === 1 ? e.un('RELU', x) : gamma > 0 ? e.un('RELU', e.bin('MUL', x, e.scalar(gamma)))
    : e.bin('MUL', e.un('RELU', x), e.scalar(gamma));
  let m = e.bin('MINIMUM', x, e.scalar(0));
  if (scale !== 1) m = e.bin('MUL', m, e.scalar(1 / scale));
  const k = f.alpha * gamma;
  const neg = k === 1 ? e.un('ELU', m) : e.bin('MUL', e.un('ELU', m), e.scalar(k));
  return e.bin('ADD', pos, neg, out);
}
