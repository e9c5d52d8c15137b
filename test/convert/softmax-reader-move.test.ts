// GATv2's attention: a softmax over the neighbours j of an [i, j, h] score map (axis 1), then
// `einsum('ijh,jhf->ihf', a, x)`. The softmax moved its input to [i, h, j] (j last) and the Einsum converter moved
// that again to [h, i, j] for its batched product. Now a rank-3 two-operand Einsum with one batch label is written as
// the Transposes and MatMul it means (src/convert/simplify-einsum-heads.ts), and a softmax whose only reader is the
// model's Transpose keeping the softmax axis last runs in that Transpose's order (src/convert/ops/_softmax.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';

const N = 9, H = 3, F = 5;

test('a softmax along axis 1 read only by a Transpose to [2, 0, 1]: computed in that order, 2 TRANSPOSE → 1', async () => {
  const model = buildModel({
    inputs: [['e', 'float32', [N, N, H]]], outputs: ['y'], opset: 13,
    nodes: [node('Softmax', ['e'], ['a'], { axis: 1 }), node('Transpose', ['a'], ['y'], { perm: [2, 0, 1] })],
  });
  const m = await matchBuilt(model, 'softmax-reader-move', 51);
  assert.equal(m.result.transposeCount, 1);
});

test('GATv2 layer: softmax over j of [i, j, h], einsum ijh,jhf->ihf, heads merged: 4 TRANSPOSE → 3', async () => {
  const model = buildModel({
    inputs: [['e', 'float32', [N, N, H]], ['x', 'float32', [N, H, F]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Softmax', ['e'], ['a'], { axis: 1 }), node('Einsum', ['a', 'x'], ['o'], { equation: 'ijh,jhf->ihf' }),
      node('Reshape', ['o', 'shape'], ['y']),
    ],
    initializers: [tensor('shape', 'int64', [2], [N, H * F])],
  });
  const m = await matchBuilt(model, 'gatv2-einsum', 52);
  assert.equal(m.result.transposeCount, 3);
});
