// DDColor's colour map (seventeenth sweep): einsum('bqc,bchw->bqhw', queries, features) of its decoder's queries and
// the channel-last pixel features, into the refine conv. Taken queries · features it came out [b, q, h, w] and was
// moved NHWC (1 TRANSPOSE); taken features · queriesᵀ (BATCH_MATMUL with adj_y) it is [b, h·w, q], the map
// channel-last (src/convert/ops/Einsum.ts `mapsSwapped`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const Q = 3, C = 4, H = 5, W = 6;

test("'bqc,bchw->bqhw' of queries and channel-last features into a conv is written NHWC (1 -> 0 TRANSPOSE)", async () => {
  const model = buildModel({
    inputs: [['img', 'float32', [1, 2, H, W]], ['q', 'float32', [1, Q, C]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['img', 'w0', 'b0'], ['feat'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
      node('Einsum', ['q', 'feat'], ['map'], { equation: 'bqc,bchw->bqhw' }),
      node('Conv', ['map', 'w1', 'b1'], ['y'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
    ],
    initializers: [
      tensor('w0', 'float32', [C, 2, 3, 3], waveValues(C * 18, 1)), tensor('b0', 'float32', [C], waveValues(C, 2)),
      tensor('w1', 'float32', [2, Q, 3, 3], waveValues(2 * Q * 9, 3)), tensor('b1', 'float32', [2], waveValues(2, 4)),
    ],
  });
  const m = await matchBuilt(model, 'einsum-map-swapped', 17);
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
  assert.equal(m.result.opHistogram.BATCH_MATMUL, 1, JSON.stringify(m.result.opHistogram));
});
