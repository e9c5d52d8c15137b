// TF-GridNet's inter-frame path: a BLSTM over time reads its input time-major and leaves its output stored [T, N, 2h];
// `inter_linear(y.transpose(1, 2))`, a ConvTranspose1d with kernel 1, moved that to channel-last [N, T, 2h] and its
// result back for the residual. A pointwise 1-D Conv / ConvTranspose of an input stored with its channels last in
// another order is now a FULLY_CONNECTED over the stored rows, its output kept in that order
// (src/convert/ops/_pointwise.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const T = 6, N = 3, C = 5, CO = 4;

for (const op of ['ConvTranspose', 'Conv'] as const) {
  test(`a pointwise ${op}1d of a time-major [T, N, C] value: computed as stored (2 -> 0 TRANSPOSE)`, async () => {
    const wDims = op === 'Conv' ? [CO, C, 1] : [C, CO, 1];
    const model = buildModel({
      inputs: [['u', 'float32', [T, N, C]]], outputs: ['y'], opset: 13,
      nodes: [
        node('Transpose', ['u'], ['x'], { perm: [1, 2, 0] }), node(op, ['x', 'w', 'b'], ['c'], { kernel_shape: [1] }),
        node('Transpose', ['c'], ['y'], { perm: [2, 0, 1] }),
      ],
      initializers: [tensor('w', 'float32', wDims, waveValues(C * CO, 1)), tensor('b', 'float32', [CO], waveValues(CO, 2))],
    });
    const m = await matchBuilt(model, `pointwise-${op}`, 91);
    assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
    assert.equal(m.result.opHistogram.FULLY_CONNECTED, 1, JSON.stringify(m.result.opHistogram));
  });
}
