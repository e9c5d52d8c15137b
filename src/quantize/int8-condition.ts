// A per-picture condition vector kept float32 by the int8 pass. Conditional networks (CSRNet's photo retouching,
// hpc203/image-retouching-opencv-dnn; FiLM / "global feature modulation" layers) pool a whole feature map to one
// vector per sample (a global MEAN), map it with FULLY_CONNECTED layers to per-channel scales and shifts, and apply
// those to a full-resolution map: y = x · s + b (+ x). int8 gives the pooled vector and each FC output one step sized
// for every calibration picture: on a picture whose condition lies elsewhere (CSRNet on a masked-face photo: the
// last scale near −1, so x · s + x cancels to a small fraction of x) the pooled mean was off by 0.22 (30.8 dB), the
// scales by up to 0.29 (14.7 dB), and the retouched picture came out at 4.6 dB SNR against onnxruntime's while the
// guard's calibration photos scored cosine 0.998. The vector path is a few thousand multiply-adds of a model that
// runs millions, so from the global MEAN through the FCs (weights int8 behind a DEQUANTIZE, as every float op of the
// int8 pass keeps them: the size stays int8's) and the moves to the modulating MUL / ADD it stays float32; so do
// the MUL / ADD themselves and the ADD that puts the map back (x · s + b + x): their int8 outputs would otherwise
// round the cancellation. A vector made by an activation (a squeeze-and-excitation gate's LOGISTIC / HARD_SWISH) is
// not a condition: its fixed output range holds it, and nothing is kept for it.
import type { TflSubgraph } from '../tflite/model';
import { consumersOf, isFloatActivation, producersOf } from './graph';
import { elementCount } from './params';
import { backThrough } from './int8-centered-norm';

/** Single-input data movement on the vector path (walked back through). */
const MOVES = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS']);
/** Ops applying a vector to a map. */
const MODULATE = new Set(['MUL', 'ADD']);

/** The per-sample channel count of a map tensor [1, ..., C] with more than one position, else 0. */
function mapChannels(shape: number[]): number {
  const c = shape[shape.length - 1];
  return shape.length >= 3 && shape[0] === 1 && elementCount(shape) > c ? c : 0;
}

/** Op indices of the condition vectors' paths: global MEAN → FULLY_CONNECTED → moves → MUL / ADD of a map, the
 *  MUL / ADD joins and the ADD that adds the modulated map's own input back. */
export function conditionOps(sg: TflSubgraph): Set<number> {
  const prod = producersOf(sg);
  const readers = consumersOf(sg);
  const out = new Set<number>();
  const back = (t: number) => backThrough(sg, prod, MOVES, t);
  sg.operators.forEach((op, k) => {
    if (!MODULATE.has(op.opcode) || op.inputs.length !== 2) return;
    const [a, b] = op.inputs.map((i) => sg.tensors[i]);
    if (!a || !b || !isFloatActivation(a) || !isFloatActivation(b)) return;
    const vecAt = [a, b].findIndex((t, j) => {
      const other = [a, b][1 - j];
      const c = mapChannels(other.shape);
      return c > 1 && elementCount(t.shape) === c && t.shape[t.shape.length - 1] === c;
    });
    if (vecAt < 0) return;
    const [fc, moves] = back(op.inputs[vecAt]);
    if (fc === undefined || sg.operators[fc].opcode !== 'FULLY_CONNECTED') return;
    const [mean, toFc] = back(sg.operators[fc].inputs[0]);
    if (mean === undefined || sg.operators[mean].opcode !== 'MEAN') return;
    const pooled = sg.tensors[sg.operators[mean].inputs[0]];
    if (mapChannels(pooled.shape) !== elementCount(sg.tensors[sg.operators[mean].outputs[0]].shape)) return;
    for (const j of [k, fc, mean, ...moves, ...toFc]) out.add(j);
    // The join's chain on the map: an ADD of another condition vector after a MUL, then the ADD of the map itself.
    const map = op.inputs[1 - vecAt];
    let t = op.outputs[0];
    for (let depth = 0; depth < 2; depth++) {
      const rs = readers.get(t) ?? [];
      if (rs.length !== 1 || sg.operators[rs[0]].opcode !== 'ADD') break;
      const add = sg.operators[rs[0]];
      const other = add.inputs[add.inputs[0] === t ? 1 : 0];
      if (other !== map && mapChannels(sg.tensors[other].shape) !== 0) break;
      out.add(rs[0]);
      if (other === map) break;
      t = add.outputs[0];
    }
  });
  return out;
}
