// BEVFormer's temporal self-attention (nineteenth sweep): sampling offsets from a Linear of the queries, viewed
// [b, q, h, p, 2] and moved heads-first into grid_sample's batch, are stored query-major. The grid was moved to ONNX
// order (1 TRANSPOSE) and the sampled heads, channel-last [b·h, q, p, d], moved again for the merge back to
// [b, q, h·d]. A grid read as stored (its (x, y) axis last) gives the output in the grid's order, [q, b·h, p, d],
// whose merge is a RESHAPE: 2 -> 0 (src/convert/ops/GridSample.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const H = 2, Q = 6, P = 3, C = 4, S = 5;

for (const mode of ['bilinear', 'nearest']) {
  test(`a query-major grid is sampled as stored and the heads merge without a move (${mode}, 2 -> 0 TRANSPOSE)`, async () => {
    const model = buildModel({
      inputs: [['img', 'float32', [H, C, S, S]], ['qry', 'float32', [1, Q, 8]]], outputs: ['y'], opset: 16,
      nodes: [
        node('MatMul', ['qry', 'wo'], ['off']), node('Reshape', ['off', 'v5'], ['o5']),
        node('Transpose', ['o5'], ['ot'], { perm: [0, 2, 1, 3, 4] }), node('Reshape', ['ot', 'v4'], ['o4']),
        node('Tanh', ['o4'], ['grid']),
        node('GridSample', ['img', 'grid'], ['s'], { mode, align_corners: 0 }),
        node('ReduceSum', ['s', 'last'], ['r'], { keepdims: 0 }),
        node('Reshape', ['r', 'merged'], ['m']), node('Transpose', ['m'], ['y'], { perm: [0, 2, 1] }),
      ],
      initializers: [
        tensor('wo', 'float32', [8, H * P * 2], waveValues(8 * H * P * 2, 1).map((v) => 2 * v)),
        tensor('v5', 'int64', [5], [1, Q, H, P, 2]), tensor('v4', 'int64', [4], [H, Q, P, 2]),
        tensor('last', 'int64', [1], [3]), tensor('merged', 'int64', [3], [1, H * C, Q]),
      ],
    });
    const m = await matchBuilt(model, `grid-sample-stored-${mode}`, 5);
    assert.equal(m.result.opHistogram.GATHER_ND, mode === 'nearest' ? 1 : 4, JSON.stringify(m.result.opHistogram));
    assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
  });
}
