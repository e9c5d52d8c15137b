// Identical computations done once (src/convert/simplify-cse.ts): PARSeq's unrolled decode projects the image memory to
// cross attention's keys again at every step, each step reading its own (equal) copy of the weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';
import { mergeCommonNodes } from '../../src/convert/simplify-cse';

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

/** FastSpeech2's length-regulated decoder mask: a frame count from the durations (sized at run time), a [1, n, 1] mask
 *  read by two equal Casts (one per layer), each a masked fill of frames sized n. */
function frameMasks() {
  return buildModel({
    opset: 17, inputs: [['durations', 'int64', [1, 3]], ['row', 'float32', [1, 1, 4]]], outputs: ['y'],
    initializers: [tensor('one', 'int64', [1], [1]), tensor('four', 'int64', [1], [4]), tensor('two', 'int64', [1], [2]),
      tensor('zero', 'float32', [], [0]), tensor('half', 'float32', [], [0.5])],
    nodes: [
      node('Add', ['durations', 'one'], ['d1']),
      node('ReduceSum', ['d1', 'one'], ['n'], { keepdims: 0 }),
      node('Concat', ['one', 'n'], ['mask_shape'], { axis: 0 }),
      node('ConstantOfShape', ['mask_shape'], ['m'], { value: tensor('value', 'float32', [1], [1]) }),
      node('Unsqueeze', ['m', 'two'], ['m3']),
      node('Cast', ['m3'], ['c1'], { to: 9 }),
      node('Cast', ['m3'], ['c2'], { to: 9 }),
      node('Concat', ['one', 'n', 'four'], ['x_shape'], { axis: 0 }),
      node('Expand', ['row', 'x_shape'], ['x']),
      node('Where', ['c1', 'zero', 'x'], ['w1']),
      node('Where', ['c2', 'half', 'x'], ['w2']),
      node('Add', ['w1', 'w2'], ['y']),
    ],
  });
}

test('equal nodes over values sized at run time (a frame mask read twice) are not merged, and the model runs on LiteRT', async () => {
  const model = frameMasks();
  const g = { ...model.graph, nodes: model.graph.nodes.map((n) => ({ ...n, inputs: [...n.inputs] })) };
  mergeCommonNodes(g, new Map(model.graph.initializers));
  assert.equal(g.nodes.filter((n) => n.opType === 'Cast').length, 2, g.nodes.map((n) => n.opType).join(' '));
  const m = await matchBuilt(model, 'cse_frames', 23);
  assert.ok(m.worst <= 1e-6, `rel ${m.worst}`);
});
