// Identical computations done once (src/convert/simplify-cse.ts): PARSeq's unrolled decode projects the image memory to
// cross attention's keys again at every step, each step reading its own (equal) copy of the weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const W = waveValues(8 * 6, 1);

/** memory [1, 5, 8] projected by `steps` MatMuls (weights equal, or the last one different), each step's keys
 *  multiplied into its own query, and the steps' scores added. */
function decodeSteps(steps: number, lastDiffers: boolean) {
  const inits = [tensor('q', 'float32', [1, 6, 1], waveValues(6, 3))];
  const nodes = [];
  for (let s = 0; s < steps; s++) {
    const w = lastDiffers && s === steps - 1 ? waveValues(8 * 6, 2) : W;
    inits.push(tensor(`w${s}`, 'float32', [8, 6], w));
    nodes.push(node('MatMul', ['memory', `w${s}`], [`k${s}`]), node('MatMul', [`k${s}`, 'q'], [`score${s}`]));
    nodes.push(node(s === 0 ? 'Identity' : 'Add', s === 0 ? [`score${s}`] : [`sum${s - 1}`, `score${s}`], [`sum${s}`]));
  }
  return buildModel({
    opset: 17, inputs: [['memory', 'float32', [1, 5, 8]]], outputs: [`sum${steps - 1}`], initializers: inits, nodes,
  });
}

test('a projection repeated at every step with equal weights is done once; a different weight is not merged', async () => {
  const same = await matchBuilt(decodeSteps(4, false), 'cse_same', 21);
  // One memory projection and one score (the same for every step), then the adds.
  assert.equal(same.result.opHistogram.FULLY_CONNECTED ?? 0, 1, JSON.stringify(same.result.opHistogram));
  assert.equal(same.result.opHistogram.BATCH_MATMUL ?? 0, 1, JSON.stringify(same.result.opHistogram));
  const diff = await matchBuilt(decodeSteps(4, true), 'cse_diff', 22);
  assert.equal(diff.result.opHistogram.FULLY_CONNECTED ?? 0, 2, JSON.stringify(diff.result.opHistogram));
});
