// GLA's chunkwise attention (nineteenth sequence sweep): v viewed [b, n, t, h, d] and moved heads-first for the
// intra-chunk product, and each chunk v[:, i] Gathered for the inter-chunk state. The chunk Gathers moved v again,
// chunk-first (regather.ts), where the heads-first copy already holds every chunk in the order wanted around the
// chunk axis: they are Gathered from it along that axis (2 -> 1 TRANSPOSE).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const N = 3, T = 4, H = 2, D = 5;
const i64 = (name: string, v: number[]) => tensor(name, 'int64', [v.length], v);

test('chunk Gathers of a value already moved heads-first are Gathered from that copy (2 -> 1 TRANSPOSE)', async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [1, N * T, H * D]], ['a', 'float32', [1, N, H, T, T]], ['s', 'float32', [1, H, T, T]]],
    outputs: ['intra', 'inter0', 'inter2'], opset: 13,
    nodes: [
      node('MatMul', ['x', 'w'], ['v']), node('Reshape', ['v', 'view'], ['v5']),
      node('Transpose', ['v5'], ['vh'], { perm: [0, 1, 3, 2, 4] }),
      node('MatMul', ['a', 'vh'], ['intra']),
      node('Gather', ['vh', 'zero'], ['c0'], { axis: 1 }), node('MatMul', ['s', 'c0'], ['inter0']),
      node('Gather', ['vh', 'two'], ['c2'], { axis: 1 }), node('MatMul', ['s', 'c2'], ['inter2']),
    ],
    initializers: [
      tensor('w', 'float32', [H * D, H * D], waveValues(H * D * H * D, 1)), i64('view', [1, N, T, H, D]),
      tensor('zero', 'int64', [], [0]), tensor('two', 'int64', [], [2]),
    ],
  });
  const m = await matchBuilt(model, 'regather-copy', 29);
  assert.equal(m.result.transposeCount, 1, JSON.stringify(m.result.opHistogram));
});
