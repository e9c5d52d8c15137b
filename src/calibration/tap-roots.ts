// Calibration taps on LiteRT read each converter-made tensor's values, every tap held to the end of the run and packed
// into one output beside the others (src/compare/packed-outputs.ts). A view (RESHAPE / SQUEEZE / EXPAND_DIMS), a
// TRANSPOSE or a zero PAD holds the same values as its input (a PAD adds zeros), so its statistics — min / max,
// percentiles, the MSE histogram — are its input's with those zeros, exactly: only the input is tapped, and the view's
// values are made from it. A 3-D ConvTranspose over its frames (src/convert/ops/_conv3d_frames.ts) places each kernel
// depth's frames by RESHAPE and PAD before summing them: MedNeXt's 64³ model asked for 593 RESHAPE and 480 PAD taps.
import type { TflSubgraph } from '../tflite/model';
import { producersOf } from '../quantize/graph';

const VIEWS = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'TRANSPOSE', 'PAD']);

const elements = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export interface TapRoot {
  /** The tensor read on LiteRT. */
  root: number;
  /** Zeros the PADs on the way add to the root's values. */
  zeros: number;
}

/** For each of `tensors`, the tensor to read instead (up its chain of views and zero PADs of computed FLOAT32
 *  tensors with static shapes) and the zeros to add to its values. */
export function tapRoots(sg: TflSubgraph, tensors: number[]): Map<number, TapRoot> {
  const producer = producersOf(sg);
  const plain = (i: number) => {
    const t = sg.tensors[i];
    return t?.type === 'FLOAT32' && t.data === undefined && !t.quantization?.scale.length && !t.shapeSignature?.some((d) => d < 0);
  };
  const out = new Map<number, TapRoot>();
  for (const i of tensors) {
    let t = i;
    let zeros = 0;
    while (plain(t)) {
      const k = producer.get(t);
      const op = k === undefined ? undefined : sg.operators[k];
      const from = op?.inputs[0] ?? -1;
      if (!op || !VIEWS.has(op.opcode) || from < 0 || !plain(from) || !producer.has(from)) break;
      const added = elements(sg.tensors[t].shape) - elements(sg.tensors[from].shape);
      if (added < 0 || (added > 0 && op.opcode !== 'PAD')) break;
      zeros += added;
      t = from;
    }
    out.set(i, { root: t, zeros });
  }
  return out;
}

/** `values` with `zeros` zeros after them. */
export function withZeros(values: Float32Array, zeros: number): Float32Array {
  if (zeros === 0) return values;
  const out = new Float32Array(values.length + zeros);
  out.set(values);
  return out;
}
