// MGP-STR's A^3 token learners (AlibabaResearch/AdvancedLiterateMachinery): three LayerNorms of the same tokens
// [B, N, C] — after the clean-up, one normalised value and three `+ bias_i` — each moved `transpose(1, 2).unsqueeze(-1)`
// into 1x1 convs. The rule that runs several elementwise readers of one value in the order the model then moves
// their results to (elementwise-layout.ts `hoistedPerm`, NeMo's q + pos_bias_u / _v) moved the tokens [B, C, N] once
// and each conv's input back to channel-last: 4 TRANSPOSE where the tokens as they lie are each conv's channel-last.
// The rule now leaves results that flow into a convolution through a move to their channel-last order alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const N = 12, C = 8, O = 5;

test('three biases of one token value, each moved channels-first into a 1x1 conv: no TRANSPOSE', async () => {
  const branch = (i: number) => [
    node('Add', ['t', `b${i}`], [`a${i}`]),
    node('Transpose', [`a${i}`], [`p${i}`], { perm: [0, 2, 1] }),
    node('Unsqueeze', [`p${i}`, 'last'], [`u${i}`]),
    node('Conv', [`u${i}`, `w${i}`], [`c${i}`], { kernel_shape: [1, 1] }),
    node('ReduceMean', [`c${i}`], [`y${i}`], { axes: [2, 3], keepdims: 0 }),
  ];
  const model = buildModel({
    inputs: [['x', 'float32', [1, N, C]]], outputs: ['y0', 'y1', 'y2'], opset: 13,
    nodes: [node('Mul', ['x', 'g'], ['t']), ...branch(0), ...branch(1), ...branch(2)],
    initializers: [
      tensor('g', 'float32', [C], waveValues(C, 5)), tensor('last', 'int64', [1], [-1]),
      ...[0, 1, 2].flatMap((i) => [tensor(`b${i}`, 'float32', [C], waveValues(C, 6 + i)),
        tensor(`w${i}`, 'float32', [O, C, 1, 1], waveValues(O * C, 9 + i))]),
    ],
  });
  const m = await matchBuilt(model, 'hoist-into-conv', 101);
  assert.equal(m.result.transposeCount, 0);
});
