// Monarch Mixer's block-diagonal products (HazyResearch m2 `blockdiag_multiply`): each product's output [.., k, m] is
// flattened, viewed [.., k, m] again, swapped to [.., m, k] by the Monarch permutation, flattened and viewed [.., m, k]
// for the next product. The chain has one Transpose between Reshapes that only merge and split the same axes; it was
// left to the layout pass, whose first Reshape needed the product (computed block axis first) back in ONNX order and
// the next product moved it again: 4 TRANSPOSE per Monarch matrix. The chain is now composed into one move of the
// input's own axes (simplify-reshape-chain.ts), which the layout pass folds into the next product's move: 3.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';
import type { Model } from '../../src/ir/types';

const N = 6, K = 4, M = 3;

function monarch(): Model {
  const i64 = (name: string, v: number[]) => tensor(name, 'int64', [v.length], v);
  return buildModel({
    inputs: [['x', 'float32', [1, N, K * M]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Reshape', ['x', 'split_km'], ['xs']),
      node('Einsum', ['xs', 'R'], ['r'], { equation: '...ki,koi->...ko' }),
      node('Reshape', ['r', 'flat'], ['rf']), node('Reshape', ['rf', 'split_km'], ['rs']),
      node('Transpose', ['rs'], ['rt'], { perm: [0, 1, 3, 2] }),
      node('Reshape', ['rt', 'flat'], ['rtf']), node('Reshape', ['rtf', 'split_mk'], ['ls']),
      node('Einsum', ['ls', 'L'], ['l'], { equation: '...ki,koi->...ko' }),
      node('Reshape', ['l', 'flat'], ['y']),
    ],
    initializers: [
      i64('split_km', [1, N, K, M]), i64('split_mk', [1, N, M, K]), i64('flat', [1, N, K * M]),
      tensor('R', 'float32', [K, M, M], waveValues(K * M * M, 1)), tensor('L', 'float32', [M, K, K], waveValues(M * K * K, 2)),
    ],
  });
}

test('a Transpose between Reshapes that only merge and split its axes is one move: Monarch 4 TRANSPOSE → 3', async () => {
  const m = await matchBuilt(monarch(), 'monarch', 13, 1e-5);
  assert.equal(m.result.transposeCount, 3, JSON.stringify(m.result.opHistogram));
});
