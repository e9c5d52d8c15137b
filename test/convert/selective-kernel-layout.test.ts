// SKNet's selective kernel: branch maps stacked [B, M, C, H, W] (stored [B, M, H, W, C], each branch channel-last)
// times softmaxed branch weights [B, M, C, 1, 1], summed over M, into a Conv. The product used to run channel-last
// for rank 5 ([B, C, H, W, M]: the rule for a result that flows into a convolution counted moved inputs, not their
// size), moving the maps (B·M·C·H·W elements) for the weights' sake, and the sum came out in ONNX order for the
// Conv to move back: 3 TRANSPOSE a unit. Now the maps stay as stored; only the M·C weights move (src/convert/elementwise-layout.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const C = 8, M = 2, H = 6;

test('selective kernel: the stacked branch maps stay channel-last, only the branch weights move', async () => {
  const model = buildModel({
    opset: 11, inputs: [['x', 'float32', [1, C, H, H]]], outputs: ['y'],
    initializers: [
      tensor('w0', 'float32', [C, C, 3, 3], waveValues(C * C * 9, 1).map((v) => v * 0.3)),
      tensor('w1', 'float32', [C, C, 3, 3], waveValues(C * C * 9, 2).map((v) => v * 0.3)),
      tensor('wz', 'float32', [C, C, 1, 1], waveValues(C * C, 5)), tensor('wf', 'float32', [M * C, C, 1, 1], waveValues(M * C * C, 3)),
      tensor('wo', 'float32', [C, C, 1, 1], waveValues(C * C, 4)),
      tensor('vshape', 'int64', [5], [1, M, C, 1, 1]),
    ],
    nodes: [
      node('Conv', ['x', 'w0'], ['b0'], { pads: [1, 1, 1, 1] }), node('Conv', ['x', 'w1'], ['b1'], { pads: [2, 2, 2, 2], dilations: [2, 2] }),
      node('Unsqueeze', ['b0'], ['u0'], { axes: [1] }), node('Unsqueeze', ['b1'], ['u1'], { axes: [1] }),
      node('Concat', ['u0', 'u1'], ['feats'], { axis: 1 }),
      node('ReduceSum', ['feats'], ['s'], { axes: [1], keepdims: 0 }),
      node('ReduceMean', ['s'], ['g'], { axes: [2, 3], keepdims: 1 }), node('Conv', ['g', 'wz'], ['zc']), node('Relu', ['zc'], ['z']),
      node('Conv', ['z', 'wf'], ['f']),
      // torch's opset-11 softmax(dim=1): moved last, Softmax on axis 4, moved back
      node('Reshape', ['f', 'vshape'], ['fv']), node('Transpose', ['fv'], ['ft'], { perm: [0, 4, 2, 3, 1] }),
      node('Softmax', ['ft'], ['st'], { axis: 4 }), node('Transpose', ['st'], ['a'], { perm: [0, 4, 2, 3, 1] }),
      node('Mul', ['feats', 'a'], ['wtd']), node('ReduceSum', ['wtd'], ['v'], { axes: [1], keepdims: 0 }),
      node('Conv', ['v', 'wo'], ['y']),
    ],
  });
  const m = await matchBuilt(model, 'selective-kernel', 3);
  assert.ok((m.result.opHistogram.TRANSPOSE ?? 0) <= 2, JSON.stringify(m.result.opHistogram));
});
