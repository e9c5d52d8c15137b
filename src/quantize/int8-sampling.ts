// Sampling coordinates kept float32 by the int8 pass: a GridSample (ops/GridSample.ts: the grid unnormalized to
// pixel coordinates, FLOOR / ROUND, clamps, CAST to the GATHER_ND indices, bilinear weights from the fractional
// parts) and the grid itself back to the layer that makes the flow it is built from (Super SloMo's backward warps:
// meshgrid + flow, normalized to [-1, 1]). One int8 step of a grid spanning [-1, 1] is 2/255 of the image, half a
// pixel at 128 px, and the fractional parts that weigh the four corners are wiped out when the coordinates they are
// taken from are rounded: Super SloMo's plain int8 read 0.9658 and the search, with 131 ops float32, 0.9824, every
// warp's GridSample blamed (80 dB → 12 dB). The gathered pixels stay int8 (a gather only copies them); the corner
// weighting (each gathered value times its bilinear weight) and the corner sum run float32 too: each of those
// products and sums rounded to int8 was DEKR's largest loss after its tables (its 34 adaptive blocks' GridSamples,
// 12.7 dB each group alone in the search's ranking).
import type { TflSubgraph } from '../tflite/model';
import { consumersOf, isConst, producersOf } from './graph';

/** Ops that compute or carry coordinates, walked back from the indices (data input only for GATHER / SPLIT). */
const COORD_OPS = new Set(['ADD', 'SUB', 'MUL', 'DIV', 'NEG', 'FLOOR', 'ROUND', 'FLOOR_MOD', 'ABS', 'MAXIMUM', 'MINIMUM', 'CAST',
  'CONCATENATION', 'PACK', 'SPLIT', 'SPLIT_V', 'RESHAPE', 'STRIDED_SLICE', 'SLICE', 'GATHER', 'TRANSPOSE', 'EXPAND_DIMS', 'SQUEEZE',
  'RESIZE_BILINEAR', 'RESIZE_NEAREST_NEIGHBOR']);
/** Of those, the ops whose other inputs are shapes, axes or sizes. */
const ONE_INPUT = new Set(['GATHER', 'RESHAPE', 'STRIDED_SLICE', 'SLICE', 'TRANSPOSE', 'EXPAND_DIMS', 'SQUEEZE', 'RESIZE_BILINEAR',
  'RESIZE_NEAREST_NEIGHBOR']);
/** Layers that make a flow or offsets: they compute in float from int8 weights, and the walk stops there. */
const LAYERS = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'TRANSPOSE_CONV']);
/** Ops making the bilinear weights (and zeros padding's masks) from the coordinates, walked forward from a FLOOR. */
const WEIGHT_OPS = new Set(['ADD', 'SUB', 'MUL', 'MAXIMUM', 'MINIMUM', 'CAST', 'GREATER_EQUAL', 'LESS_EQUAL', 'LOGICAL_AND']);

/** Op indices of every computed-index GATHER_ND's coordinate path: back from its indices to the layers making the
 *  grid (included), forward from the FLOOR / ROUND of the coordinates to the ops reading a gathered value, and those:
 *  the weight's MUL of each gathered value and the ADDs summing the products. */
export function samplingOps(sg: TflSubgraph): Set<number> {
  const prod = producersOf(sg);
  const readers = consumersOf(sg);
  const out = new Set<number>();
  const gathered = new Set<number>();
  const floors: number[] = [];
  const back = (tensor: number): void => {
    const k = prod.get(tensor);
    if (k === undefined || out.has(k)) return;
    const op = sg.operators[k];
    if (LAYERS.has(op.opcode)) { out.add(k); return; }
    if (!COORD_OPS.has(op.opcode)) return;
    out.add(k);
    if (op.opcode === 'FLOOR' || op.opcode === 'ROUND') floors.push(k);
    // Coordinates are float until the CAST to the indices (int32): both are walked, shapes and axes are not.
    const data = op.opcode === 'SPLIT' ? [op.inputs[1]] : ONE_INPUT.has(op.opcode) ? [op.inputs[0]] : op.inputs;
    for (const i of data) if (i >= 0 && !isConst(sg.tensors[i])) back(i);
  };
  sg.operators.forEach((op) => {
    if (op.opcode !== 'GATHER_ND' || op.inputs[1] < 0 || isConst(sg.tensors[op.inputs[1]])) return;
    gathered.add(op.outputs[0]);
    back(op.inputs[1]);
  });
  const forward = (tensor: number): void => {
    for (const r of readers.get(tensor) ?? []) {
      const op = sg.operators[r];
      if (out.has(r) || !WEIGHT_OPS.has(op.opcode) || op.inputs.some((i) => gathered.has(i))) continue;
      out.add(r);
      for (const o of op.outputs) forward(o);
    }
  };
  for (const k of floors) for (const t of [...sg.operators[k].inputs, ...sg.operators[k].outputs]) forward(t);
  // The corner weighting: each gathered value times its bilinear weight (a MUL whose other input the walks above
  // made), and the pairwise sums of those products (ops/GridSample.ts), up to the sampled value.
  const made = new Set([...out].flatMap((k) => sg.operators[k].outputs));
  const weighted = new Set<number>();
  for (const g of gathered) {
    for (const r of readers.get(g) ?? []) {
      const op = sg.operators[r];
      if (op.opcode !== 'MUL' || out.has(r) || !op.inputs.some((i) => i !== g && made.has(i))) continue;
      out.add(r);
      weighted.add(op.outputs[0]);
    }
  }
  for (let grown = true; grown;) {
    grown = false;
    for (const t of [...weighted]) {
      for (const r of readers.get(t) ?? []) {
        const op = sg.operators[r];
        if (op.opcode !== 'ADD' || out.has(r) || !op.inputs.every((i) => weighted.has(i))) continue;
        out.add(r);
        weighted.add(op.outputs[0]);
        grown = true;
      }
    }
  }
  return out;
}
