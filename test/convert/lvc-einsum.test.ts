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

test('location-variable conv: product kept channel-last, per-layer bias sliced as stored (7 -> 3 TRANSPOSE)', async () => {
  const model = buildModel({
    inputs: [['c', 'float32', [B, CC, L]], ['x', 'float32', [B, I, L, D, S, K]], ['z', 'float32', [B, O, L * S * D]]],
    outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['c', 'wk', 'bk'], ['kc'], { kernel_shape: [1] }), node('Reshape', ['kc', 'kview'], ['kern']),
      node('Conv', ['c', 'wb', 'bb'], ['bc'], { kernel_shape: [1] }), node('Reshape', ['bc', 'bview'], ['bias']),
      node('Gather', ['kern', 'layer'], ['k0'], { axis: 1 }), node('Gather', ['bias', 'layer'], ['b0'], { axis: 1 }),
      node('Unsqueeze', ['b0', 'axes'], ['b1']),
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
  // Left: x's move for the batched product, the kernel's (o and k swapped), the output's ONNX order.
  assert.equal(m.result.transposeCount, 3, JSON.stringify(m.result.opHistogram));
});
