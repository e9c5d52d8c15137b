// MS-G3D's multi-scale graph conv (twenty-second vision sweep): the skeleton x [N, C, T, U] reaches
// `einsum('vu,nctu->nctv', A, x)` (A [S·U, U], S hop scales) stored [N, U, C, T] by the model's own permutes; the
// product [N, C, T, S·U] is viewed [N, C, T, S, U], moved scales-first and viewed [N, S·C, T, U] into the MLP's 1x1
// conv. The product came out of the left BATCH_MATMUL as [N, S·U, C, T] and was moved to ONNX order at once, then
// the views' move took it to the conv's channel-last: 2 TRANSPOSE. Left lazy, the one move of the views lands it
// (MS-G3D 9 -> 8).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const [C, T, U, M, S, O] = [3, 8, 5, 2, 4, 6];

function msgcn() {
  return buildModel({
    inputs: [['x', 'float32', [1, C, T, U, M]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Transpose', ['x'], ['p'], { perm: [0, 4, 3, 1, 2] }), // [1, M, U, C, T]
      node('Reshape', ['p', 's3'], ['f']),
      node('Mul', ['f', 'bn'], ['fb']),
      node('Reshape', ['fb', 's5'], ['g']),
      node('Transpose', ['g'], ['q'], { perm: [0, 1, 3, 4, 2] }), // [1, M, C, T, U]
      node('Reshape', ['q', 's4'], ['xs']), // [M, C, T, U]
      node('Einsum', ['A', 'xs'], ['e'], { equation: 'vu,nctu->nctv' }),
      node('Reshape', ['e', 'sv'], ['e5']), // [M, C, T, S, U]
      node('Transpose', ['e5'], ['et'], { perm: [0, 3, 1, 2, 4] }),
      node('Reshape', ['et', 'sc'], ['ec']), // [M, S·C, T, U]
      node('Conv', ['ec', 'w', 'b'], ['y']),
    ],
    initializers: [
      tensor('s3', 'int64', [3], [1, M * U * C, T]),
      tensor('bn', 'float32', [M * U * C, 1], waveValues(M * U * C, 1).map((v) => v + 1)),
      tensor('s5', 'int64', [5], [1, M, U, C, T]),
      tensor('s4', 'int64', [4], [M, C, T, U]),
      tensor('A', 'float32', [S * U, U], waveValues(S * U * U, 2)),
      tensor('sv', 'int64', [5], [M, C, T, S, U]),
      tensor('sc', 'int64', [4], [M, S * C, T, U]),
      tensor('w', 'float32', [O, S * C, 1, 1], waveValues(O * S * C, 3)),
      tensor('b', 'float32', [O], waveValues(O, 4)),
    ],
  });
}

test("a graph conv einsum whose product is only viewed into a conv stays as the BATCH_MATMUL writes it: the input permute and one move of the views (3 -> 2), matches onnxruntime", async () => {
  const m = await matchBuilt(msgcn(), 'einsum-viewed-conv', 3);
  assert.equal(m.result.transposeCount, 2);
});
