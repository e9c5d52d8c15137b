// Integral regression kept float32 by the int8 pass: a SOFTMAX over many positions whose probabilities are summed
// with weights (the expected x, y, z of a heatmap: HybrIK's 24 joints, each a softmax over 16 × 32 × 32 = 16,384
// positions, then marginal sums times the coordinates, summed). int8's fixed SOFTMAX output step (1/256) rounds every
// probability of a softmax over more than ~256 values towards 0 — HybrIK's were all 0, so were its joints (int8
// refused at 0.9667). The SOFTMAX, the moves and sums after it, the products by constants (the coordinates) and the
// weighted SUM / BATCH_MATMUL / FULLY_CONNECTED ending the path stay float; what the expectation feeds is int8 again.
// A softmax written out (REDUCE_MAX / SUB / EXP / SUM / DIV along the stored axis: FOMM's keypoint heatmaps over
// 32 × 32 positions, int8-written-softmax.ts) is one too, its ops with it; and a product by another activation
// summed (FOMM's jacobians: Σ p · J over the positions) is a weighted sum as a product by constants is.
import type { TflSubgraph } from '../tflite/model';
import { consumersOf } from './graph';
import { writtenSoftmaxes } from './int8-written-softmax';

/** A softmax over more positions than this has probabilities int8's 1/256 step cannot hold. */
export const LONG_SOFTMAX = 256;
/** Ops carrying the probabilities (or their marginal sums) towards the weighted sum. */
const CARRIERS = new Set(['RESHAPE', 'TRANSPOSE', 'SQUEEZE', 'EXPAND_DIMS', 'SUM', 'STRIDED_SLICE', 'SLICE']);
/** Ops that end the path as a weighted sum (the weights a constant or another activation). */
const PRODUCTS = new Set(['BATCH_MATMUL', 'FULLY_CONNECTED']);

/** Op indices of each SOFTMAX (or written-out softmax) over more than LONG_SOFTMAX values whose probabilities reach a
 *  weighted sum (a MUL by a constant or another activation followed by a SUM, or a BATCH_MATMUL / FULLY_CONNECTED)
 *  through carriers only, with those ops. */
export function integralOps(sg: TflSubgraph): Set<number> {
  const readers = consumersOf(sg);
  const out = new Set<number>();
  // The ops from `tensor` to weighted sums, or undefined when no reader path makes one.
  const walk = (tensor: number, depth: number, weighted: boolean): number[] | undefined => {
    if (depth > 8) return undefined;
    const ops: number[] = [];
    for (const k of readers.get(tensor) ?? []) {
      const op = sg.operators[k];
      if (PRODUCTS.has(op.opcode) || (weighted && op.opcode === 'SUM')) { ops.push(k); continue; }
      const scaled = op.opcode === 'MUL' && !weighted && op.inputs.some((i) => i !== tensor && i >= 0);
      if (!scaled && !CARRIERS.has(op.opcode)) continue;
      const more = walk(op.outputs[0], depth + 1, weighted || scaled);
      if (more) ops.push(k, ...more);
    }
    return ops.length ? ops : undefined;
  };
  const softmaxes = sg.operators.flatMap((op, k) => {
    if (op.opcode !== 'SOFTMAX') return [];
    const shape = sg.tensors[op.outputs[0]].shape;
    return [{ ops: [k], output: op.outputs[0], positions: shape[shape.length - 1] ?? 0 }];
  });
  for (const { ops, output, positions } of [...softmaxes, ...writtenSoftmaxes(sg)]) {
    if (positions <= LONG_SOFTMAX) continue;
    const path = walk(output, 0, false);
    if (!path) continue;
    for (const j of [...ops, ...path]) out.add(j);
  }
  return out;
}
