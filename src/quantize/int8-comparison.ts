// Comparisons (GREATER, GREATER_EQUAL, LESS, LESS_EQUAL, EQUAL, NOT_EQUAL) of float activations stay float32 in int8:
// TFLite's int8 comparison kernel turns each input's own scale (not the ratio of the two) into a fixed-point
// multiplier that must be under 1, so an input whose int8 scale reaches 1 (a range wider than 255: pixel counts,
// coordinates in pixels, a relu(300·x)) compares garbage or aborts LiteRT. A probe `(y >= 40) & (y <= 250)` on
// y = relu(300·x) (scale 1.18) read output cosine 0.0000 in int8 (twenty-third vision sweep), UVDoc's scale-1.0
// comparisons aborted. Whether a scale reaches 1 is calibration's to say, but the compatibility view (no calibration)
// must mark what int8 does, and a float comparison costs one DEQUANTIZE of each int8 input while giving the same
// boolean on the int8 values (exactly what a correct int8 kernel would): so every such comparison is kept float32.
import type { TflSubgraph } from '../tflite/model';
import { isFloatActivation } from './graph';

export const COMPARISONS = new Set(['GREATER', 'GREATER_EQUAL', 'LESS', 'LESS_EQUAL', 'EQUAL', 'NOT_EQUAL']);

/** Comparison ops (by index) reading a float activation. */
export function comparisonOps(sg: TflSubgraph): Set<number> {
  const out = new Set<number>();
  sg.operators.forEach((op, k) => {
    if (COMPARISONS.has(op.opcode) && op.inputs.some((i) => i >= 0 && isFloatActivation(sg.tensors[i]))) out.add(k);
  });
  return out;
}
