// A whole-tensor standardization's mean and centred values: (x − mean(x)) / sqrt(mean((x − mean(x))²) + ε), with
// one mean and one variance per sample (every axis reduced). OpenVINO's person re-identification models
// (person-reidentification-retail-0248 / 0288, tf2onnx) standardize the picture itself this way before their first
// convolution (and the first convolution's output again). The variance path (x², mean, + ε, SQRT, DIV) already stays
// float32 (int8-float-islands.ts, 'norm'), but the mean and x − mean were int8: their step is sized for the most
// contrasted calibration picture, so a dark, flat crop's centred values sat within a few steps of 0, and the DIV by
// its small deviation blew that rounding up to the whole picture (re-id 0288 on a dark crop: x − mean 0.1 dB SNR,
// the embedding's cosine to onnxruntime 0.80; the guard measured 0.9947 on 4 calibration crops and wrote it). Kept
// float32, they are computed from x's own int8 step (the picture's grey levels at the input) and the division only
// scales that. Norms with a mean per token / group (LayerNorm, GroupNorm) are left as they are: not measured here.
import type { TflSubgraph } from '../tflite/model';
import { producersOf } from './graph';
import { elementCount } from './params';

/** Single-input data movement between the mean and the SUB, and between the SUB and the squaring. */
const MOVES = new Set(['RESHAPE', 'TRANSPOSE', 'SQUEEZE', 'EXPAND_DIMS']);

/** Back from tensor `t` through single-input ops of `moves`: [the producing op's index, the ops passed]. */
export function backThrough(sg: TflSubgraph, prod: Map<number, number>, moves: Set<string>, t: number): [number | undefined, number[]] {
  const passed: number[] = [];
  let k = prod.get(t);
  while (k !== undefined && moves.has(sg.operators[k].opcode)) { passed.push(k); k = prod.get(sg.operators[k].inputs[0]); }
  return [k, passed];
}

/** The MEAN, the SUB and the moves between them of each whole-tensor standardization whose squaring is in `norm`. */
export function centeredNormOps(sg: TflSubgraph, norm: Iterable<number>): Set<number> {
  const prod = producersOf(sg);
  const out = new Set<number>();
  const back = (t: number) => backThrough(sg, prod, MOVES, t);
  for (const k of norm) {
    const sq = sg.operators[k];
    if (sq.opcode !== 'MUL' || sq.inputs[0] !== sq.inputs[1]) continue;
    const [s, toSquare] = back(sq.inputs[0]);
    if (s === undefined || sg.operators[s].opcode !== 'SUB') continue;
    const [x, m] = sg.operators[s].inputs;
    const [mk, toSub] = back(m);
    if (mk === undefined) continue;
    const mean = sg.operators[mk];
    if (mean.opcode !== 'MEAN' || mean.inputs[0] !== x || elementCount(sg.tensors[mean.outputs[0]].shape) !== 1) continue;
    for (const op of [s, mk, ...toSquare, ...toSub]) out.add(op);
  }
  return out;
}
