// FFDNet's pixel_unshuffle (eighteenth sweep): four strided slices of the image stacked on a new axis 2 and viewed
// [N, 4C, H/2, W/2] for its first conv. The stack was concatenated [N, 4, H, W, C] (its parts' channel-last order)
// and moved to [N, H, W, C, 4] for the view (1 TRANSPOSE); stored with the stack axis after C, the view is a RESHAPE
// (src/convert/stack-layout.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const i64 = (name: string, v: number[]) => tensor(name, 'int64', [v.length], v);
const corners = [[0, 0], [0, 1], [1, 0], [1, 1]];

test('a stack of strided slices viewed into a conv\'s channels is stored with the stack axis after C (1 -> 0 TRANSPOSE)', async () => {
  const model = buildModel({
    inputs: [['img', 'float32', [1, 3, 8, 8]]], outputs: ['y'], opset: 13,
    nodes: [
      ...corners.flatMap(([dy, dx], k) => [
        node('Slice', ['img', `s${k}`, 'ends', 'hw', 'two'], [`part${k}`]),
        node('Unsqueeze', [`part${k}`, 'axis2'], [`u${k}`]),
      ]),
      node('Concat', corners.map((_, k) => `u${k}`), ['stack'], { axis: 2 }),
      node('Reshape', ['stack', 'view'], ['un']),
      node('Conv', ['un', 'w', 'b'], ['y'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
    ],
    initializers: [
      ...corners.map(([dy, dx], k) => i64(`s${k}`, [dy, dx])), i64('ends', [8, 8]), i64('hw', [2, 3]), i64('two', [2, 2]),
      i64('axis2', [2]), i64('view', [1, 12, 4, 4]),
      tensor('w', 'float32', [5, 12, 3, 3], waveValues(5 * 12 * 9, 1)), tensor('b', 'float32', [5], waveValues(5, 2)),
    ],
  });
  const m = await matchBuilt(model, 'stack-layout', 19);
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
});
