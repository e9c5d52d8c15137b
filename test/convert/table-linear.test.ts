// ConViT's gated positional self-attention: `pos_proj(rel_indices).permute(0, 3, 1, 2).softmax(-1)`, a Linear over a
// constant [1, N, N, 3] table whose product (bigger than its factors) the folder leaves to run time. Converted as
// written, the [1, N, N, H] product was moved heads-first at run time (1 TRANSPOSE a layer); now the Linear is
// computed the other way round, Wᵀ · table with the table stored feature-axis first (src/convert/simplify-table-linear.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const N = 14, H = 4, T = N * N;

test('a Linear of a constant table moved features-first (ConViT pos_proj): computed as Wᵀ · table, 1 TRANSPOSE → 0', async () => {
  const model = buildModel({
    inputs: [['scores', 'float32', [1, H, T, T]]],
    outputs: ['y'], opset: 13,
    nodes: [
      node('MatMul', ['rel', 'w'], ['proj']), node('Add', ['b', 'proj'], ['biased']),
      node('Transpose', ['biased'], ['pos'], { perm: [0, 3, 1, 2] }), node('Softmax', ['pos'], ['ps'], { axis: -1 }),
      node('Softmax', ['scores'], ['cs'], { axis: -1 }), node('Mul', ['cs', 'ps'], ['y']),
    ],
    initializers: [
      tensor('rel', 'float32', [1, T, T, 3], waveValues(T * T * 3, 1)),
      tensor('w', 'float32', [3, H], waveValues(3 * H, 2)),
      tensor('b', 'float32', [H], waveValues(H, 3)),
    ],
  });
  const m = await matchBuilt(model, 'table-linear', 41);
  assert.equal(m.result.transposeCount, 0);
});
