// A quotient that the model then cuts with a slice stays float32 up to the cut, in int8 models. An inverse STFT's
// overlap-add divided by its window envelope (`y / env.clamp(1e-11)`) is computed over the padded signal and trimmed
// of the padding after the division: at the trimmed edges the envelope Σw² goes to 0 faster than the signal, so the
// quotient reaches thousands where every kept sample is within a few units. TFLite has no int8 DIV: the quotient is
// computed in float and quantized for the int8 views and slice after it, on a range calibrated over the whole
// tensor, edges included, and every kept sample rounds to 0 (APNet2, twenty-fourth sweep: output cosine 0.0000,
// /Div_1 blamed at 30 dB → −126 dB; the search's 117 float32 ops did not reach it, as the slice stayed int8).
// Kept float32: the DIV, the views between it and the cut (RESHAPE, SQUEEZE, EXPAND_DIMS, TRANSPOSE, a GATHER by
// constant indices) and the SLICE / STRIDED_SLICE itself, when every reader of the quotient is such a path to a cut
// that keeps fewer elements than it reads. What is cut is a graph output (float anyway) or quantized after the cut on
// the kept values' own calibrated range. The division's inputs are left to the other rules: a divisor that rounds
// to 0 in int8 at the edges gives inf / NaN there, which the float cut drops (keeping APNet2's envelope and its clamp
// float32 too was tried: the kept samples came out the same to 5 digits, and the blame, which reads the whole
// quotient, still names /Div_1: the signal's own int8 error divided by a near-0 envelope at the cut edges). A quotient read whole anywhere (another
// reader, a graph output) keeps its int8 form: its whole range is wanted there.
import type { TflSubgraph } from '../tflite/model';
import { consumersOf, isConst, isFloatActivation } from './graph';

/** Single-input data movement between the quotient and the cut. */
const VIEWS = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'TRANSPOSE', 'GATHER']);
const CUTS = new Set(['SLICE', 'STRIDED_SLICE']);

const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Op indices: each DIV of float activations whose quotient reaches, only through views, slices that keep fewer
 *  elements than they read, with those views and slices. */
export function cutQuotientOps(sg: TflSubgraph): Set<number> {
  const readers = consumersOf(sg);
  const outputs = new Set(sg.outputs);
  const out = new Set<number>();
  // The ops from `t` to its cuts, or undefined when some reader reads it whole.
  const toCuts = (t: number, depth: number): number[] | undefined => {
    const r = readers.get(t) ?? [];
    if (depth > 8 || r.length === 0 || outputs.has(t)) return undefined;
    const ops: number[] = [];
    for (const k of r) {
      const op = sg.operators[k];
      if (op.inputs[0] !== t || op.inputs.slice(1).includes(t)) return undefined;
      if (CUTS.has(op.opcode)) {
        if (count(sg.tensors[op.outputs[0]].shape) >= count(sg.tensors[t].shape)) return undefined;
        ops.push(k);
        continue;
      }
      if (!VIEWS.has(op.opcode)) return undefined;
      if (op.opcode === 'GATHER' && !isConst(sg.tensors[op.inputs[1]])) return undefined;
      const next = toCuts(op.outputs[0], depth + 1);
      if (!next) return undefined;
      ops.push(k, ...next);
    }
    return ops;
  };
  sg.operators.forEach((op, k) => {
    if (op.opcode !== 'DIV' || !isFloatActivation(sg.tensors[op.outputs[0]])) return;
    if (!op.inputs.some((i) => i >= 0 && isFloatActivation(sg.tensors[i]))) return;
    const path = toCuts(op.outputs[0], 0);
    if (!path) return;
    out.add(k);
    for (const p of path) out.add(p);
  });
  return out;
}
