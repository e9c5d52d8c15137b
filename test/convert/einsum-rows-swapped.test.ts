// Titans' memory read (twenty-second sweep, sequence): einsum('bij,bnj->bni', memory, queries) of two run-time
// operands, which the clean-up writes as MatMul(memory, queriesᵀ) and a Transpose of the product's last two dims.
// Taken memory · queriesᵀ it came out [b, i, n] and was moved to the output's [b, n, i] (1 TRANSPOSE a read); taken
// queries · memoryᵀ (BATCH_MATMUL with adj_y) it is stored in the Transpose's order, which is then free
// (src/convert/ops/MatMul.ts `swappedBack`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';

const I = 6, J = 5, N = 4;

test("'bij,bnj->bni' of two run-time operands is written in ONNX order (1 -> 0 TRANSPOSE)", async () => {
  const model = buildModel({
    inputs: [['m', 'float32', [2, I, J]], ['q', 'float32', [2, N, J]], ['r', 'float32', [2, N, I]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Einsum', ['m', 'q'], ['read'], { equation: 'bij,bnj->bni' }),
      node('Add', ['read', 'r'], ['y']),
    ],
  });
  const m = await matchBuilt(model, 'einsum-rows-swapped', 23);
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
  assert.equal(m.result.opHistogram.BATCH_MATMUL, 1, JSON.stringify(m.result.opHistogram));
});

test("'bnj,bij->bni' (already queries first) stays one BATCH_MATMUL with no TRANSPOSE", async () => {
  const model = buildModel({
    inputs: [['q', 'float32', [2, N, J]], ['m', 'float32', [2, I, J]]], outputs: ['y'], opset: 13,
    nodes: [node('Einsum', ['q', 'm'], ['y'], { equation: 'bnj,bij->bni' })],
  });
  const m = await matchBuilt(model, 'einsum-rows-kept', 24);
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
});
