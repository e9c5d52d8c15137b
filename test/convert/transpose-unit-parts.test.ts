// BEVFormer's temporal self-attention (nineteenth vision sweep) averages its two stacked halves,
// `(out[:b] + out[b:]) / 2`, of a value stored [q, 2b, c] and moved to [2b, q, c] by the model. A Transpose read only
// by Slices was done at once in ONNX order (each part would otherwise need its own move): 1 TRANSPOSE. At b = 1 each
// half, stored [q, 1, c], already holds its bytes in ONNX order, so the Transpose stays lazy: 0 (ops/Transpose.ts
// `partsInPlace`). Halves of two rows each still take the one move.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import type { Model } from '../../src/ir/types';
import { matchBuilt } from '../helpers/match';

const Q = 6, C = 4;

function halves(b: number): Model {
  return buildModel({
    inputs: [['x', 'float32', [Q, 2 * b, C]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Transpose', ['x'], ['t'], { perm: [1, 0, 2] }),
      node('Slice', ['t', 's0', 'e0', 'ax'], ['lo']), node('Slice', ['t', 'e0', 'e1', 'ax'], ['hi']),
      node('Add', ['lo', 'hi'], ['sum']), node('Mul', ['sum', 'half'], ['y']),
    ],
    initializers: [tensor('s0', 'int64', [1], [0]), tensor('e0', 'int64', [1], [b]), tensor('e1', 'int64', [1], [2 * b]),
      tensor('ax', 'int64', [1], [0]), tensor('half', 'float32', [], [0.5])],
  });
}

test('halves of one row each of a lazily moved value are sliced as stored (1 -> 0 TRANSPOSE)', async () => {
  const m = await matchBuilt(halves(1), 'transpose-unit-parts', 3);
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
});

test('halves of two rows each still take one move', async () => {
  const m = await matchBuilt(halves(2), 'transpose-unit-parts-2', 3);
  assert.equal(m.result.transposeCount, 1, JSON.stringify(m.result.opHistogram));
});
