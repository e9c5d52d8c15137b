// AdaBins' range attention (sixteenth sweep): `x.view(n, c, h*w).permute(0, 2, 1) @ queries.permute(0, 2, 1)` with
// `queries = tgt[1:q+1].permute(1, 0, 2)` from a sequence-first transformer ([q, 1, d] stored for [1, d, q]). The two
// permutes swap the last two dims but for where the batch's unit dim sits, so the operand is a RESHAPE of the stored
// value read with adj_y (ops/MatMul.ts `operand`): 1 TRANSPOSE before, 0 after; the product matches onnxruntime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';

const Q = 5;
const D = 6;
const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

test('queries [q, 1, d] read as [1, d, q] through two permutes: a RESHAPE with adj_y, no TRANSPOSE', async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [1, 3, 4, 4]], ['tgt', 'float32', [Q + 1, 1, D]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'w', 'b'], ['f']),
      node('Reshape', ['f', 'flat'], ['f3']),
      node('Transpose', ['f3'], ['pix'], { perm: [0, 2, 1] }),
      node('Slice', ['tgt', 'starts', 'ends', 'axes'], ['qs']),
      node('Relu', ['qs'], ['qr']),
      node('Transpose', ['qr'], ['queries'], { perm: [1, 0, 2] }),
      node('Transpose', ['queries'], ['qt'], { perm: [0, 2, 1] }),
      node('MatMul', ['pix', 'qt'], ['y']),
    ],
    initializers: [tensor('w', 'float32', [D, 3, 1, 1], seq(3 * D, (i) => Math.sin(i))), tensor('b', 'float32', [D], seq(D, (i) => i * 0.1)),
      tensor('flat', 'int64', [3], [1, D, 16]), tensor('starts', 'int64', [1], [1]), tensor('ends', 'int64', [1], [Q + 1]),
      tensor('axes', 'int64', [1], [0])],
  });
  const m = await matchBuilt(model, 'matmul-unit-dim-view', 7);
  assert.equal(m.result.transposeCount, 0);
});
