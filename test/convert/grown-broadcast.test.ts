// Mamba-2's segment sums in the SSD quadratic form (Caduceus, twenty-sixth vision sweep): `cs = cumsum(a, 1)
// .transpose(1, 2)` [B, H, L], `exp(cs[..., :, None] − cs[..., None, :])` [B, H, L, L] masked, then a product with
// x [B, H, L, P]. The model's Transpose is lazy, so the difference was computed in the cumsum's stored order
// [B, L, L, H] and the grown value moved heads-first for the product (L·L·H elements); the cumsum is now moved
// before it grows (L·H elements): one TRANSPOSE either way, of the small value (`grown-broadcast.ts`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';

const [L, H, P] = [16, 4, 8];

function segmentSums() {
  return buildModel({
    inputs: [['a', 'float32', [1, L, H]], ['x', 'float32', [1, H, L, P]]], outputs: ['y'], opset: 14,
    nodes: [
      node('Neg', ['a'], ['na']),
      node('CumSum', ['na', 'axis1'], ['cs0']),
      node('Transpose', ['cs0'], ['cs'], { perm: [0, 2, 1] }),
      node('Unsqueeze', ['cs', 'last'], ['ci']),
      node('Unsqueeze', ['cs', 'before'], ['cj']),
      node('Sub', ['ci', 'cj'], ['seg']),
      node('Where', ['mask', 'seg', 'low'], ['masked']),
      node('Exp', ['masked'], ['decay']),
      node('MatMul', ['decay', 'x'], ['y']),
    ],
    initializers: [
      tensor('axis1', 'int64', [], [1]), tensor('last', 'int64', [1], [-1]), tensor('before', 'int64', [1], [-2]),
      tensor('mask', 'bool', [L, L], Array.from({ length: L * L }, (_, k) => (k % L <= Math.floor(k / L) ? 1 : 0))),
      tensor('low', 'float32', [], [-1e4]),
    ],
  });
}

test('segment sums of a moved cumsum: the cumsum is moved before it grows, not the [B, H, L, L] difference', async () => {
  const m = await matchBuilt(segmentSums(), 'grown-broadcast', 321);
  assert.equal(m.result.transposeCount, 1, JSON.stringify(m.result.opHistogram));
  const sg = m.result.model.subgraphs[0];
  const moved = sg.operators.filter((o) => o.opcode === 'TRANSPOSE').map((o) => sg.tensors[o.inputs[0]].shape.reduce((a, b) => a * b, 1));
  assert.deepEqual(moved, [L * H]);
});
