// Fractional parts x − ⌊x⌋ kept float32 by the int8 pass, as int8-sampling.ts does for GridSample's coordinates:
// hand-written interpolation (Instant-NGP's multiresolution hash encoding: p = x · resolution, corners ⌊p⌋, trilinear
// weights from p − ⌊p⌋) takes the weights from the fractions of coordinates that span hundreds of cells (p up to ±273
// at the finer levels): one int8 step of p is then about 2 cells, and p − ⌊p⌋ is rounding noise (Instant-NGP refused
// at output cosine 0.9813, blamed on the fractions' SUB and MUL: 50 dB → 2 dB). The FLOOR, its input back to the
// model input or the layer making it, the SUB taking the floor away and the CAST of the floor to indices stay float;
// the fraction itself (in [0, 1)) and the weights made from it are int8 again.
import type { TflSubgraph } from '../tflite/model';
import { consumersOf, isConst, isFloatActivation, producersOf } from './graph';

/** Elementwise arithmetic and moves walked back through from a FLOOR's input (the coordinate's computation). */
const COORD_OPS = new Set(['ADD', 'SUB', 'MUL', 'DIV', 'NEG', 'MAXIMUM', 'MINIMUM', 'RESHAPE', 'EXPAND_DIMS', 'SQUEEZE',
  'BROADCAST_TO', 'STRIDED_SLICE', 'SLICE', 'GATHER', 'CONCATENATION', 'TRANSPOSE']);
/** Of those, the ops whose other inputs are shapes, axes or indices. */
const ONE_INPUT = new Set(['RESHAPE', 'EXPAND_DIMS', 'SQUEEZE', 'BROADCAST_TO', 'STRIDED_SLICE', 'SLICE', 'GATHER', 'TRANSPOSE']);
/** Layers computing in float from int8 weights: the walk keeps one and stops there. */
const LAYERS = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'BATCH_MATMUL', 'TRANSPOSE_CONV']);

/** Op indices: each FLOOR of a float activation whose input is also read by a SUB taking the floor away
 *  (x − ⌊x⌋), with that SUB, the CASTs of the floor, and the ops making x back to a model input or a layer. */
export function fractionOps(sg: TflSubgraph): Set<number> {
  const prod = producersOf(sg);
  const readers = consumersOf(sg);
  const out = new Set<number>();
  const back = (tensor: number, depth: number): void => {
    const k = prod.get(tensor);
    if (k === undefined || out.has(k) || depth > 12) return;
    const op = sg.operators[k];
    if (LAYERS.has(op.opcode)) { out.add(k); return; }
    if (!COORD_OPS.has(op.opcode)) return;
    out.add(k);
    const data = ONE_INPUT.has(op.opcode) ? [op.inputs[0]] : op.inputs;
    for (const i of data) if (i >= 0 && !isConst(sg.tensors[i]) && isFloatActivation(sg.tensors[i])) back(i, depth + 1);
  };
  sg.operators.forEach((op, k) => {
    const [x] = op.inputs;
    if (op.opcode !== 'FLOOR' || x < 0 || !isFloatActivation(sg.tensors[x])) return;
    const floor = op.outputs[0];
    const subs = (readers.get(floor) ?? []).filter((r) => sg.operators[r].opcode === 'SUB'
      && sg.operators[r].inputs[0] === x && sg.operators[r].inputs[1] === floor);
    if (subs.length === 0) return;
    out.add(k);
    for (const s of subs) out.add(s);
    for (const r of readers.get(floor) ?? []) if (sg.operators[r].opcode === 'CAST') out.add(r);
    back(x, 0);
  });
  return out;
}
