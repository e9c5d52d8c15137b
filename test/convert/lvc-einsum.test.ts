// UniVNet's location-variable convolution: a kernel predictor's conv output viewed [B, layers, Cin, Cout, k, L] and
// its bias [B, layers, Cout, L], each layer's `kernel[:, i]` / `bias[:, i]`, and `einsum('bildsk,biokl->bolsd', x,
// kernel) + bias`, viewed [B, Cout, L·s·d] into the conv stream. The Einsum's x is moved anyway, so its free labels
// take the output's order and the product [b, l, s, d, o] is the output's channel-last, kept when it flows into a
// conv (src/convert/ops/Einsum.ts `freeOrder`); a Gather of one index along the batch or channel axis does not pass
// a wish for channel-last to its input (src/convert/subgraph.ts `dropsLeadingAxis`): the predictor's views stay as
// stored and each layer's bias is channel-last as sliced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const B = 1, CC = 5, L = 4, LAYERS = 2, I = 3, O = 4, K = 3, D = 2, S = 2;
const i64 = (name: string, v: number[]) => tensor(name, 'int64', [v.length], v);

test('location-variable conv: product kept channel-last, per-layer bias sliced as stored (4 -> 2 TRANSPOSE)', async () => {
  const model = buildModel({
    inputs: [['c', 'float32', [B, CC, L]], ['xi', 'float32', [B, K, I, L, D, S]], ['z', 'float32', [B, O, L * S * D]]],
    outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['c', 'wk', 'bk'], ['kc'], { kernel_shape: [1] }), node('Reshape', ['kc', 'kview'], ['kern']),
      node('Conv', ['c', 'wb', 'bb'], ['bc'], { kernel_shape: [1] }), node('Reshape', ['bc', 'bview'], ['bias']),
      node('Gather', ['kern', 'layer'], ['k0'], { axis: 1 }), node('Gather', ['bias', 'layer'], ['b0'], { axis: 1 }),
      node('Unsqueeze', ['b0', 'axes'], ['b1']),
      node('Transpose', ['xi'], ['x'], { perm: [0, 2, 3, 4, 5, 1] }),
      node('Einsum', ['x', 'k0'], ['o'], { equation: 'bildsk,biokl->bolsd' }), node('Add', ['o', 'b1'], ['ob']),
      node('Reshape', ['ob', 'flat'], ['of']),
      node('Conv', ['z', 'wz', 'bz'], ['zc'], { kernel_shape: [3], pads: [1, 1] }), node('Add', ['zc', 'of'], ['s']),
      node('Conv', ['s', 'wo', 'bo'], ['y'], { kernel_shape: [3], pads: [1, 1] }),
    ],
    initializers: [
      tensor('wk', 'float32', [LAYERS * I * O * K, CC, 1], waveValues(LAYERS * I * O * K * CC, 1)), tensor('bk', 'float32', [LAYERS * I * O * K], waveValues(LAYERS * I * O * K, 2)),
      tensor('wb', 'float32', [LAYERS * O, CC, 1], waveValues(LAYERS * O * CC, 3)), tensor('bb', 'float32', [LAYERS * O], waveValues(LAYERS * O, 4)),
      tensor('wz', 'float32', [O, O, 3], waveValues(O * O * 3, 5)), tensor('bz', 'float32', [O], waveValues(O, 6)),
      tensor('wo', 'float32', [O, O, 3], waveValues(O * O * 3, 7)), tensor('bo', 'float32', [O], waveValues(O, 8)),
      i64('kview', [B, LAYERS, I, O, K, L]), i64('bview', [B, LAYERS, O, L]), tensor('layer', 'int64', [], [1]),
      i64('axes', [3, 4]), i64('flat', [B, O, L * S * D]),
    ],
  });
  const m = await matchBuilt(model, 'lvc-einsum', 71);
  // Left: x's move for the batched product (the model's own move, [b, k, i, l, d, s] stored), the kernel's (o and k
  // swapped). Was also the product [b, l, d, s, o] moved to ONNX order and the sum moved to the conv's channel-last.
  assert.equal(m.result.transposeCount, 2, JSON.stringify(m.result.opHistogram));
});

test('per-layer slices bias[:, i] of a conv output viewed [B, layers, C, L]: read channel-last as stored (2 -> 0 TRANSPOSE)', async () => {
  const C = 4, T = 6;
  const model = buildModel({
    inputs: [['c', 'float32', [1, CC, T]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['c', 'wb', 'bb'], ['bc'], { kernel_shape: [1] }), node('Reshape', ['bc', 'view'], ['v']),
      node('Gather', ['v', 'one'], ['g1'], { axis: 1 }), node('Gather', ['v', 'zero'], ['g0'], { axis: 1 }), node('Add', ['g1', 'g0'], ['s']),
      node('Conv', ['s', 'wo', 'bo'], ['y'], { kernel_shape: [3], pads: [1, 1] }),
    ],
    initializers: [
      tensor('wb', 'float32', [2 * C, CC, 1], waveValues(2 * C * CC, 3)), tensor('bb', 'float32', [2 * C], waveValues(2 * C, 4)),
      tensor('wo', 'float32', [C, C, 3], waveValues(C * C * 3, 7)), tensor('bo', 'float32', [C], waveValues(C, 8)),
      i64('view', [1, 2, C, T]), tensor('one', 'int64', [], [1]), tensor('zero', 'int64', [], [0]),
    ],
  });
  const m = await matchBuilt(model, 'layer-slices', 73);
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
});
