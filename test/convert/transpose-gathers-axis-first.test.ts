// Mel-RoFormer's complex mask (twenty-second sweep, sequence): the per-band masks summed into [b, T, F, 2], moved by
// the model to [b, F, T, 2] and read only as m[..., 0] and m[..., 1]. The Transpose, read only by those Gathers, was
// done in ONNX order, and the Gathers (one index of an axis of 2 over runs of 1 element) moved it again with that axis
// first: 2 TRANSPOSEs. Now the Transpose itself takes the Gathers' order: 1 (src/convert/ops/Transpose.ts
// `gathersAxisFirst`, Gather.ts `axisFirstOrder`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';

const T = 24, F = 17;

test('a Transpose read only by single-index Gathers moving their axis first is moved once (2 -> 1 TRANSPOSE)', async () => {
  const model = buildModel({
    inputs: [['summed', 'float32', [1, T, F, 2]], ['spec_re', 'float32', [1, F, T]], ['spec_im', 'float32', [1, F, T]]],
    outputs: ['re', 'im'], opset: 13,
    nodes: [
      node('Exp', ['summed'], ['e']),
      node('Transpose', ['e'], ['m'], { perm: [0, 2, 1, 3] }),
      node('Gather', ['m', 'zero'], ['m0'], { axis: 3 }),
      node('Gather', ['m', 'one'], ['m1'], { axis: 3 }),
      node('Mul', ['spec_re', 'm0'], ['a']),
      node('Mul', ['spec_im', 'm1'], ['b']),
      node('Sub', ['a', 'b'], ['re']),
      node('Mul', ['spec_re', 'm1'], ['c']),
      node('Mul', ['spec_im', 'm0'], ['d']),
      node('Add', ['c', 'd'], ['im']),
    ],
    initializers: [tensor('zero', 'int64', [], [0]), tensor('one', 'int64', [], [1])],
  });
  const m = await matchBuilt(model, 'transpose-gathers-axis-first', 31);
  assert.equal(m.result.transposeCount, 1, JSON.stringify(m.result.opHistogram));
});
