// MusicGen's cross-attention: every decoder layer's packed k / v Linear reads the same time-first view
// (`cond.transpose(0, 1)`) of the batch-first conditioning. A Linear already read a value kept in another order of its
// leading axes as stored when it was the one Linear of it; several Linears of it going on the same way (a head view,
// a move) now do too (src/convert/ops/MatMul.ts `leadingOrder`), so the memory is not moved time-first once and each
// layer's heads moved back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const B = 2, S = 5, E = 8, H = 2, D = 4;

test('two Linears of one time-first view of a batch-first input read it as stored (2 -> 1 TRANSPOSE)', async () => {
  const model = buildModel({
    inputs: [['cond', 'float32', [B, S, E]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Transpose', ['cond'], ['m'], { perm: [1, 0, 2] }),
      node('MatMul', ['m', 'w0'], ['p0']), node('Reshape', ['p0', 'heads'], ['h0']), node('Transpose', ['h0'], ['t0'], { perm: [1, 2, 0, 3] }),
      node('MatMul', ['m', 'w1'], ['p1']), node('Reshape', ['p1', 'heads'], ['h1']), node('Transpose', ['h1'], ['t1'], { perm: [1, 2, 0, 3] }),
      node('Add', ['t0', 't1'], ['y']),
    ],
    initializers: [tensor('w0', 'float32', [E, H * D], waveValues(E * H * D, 1)), tensor('w1', 'float32', [E, H * D], waveValues(E * H * D, 2)),
      tensor('heads', 'int64', [4], [S, B, H, D])],
  });
  const m = await matchBuilt(model, 'shared-memory-linears', 95);
  // Left: the one head move [B, S, H, d] → [B, H, S, d] of the sum.
  assert.equal(m.result.transposeCount, 1, JSON.stringify(m.result.opHistogram));
});
