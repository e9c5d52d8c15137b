// CCNet's criss-cross attention along W: `bmm(v_W, att_W.permute(0, 2, 1)).view(B, H, C, W).permute(0, 2, 1, 3)`,
// added back into the conv stream. v_W is the channel-last map viewed [B·H, W, C] (read with adj) and att_W
// [B·H, W, W] is read transposed: the product computed transposed, att_W · v_W, is [B·H, W, C], the map channel-last,
// so the view and the model's move cost nothing (src/convert/ops/MatMul.ts `viewedAsMap`). Was one TRANSPOSE of the
// [B, H, C, W] view to NHWC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const C = 6, H = 5, W = 7;
const i64 = (name: string, v: number[]) => tensor(name, 'int64', [v.length], v);

test('criss-cross attention along W: the product of v and attᵀ computed transposed is the map channel-last (1 -> 0 TRANSPOSE)', async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [1, C, H, W]], ['att', 'float32', [H, W, W]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'wv', 'bv'], ['v'], { kernel_shape: [1, 1] }),
      node('Transpose', ['v'], ['vt'], { perm: [0, 2, 1, 3] }), node('Reshape', ['vt', 'rows'], ['vw']),
      node('Transpose', ['att'], ['attT'], { perm: [0, 2, 1] }), node('MatMul', ['vw', 'attT'], ['o']),
      node('Reshape', ['o', 'view'], ['ov']), node('Transpose', ['ov'], ['om'], { perm: [0, 2, 1, 3] }),
      node('Add', ['om', 'x'], ['s']), node('Conv', ['s', 'wo', 'bo'], ['y'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
    ],
    initializers: [
      tensor('wv', 'float32', [C, C, 1, 1], waveValues(C * C, 1)), tensor('bv', 'float32', [C], waveValues(C, 2)),
      tensor('wo', 'float32', [C, C, 3, 3], waveValues(C * C * 9, 3)), tensor('bo', 'float32', [C], waveValues(C, 4)),
      i64('rows', [H, C, W]), i64('view', [1, H, C, W]),
    ],
  });
  const m = await matchBuilt(model, 'criss-cross-map', 61);
  assert.equal(m.result.opHistogram.BATCH_MATMUL, 1, JSON.stringify(m.result.opHistogram));
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
});
