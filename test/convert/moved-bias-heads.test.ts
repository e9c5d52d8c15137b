// LayoutLMv3's relative-position bias is computed [B, N, N, H] (one-hot × Linear) and moved heads-first by the model
// (`permute(0, 3, 1, 2)`) before it is added to every layer's attention scores [B, H, N, N]. The model's Transpose is
// left lazy (stored [B, N, N, H]), and that order, being a rank-4 channel-last, won the elementwise vote: each layer's
// scores were moved to the bias's order and the softmax moved them back (2 TRANSPOSE a layer). A rank-4 order that
// comes from the model's own Transpose and flows into no convolution is no image map's channel-last now: the bias is
// moved once, shared by the layers (src/convert/elementwise-layout.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';

const B = 1, H = 4, N = 7, D = 8;

test('a [B, N, N, H] bias moved heads-first and added to two layers\' scores: one move of the bias, 4 TRANSPOSE → 1', async () => {
  const model = buildModel({
    inputs: [['q', 'float32', [B, H, N, D]], ['kt', 'float32', [B, H, D, N]], ['v', 'float32', [B, H, N, D]], ['rel', 'float32', [B, N, N, H]]],
    outputs: ['y'], opset: 14,
    nodes: [
      node('Mul', ['rel', 'half'], ['relh']), node('Transpose', ['relh'], ['bias'], { perm: [0, 3, 1, 2] }),
      node('MatMul', ['q', 'kt'], ['s1']), node('Add', ['s1', 'bias'], ['a1']), node('Softmax', ['a1'], ['p1'], { axis: -1 }),
      node('MatMul', ['p1', 'v'], ['o1']),
      node('MatMul', ['o1', 'kt'], ['s2']), node('Add', ['s2', 'bias'], ['a2']), node('Softmax', ['a2'], ['p2'], { axis: -1 }),
      node('MatMul', ['p2', 'v'], ['y']),
    ],
    initializers: [tensor('half', 'float32', [], [0.5])],
  });
  const m = await matchBuilt(model, 'moved-bias-heads', 31);
  assert.equal(m.result.transposeCount, 1);
});
