// FlashOcc's BEV pooling (twenty-third vision sweep): the frustum features — depth distribution × context, an outer
// product of two convs' outputs [1, C, D, h, w] — viewed [1, C, points] and `scatter_add_`ed along the points at
// precomputed ranks expanded over C (a constant once folded) into zeros [1, C, X·Y], viewed [1, C, X, Y] for the BEV
// conv. The row scatter took Expand-made indices only: the constant ones went the element-wise way in ONNX order, and
// the pooled map was moved channel-last for the conv. As rows, the features are moved once to [points, C] (the view's
// one move, `_reshape.ts` reading `rowsWanted`) and scattered into the conv's channel-last input (FlashOcc 3 -> 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const [Cin, C, D, h, w, X, Y] = [3, 8, 5, 4, 6, 6, 5];
const P = D * h * w;

function bevPool(expanded: boolean) {
  const ranks = Array.from({ length: P }, (_, i) => (i * 7) % (X * Y));
  return buildModel({
    inputs: [['img', 'float32', [1, Cin, h, w]]], outputs: ['y'], opset: 16,
    nodes: [
      node('Conv', ['img', 'wd', 'bd'], ['dl'], { kernel_shape: [1, 1] }),
      node('Softmax', ['dl'], ['depth'], { axis: 1 }),
      node('Conv', ['img', 'wc', 'bc'], ['ctx'], { kernel_shape: [1, 1] }),
      node('Unsqueeze', ['depth', 'ax1'], ['d5']), // [1, 1, D, h, w]
      node('Unsqueeze', ['ctx', 'ax2'], ['c5']), // [1, C, 1, h, w]
      node('Mul', ['d5', 'c5'], ['vol']), // [1, C, D, h, w]
      node('Reshape', ['vol', 'flat'], ['feats']),
      ...(expanded ? [node('Expand', ['ranks1', 'ishape'], ['idx'])] : []),
      node('ScatterElements', ['zeros', expanded ? 'idx' : 'ranks', 'feats'], ['pooled'], { axis: 2, reduction: 'add' }),
      node('Reshape', ['pooled', 'bev'], ['map']),
      node('Conv', ['map', 'wb', 'bb'], ['y'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
    ],
    initializers: [
      tensor('wd', 'float32', [D, Cin, 1, 1], waveValues(D * Cin, 1)), tensor('bd', 'float32', [D], waveValues(D, 2)),
      tensor('wc', 'float32', [C, Cin, 1, 1], waveValues(C * Cin, 3)), tensor('bc', 'float32', [C], waveValues(C, 4)),
      tensor('ax1', 'int64', [1], [1]), tensor('ax2', 'int64', [1], [2]),
      tensor('flat', 'int64', [3], [1, C, P]), tensor('bev', 'int64', [4], [1, C, X, Y]),
      tensor('zeros', 'float32', [1, C, X * Y], new Array(C * X * Y).fill(0)),
      tensor('ranks', 'int64', [1, C, P], Array.from({ length: C * P }, (_, i) => ranks[i % P])),
      tensor('ranks1', 'int64', [1, 1, P], ranks), tensor('ishape', 'int64', [3], [1, C, P]),
      tensor('wb', 'float32', [4, C, 3, 3], waveValues(4 * C * 9, 5)), tensor('bb', 'float32', [4], waveValues(4, 6)),
    ],
  });
}

test('a BEV pooling scatter_add at constant ranks writes rows into the conv\'s channel-last map: one TRANSPOSE', async () => {
  const m = await matchBuilt(bevPool(false), 'scatter-rows-bev', 96);
  assert.equal(m.result.transposeCount, 1);
});

test('the same ranks expanded at run time (an Expand the folding keeps or not) give the same values', async () => {
  await matchBuilt(bevPool(true), 'scatter-rows-bev-expand', 97);
});
