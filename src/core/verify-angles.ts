// Angle outputs in the self-check (issue #13, s29-guard10): an output the converted graph makes by ATAN2 (through
// views, torch's quadrant correction ±π and SELECTs: src/quantize/output-roles.ts isAngle, the int8 guard's rule) is
// compared by its wrapped difference, LiteRT's values moved by whole turns to the nearest of onnxruntime's. A phase
// whose imaginary part is near 0 where the real part is negative sits at ±π: a rounding (float32 Atan(y / x), int8
// weights) can put it on the other side of the cut, 2π away in the raw values though the same angle. MP-SENet's phase
// read max rel 2.0 / cosine 0.9875 on the self-check with dynamic-range weights and was refused for it, while the int8
// guard (which knew angles) wrote int8. The weight-only guard (src/quantize/weight-only-guard.ts) reads this cosine.
import type { TflModel } from '../tflite/model';
import { isAngle } from '../quantize/output-roles';
import { producersOf } from '../quantize/graph';
import { unwrapped } from '../quantize/task-layouts';

/** The positions (in `tensors`, the model's output tensor indices) of the outputs that are angles. */
export function angleOutputs(model: TflModel, tensors: number[]): Set<number> {
  const sg = model.subgraphs[0];
  if (!sg || !sg.operators.some((op) => op.opcode === 'ATAN2')) return new Set();
  const producer = producersOf(sg);
  return new Set(tensors.flatMap((t, k) => (isAngle(sg, t, producer) ? [k] : [])));
}

/** LiteRT's angle values `got` unwrapped against onnxruntime's `ref`, and how many moved by a turn. */
export function wrappedAngles(ref: Float32Array, got: Float32Array): { got: Float32Array; moved: number } {
  if (ref.length !== got.length) return { got, moved: 0 };
  const out = unwrapped(ref, got);
  let moved = 0;
  for (let i = 0; i < got.length; i++) if (Math.abs(got[i] - ref[i]) > Math.PI) moved++;
  return { got: out, moved };
}
