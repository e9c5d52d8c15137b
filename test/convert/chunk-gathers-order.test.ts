// GLA's chunkwise attention (nineteenth sequence sweep), its projections viewed [b, n, t, h, d] (n chunks of t) and
// moved heads-first by the model, stored as viewed:
// - q is read per chunk by Gathers (each chunk's product with the per-head state) and whole by the intra-chunk
//   product of activations. The Gathers come first in graph order and moved q chunk-first [n, b, h, t, d] to Gather
//   from (regather.ts); the whole product then moved it again heads-first. Moved once to ONNX order, the Gathers read
//   their chunk along a middle axis and the product takes the same copy: 2 -> 1 TRANSPOSE.
// - each chunk's last gate g[:, :, :, -1:] moved [b, h, n, d, 1] and Gathered per chunk: the model's Transpose of a
//   value read only by Gathers was done in ONNX order, where each Gather of the value as stored ([b, n, 1, h, d]) is a
//   chunk [1, h, d] that only a unit dim keeps from ONNX order ([b, h, d, 1]): left lazy, 1 -> 0 TRANSPOSE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const N = 3, T = 4, H = 2, D = 5, E = 6;
const i64 = (name: string, v: number[]) => tensor(name, 'int64', [v.length], v);
const scalar = (name: string, v: number) => tensor(name, 'int64', [], [v]);
const projection = [node('MatMul', ['x', 'w'], ['p']), node('Reshape', ['p', 'view'], ['p5']),
  node('Transpose', ['p5'], ['ph'], { perm: [0, 3, 1, 2, 4] })];
const weights = [tensor('w', 'float32', [H * D, H * D], waveValues(H * D * H * D, 1)), i64('view', [1, N, T, H, D]),
  tensor('state', 'float32', [1, H, D, E], waveValues(H * D * E, 2)), scalar('zero', 0), scalar('two', 2)];

test('chunk Gathers converted before the whole product read the copy that product takes (2 -> 1 TRANSPOSE)', async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [1, N * T, H * D]], ['kt', 'float32', [1, H, N, D, T]]], outputs: ['inter0', 'inter2', 'intra'], opset: 13,
    nodes: [
      ...projection, node('Mul', ['ph', 'scale'], ['q']),
      node('Gather', ['q', 'zero'], ['c0'], { axis: 2 }), node('MatMul', ['c0', 'state'], ['inter0']),
      node('Gather', ['q', 'two'], ['c2'], { axis: 2 }), node('MatMul', ['c2', 'state'], ['inter2']),
      // k's own chain is longer: the whole product comes after the chunks' products in graph order, as in GLA.
      ...[0, 1, 2, 3, 4, 5].map((i) => node('Neg', [i ? `k${i}` : 'kt'], [i === 5 ? 'k' : `k${i + 1}`])),
      node('MatMul', ['q', 'k'], ['intra']),
    ],
    initializers: [...weights, tensor('scale', 'float32', [], [0.5])],
  });
  const m = await matchBuilt(model, 'chunk-gathers-product', 31);
  assert.equal(m.result.transposeCount, 1, JSON.stringify(m.result.opHistogram));
});

test("the chunks' last gates moved and Gathered per chunk are Gathered as stored (1 -> 0 TRANSPOSE)", async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [1, N * T, H * D]]], outputs: ['d0', 'd2'], opset: 13,
    nodes: [
      ...projection,
      node('Slice', ['ph', 'minus1', 'end', 'three'], ['last']), node('Transpose', ['last'], ['lt'], { perm: [0, 1, 2, 4, 3] }),
      node('Gather', ['lt', 'zero'], ['g0'], { axis: 2 }), node('Exp', ['g0'], ['e0']), node('Mul', ['state', 'e0'], ['d0']),
      node('Gather', ['lt', 'two'], ['g2'], { axis: 2 }), node('Exp', ['g2'], ['e2']), node('Mul', ['state', 'e2'], ['d2']),
    ],
    initializers: [...weights, i64('minus1', [-1]), i64('end', [T]), i64('three', [3])],
  });
  const m = await matchBuilt(model, 'chunk-gathers-gates', 37);
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
});
