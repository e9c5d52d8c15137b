// xDeepFM's compressed interaction network: the outer product of each layer's maps and the field embeddings,
// z = einsum('bhd,bmd->bhmd', h, x0), viewed [B, h·m, D] into a 1×1 Conv1d. The product's natural order
// [b, d, h, m] is that conv's channel-last input as it stands; the Einsum moved it to ONNX order (and the conv moved it
// back) at every layer: 7 TRANSPOSE in the sixteenth sweep's xdeepfm, 1 now (x0 moved once to [b, d, m]).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';
import type { Model } from '../../src/ir/types';

const B = 2, M = 5, D = 6, H = 4;

function cin(): Model {
  return buildModel({
    inputs: [['x0', 'float32', [B, M, D]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Einsum', ['x0', 'x0'], ['z1'], { equation: 'bhd,bmd->bhmd' }), node('Reshape', ['z1', 's1'], ['z1r']),
      node('Conv', ['z1r', 'w1', 'b1'], ['c1'], { kernel_shape: [1] }), node('Relu', ['c1'], ['h1']),
      node('Einsum', ['h1', 'x0'], ['z2'], { equation: 'bhd,bmd->bhmd' }), node('Reshape', ['z2', 's2'], ['z2r']),
      node('Conv', ['z2r', 'w2', 'b2'], ['c2'], { kernel_shape: [1] }), node('Relu', ['c2'], ['h2']),
      node('Concat', ['h1', 'h2'], ['hs'], { axis: 1 }), node('ReduceSum', ['hs', 'axes'], ['y'], { keepdims: 0 }),
    ],
    initializers: [
      tensor('s1', 'int64', [3], [B, M * M, D]), tensor('s2', 'int64', [3], [B, H * M, D]),
      tensor('w1', 'float32', [H, M * M, 1], waveValues(H * M * M, 1)), tensor('b1', 'float32', [H], waveValues(H, 2)),
      tensor('w2', 'float32', [H, H * M, 1], waveValues(H * H * M, 3)), tensor('b2', 'float32', [H], waveValues(H, 4)),
      tensor('axes', 'int64', [1], [2]),
    ],
  });
}

test("an outer-product Einsum 'bhd,bmd->bhmd' viewed [b, h·m, d] into a Conv1d stays in the conv's channel-last order", async () => {
  const m = await matchBuilt(cin(), 'einsum-outer-conv', 7);
  // No move of either product (the graph input x0 is read in the order the products want).
  assert.equal(m.result.transposeCount, 0);
});
