// Relation-DETR's decoder self-attention (xiahongchen/Relation-DETR): the scores q·kᵀ [B, H, Q, Q] plus a per-head
// bias that a 1x1 conv computes from every box pair's relation embedding ([B, H, Q, Q], stored channel-last as a
// conv output), then softmax over the last axis. The Add's vote gave channel-last its tie bonus, so the scores moved
// to the bias's order and the sum moved back for the softmax (2 TRANSPOSE a layer). A result read only by a softmax
// over its last axis gives channel-last no bonus: the bias moves once (src/convert/elementwise-layout.ts
// `softmaxReader`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const H = 4, Q = 10, D = 8, E = 6;

test('attention scores plus a conv-computed per-head bias, softmaxed: 2 TRANSPOSE → 1', async () => {
  const model = buildModel({
    inputs: [['q', 'float32', [1, H, Q, D]], ['k', 'float32', [1, H, D, Q]], ['v', 'float32', [1, H, Q, D]], ['rel', 'float32', [1, E, Q, Q]]],
    outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['rel', 'w', 'b'], ['c'], { kernel_shape: [1, 1] }),
      node('Relu', ['c'], ['bias']),
      node('MatMul', ['q', 'k'], ['s']),
      node('Add', ['s', 'bias'], ['a']),
      node('Softmax', ['a'], ['p'], { axis: -1 }),
      node('MatMul', ['p', 'v'], ['y']),
    ],
    initializers: [tensor('w', 'float32', [H, E, 1, 1], waveValues(H * E, 3)), tensor('b', 'float32', [H], waveValues(H, 4))],
  });
  const m = await matchBuilt(model, 'softmax-bias-order', 111);
  assert.equal(m.result.transposeCount, 1);
});
