// A Softmax of a constant folds (src/ir/fold-kernels.ts softmax): ConViT's gated positional self-attention scores
// are softmax(pos_proj(rel_indices).permute(0, 3, 1, 2)) over constant relative positions; unfolded, the scores
// were moved heads-first by a TRANSPOSE and softmaxed on every run (ConViT 20 -> 16 TRANSPOSE). Both axis forms:
// opset 13's one axis, and the flattened trailing dims before 13.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const N = 9, Hh = 2, D = 4;

for (const opset of [13, 11]) {
  test(`positional attention from constants (opset ${opset}): the softmax folds, no SOFTMAX or TRANSPOSE, matches onnxruntime`, async () => {
    const model = buildModel({
      opset, inputs: [['v', 'float32', [1, Hh, N, D]]], outputs: ['y'],
      initializers: [
        tensor('rel', 'float32', [1, N, N, 3], waveValues(N * N * 3, 1).map((a) => 4 * a)),
        tensor('w', 'float32', [3, Hh], waveValues(3 * Hh, 2)), tensor('b', 'float32', [Hh], [0.1, -0.2]),
      ],
      nodes: [
        node('MatMul', ['rel', 'w'], ['p0']), node('Add', ['p0', 'b'], ['p1']),
        node('Transpose', ['p1'], ['p'], { perm: [0, 3, 1, 2] }),
        node('Softmax', ['p'], ['a'], { axis: opset >= 13 ? -1 : 3 }),
        node('MatMul', ['a', 'v'], ['y']),
      ],
    });
    const m = await matchBuilt(model, `softmax-fold-${opset}`, 3);
    const h = m.result.opHistogram;
    assert.equal((h.SOFTMAX ?? 0) + (h.TRANSPOSE ?? 0), 0, JSON.stringify(h));
  });
}
