// FSA-Net's capsule routing (twenty-third vision sweep): the votes `einsum('kpdc,bpc->bkpd', W, x)` over a constant
// W [K, P, D, C] come out of the BATCH_MATMUL batched over p as [p, k, d, b]. Their last label b was not the output's
// last (d), so the product was moved to ONNX order at once, and each routing step's softmax over k and its product
// with the votes moved again. At b = 1 the unit label's place moves no data: [p, k, d, b] holds [b, p, k, d]'s bytes,
// d last, the softmax over k runs on [b, p, k] as stored and the weighted sum reads the votes where they lie
// (`ops/Einsum.ts` `lastReal`: FSA-Net 5 -> 0 TRANSPOSE).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const [K, P, D, C] = [3, 15, 8, 16];

function routing(batch: number) {
  return buildModel({
    inputs: [['x', 'float32', [batch, P, C]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Einsum', ['W', 'x'], ['u'], { equation: 'kpdc,bpc->bkpd' }),
      node('ReduceSum', ['u', 'ax3'], ['s'], { keepdims: 0 }), // [b, k, p]
      node('Softmax', ['s'], ['c'], { axis: 1 }),
      node('Unsqueeze', ['c', 'ax3'], ['c4']),
      node('Mul', ['c4', 'u'], ['cu']),
      node('ReduceSum', ['cu', 'ax2'], ['y'], { keepdims: 0 }), // [b, k, d]
    ],
    initializers: [
      tensor('W', 'float32', [K, P, D, C], waveValues(K * P * D * C, 5).map((v) => v * 0.3)),
      tensor('ax3', 'int64', [1], [3]), tensor('ax2', 'int64', [1], [2]),
    ],
  });
}

test('capsule votes batched over a constant with a unit batch label stay as written: no TRANSPOSE', async () => {
  const m = await matchBuilt(routing(1), 'einsum-unit-last', 94);
  assert.equal(m.result.transposeCount, 0);
});

test('the same votes for two samples (b = 2 is a real last label) still match', async () => {
  await matchBuilt(routing(2), 'einsum-unit-last-b2', 95);
});
