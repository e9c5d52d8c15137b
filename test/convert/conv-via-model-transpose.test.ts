// SCINet's interactors: the normalised series n [B, T, C] is split into even / odd steps that the model moves
// channels-first ([0, 2, 1]) into 1-D convs, and n is also added back into a conv that reads T as its channels. The
// channel-last hint from that second conv stored n as [B, C, T], so every split step took a TRANSPOSE into the
// interactors' convs (the sixteenth sweep's scinet: 10); a value that reaches a conv through the model's own
// [0, 2, 1] Transpose as well is now left to the vote (src/convert/subgraph.ts channelLastHints): scinet 10 → 7.
// The conv over T has a 3-tap kernel here: a pointwise one is read as a left product and needs no move at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';
import type { Model } from '../../src/ir/types';

const B = 2, T = 8, C = 3, P = 4;

function interactor(): Model {
  return buildModel({
    inputs: [['x', 'float32', [B, T, C]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Mul', ['x', 'scale'], ['n']),
      node('Slice', ['n', 'st0', 'en', 'ax', 'step'], ['e']), node('Slice', ['n', 'st1', 'en', 'ax', 'step'], ['o']),
      node('Transpose', ['e'], ['et'], { perm: [0, 2, 1] }), node('Conv', ['et', 'w1', 'b1'], ['c'], { kernel_shape: [3], pads: [1, 1] }),
      node('Tanh', ['c'], ['ch']), node('Transpose', ['ch'], ['ct'], { perm: [0, 2, 1] }),
      node('Mul', ['o', 'ct'], ['d']), node('Concat', ['ct', 'd'], ['z'], { axis: 1 }),
      node('Add', ['z', 'n'], ['r']), node('Conv', ['r', 'w2'], ['y'], { kernel_shape: [3], pads: [1, 1] }),
    ],
    initializers: [
      tensor('scale', 'float32', [1, 1, C], [0.5, 1.5, -1]),
      tensor('st0', 'int64', [1], [0]), tensor('st1', 'int64', [1], [1]), tensor('en', 'int64', [1], [T]),
      tensor('ax', 'int64', [1], [1]), tensor('step', 'int64', [1], [2]),
      tensor('w1', 'float32', [C, C, 3], waveValues(C * C * 3, 1)), tensor('b1', 'float32', [C], waveValues(C, 2)),
      tensor('w2', 'float32', [P, T, 3], waveValues(P * T * 3, 3)),
    ],
  });
}

test('a series split into steps moved channels-first into 1-D convs and also added into a conv over time is not stored channels-first', async () => {
  const m = await matchBuilt(interactor(), 'conv-via-model-transpose', 11);
  // The even / odd steps reach their conv as stored; only the sum into the conv over T moves.
  assert.equal(m.result.transposeCount, 1);
});
