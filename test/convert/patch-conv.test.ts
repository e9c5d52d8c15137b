// Qwen2-VL's vision patch embedding: flattened patches [N, C·T·P·P] viewed [N, C, T, P, P] and a Conv3d whose kernel
// (= stride) covers that whole view, viewed back [N, E]. The Conv read its input channel-last: one TRANSPOSE of the
// viewed patches. The Conv is now a Gemm of the flattened patches (src/convert/simplify-patch-conv.ts): 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const N = 10, E = 24;

for (const kernel of [[2, 4, 4], [3, 5]]) {
  test(`a patch embedding Conv${kernel.length}d whose kernel ${kernel.join('×')} covers its viewed input: 1 TRANSPOSE → 0`, async () => {
    const C = 3;
    const K = C * kernel.reduce((p, d) => p * d, 1);
    const model = buildModel({
      inputs: [['x', 'float32', [N, K]]], outputs: ['y'], opset: 14,
      nodes: [
        node('Reshape', ['x', 'view'], ['patches']),
        node('Conv', ['patches', 'w', 'b'], ['emb'], { kernel_shape: kernel, strides: kernel }),
        node('Reshape', ['emb', 'flat'], ['tokens']), node('LayerNormalization', ['tokens', 'g', 'beta'], ['y'], { axis: -1 }),
      ],
      initializers: [
        tensor('view', 'int64', [2 + kernel.length], [N, C, ...kernel]), tensor('flat', 'int64', [2], [N, E]),
        tensor('w', 'float32', [E, C, ...kernel], waveValues(E * K, 3)), tensor('b', 'float32', [E], waveValues(E, 4)),
        tensor('g', 'float32', [E], waveValues(E, 5).map((v) => 1 + v)), tensor('beta', 'float32', [E], waveValues(E, 6)),
      ],
    });
    const m = await matchBuilt(model, 'patch-conv', 11);
    assert.equal(m.result.transposeCount, 0);
  });
}
