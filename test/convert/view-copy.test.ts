// MASTER's multi-aspect global context attention (twenty-first vision sweep): a channel-last map [1, C, H, W] viewed
// as G heads in the batch [G, d, H, W] (stored [H, W, G, d]) is moved once to [G, H, W, d] for the shared 1×1 mask
// conv, and viewed again as [G, d, H·W] for the context product with the spatially softmaxed mask. Viewed from the
// primary that second view is [H·W, G, d] and was moved again; viewed from the conv's copy it is [G, H·W, d], the
// product's operand with its last two dims swapped (src/convert/view-copy.ts): 2 -> 1 TRANSPOSE. The product [G, d, 1]
// is then taken as mask · map, both as stored, with no adj_x (ops/MatMul.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import type { Model } from '../../src/ir/types';
import { matchBuilt, waveValues } from '../helpers/match';

const C = 8, G = 4, H = 5, W = 6;

function contextBlock(): Model {
  const d = C / G;
  return buildModel({
    inputs: [['x', 'float32', [1, 3, H, W]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'w0', 'b0'], ['f'], { pads: [1, 1, 1, 1] }), node('Relu', ['f'], ['fr']),
      node('Reshape', ['fr', 'heads'], ['xh']), node('Conv', ['xh', 'wm', 'bm'], ['m0']),
      node('Reshape', ['m0', 'flat1'], ['m1']), node('Softmax', ['m1'], ['m'], { axis: -1 }),
      node('Reshape', ['xh', 'flatd'], ['xf']), node('Transpose', ['m'], ['mt'], { perm: [0, 2, 1] }),
      node('MatMul', ['xf', 'mt'], ['ctx']), node('Reshape', ['ctx', 'back'], ['c4']),
      node('Conv', ['c4', 'wt', 'bt'], ['t']), node('Add', ['fr', 't'], ['y']),
    ],
    initializers: [
      tensor('w0', 'float32', [C, 3, 3, 3], waveValues(C * 27, 1)), tensor('b0', 'float32', [C], waveValues(C, 2)),
      tensor('heads', 'int64', [4], [G, d, H, W]), tensor('wm', 'float32', [1, d, 1, 1], waveValues(d, 3)),
      tensor('bm', 'float32', [1], [0.1]), tensor('flat1', 'int64', [3], [G, 1, H * W]), tensor('flatd', 'int64', [3], [G, d, H * W]),
      tensor('back', 'int64', [4], [1, C, 1, 1]), tensor('wt', 'float32', [C, C, 1, 1], waveValues(C * C, 4)),
      tensor('bt', 'float32', [C], waveValues(C, 5)),
    ],
  });
}

test('a second view of heads in the batch reads the copy the mask conv made: 2 -> 1 TRANSPOSE, no adj_x', async () => {
  const m = await matchBuilt(contextBlock(), 'view-copy', 3);
  assert.equal(m.result.transposeCount, 1, JSON.stringify(m.result.opHistogram));
  const sg = m.result.model.subgraphs[0];
  const bmm = sg.operators.filter((op) => op.opcode === 'BATCH_MATMUL');
  assert.equal(bmm.length, 1);
  assert.equal(bmm[0].options?.adjX, false);
});
