// TriDet's Trident head (twenty-fourth vision sweep): the offsets conv's map [1, 2·9, T] viewed [1, 2, 9, T], each half
// `[:, i]` (a Gather of axis 1) moved to [1, T, 9] and added to the shifted start / end responses. hoistGatheredMoves
// moved the view once before the Gathers ([1, 2, T, 9]), a TRANSPOSE a level, though the conv's map is stored
// [1, T, 2, 9] as it lies: each Gather of it is the moved part already. The moves stay where they are (4 -> 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const [C, T, K] = [6, 24, 9];

function trident(viewDims: number[]) {
  return buildModel({
    inputs: [['x', 'float32', [1, C, T]], ['s', 'float32', [1, T, K]], ['e', 'float32', [1, T, K]]], outputs: ['lo', 'hi'],
    opset: 13,
    nodes: [
      node('Conv', ['x', 'w', 'b'], ['off'], { kernel_shape: [3], pads: [1, 1] }),
      node('Reshape', ['off', 'view'], ['o4']),
      node('Gather', ['o4', 'i0'], ['g0'], { axis: 1 }),
      node('Transpose', ['g0'], ['t0'], { perm: [0, 2, 1] }),
      node('Gather', ['o4', 'i1'], ['g1'], { axis: 1 }),
      node('Transpose', ['g1'], ['t1'], { perm: [0, 2, 1] }),
      node('Add', ['s', 't0'], ['a0']), node('Softmax', ['a0'], ['lo'], { axis: -1 }),
      node('Add', ['e', 't1'], ['a1']), node('Softmax', ['a1'], ['hi'], { axis: -1 }),
    ],
    initializers: [
      tensor('w', 'float32', [2 * K, C, 3], waveValues(2 * K * C * 3, 1)), tensor('b', 'float32', [2 * K], waveValues(2 * K, 2)),
      tensor('view', 'int64', [viewDims.length], viewDims),
      tensor('i0', 'int64', [], [0]), tensor('i1', 'int64', [], [1]),
    ],
  });
}

test('Gathers of a conv map viewed with its channels split, each moved to the map\'s stored order: no TRANSPOSE', async () => {
  const m = await matchBuilt(trident([1, 2, K, T]), 'gathered-conv-offsets', 41);
  assert.equal(m.result.transposeCount, 0);
});
