// A DFT along an axis that is not next to real/imaginary in the stored order (ops/_dft-left.ts): LaMa's Fourier unit
// as onnxscript writes rfftn / irfftn at opset 17, on a conv's channel-last map. The transforms over W and H are
// BATCH_MATMULs with the constant matrix on the left over the map as it is stored, so the unit keeps NHWC with no
// TRANSPOSE (was 6: into the W transform, W → H, H → the conv's [.., C, 2] channels, back, H → W, back to NHWC),
// and matches onnxruntime on LiteRT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';
import { keptOrder } from '../../src/convert/ops/_dft-left';
import type { Model } from '../../src/ir/types';

const C = 3;
const H = 6;
const W = 8;
const W2 = W / 2 + 1;

/** x [1, 2, H, W] → 1×1 conv to C channels → rfft over W, fft over H → [1, 2C, H, W2] conv → ifft over H, the
 *  inverse over W of the (zero-padded) half spectrum, real part → 1×1 conv. */
function fourierUnit(): Model {
  const i64 = (name: string, v: number[]) => tensor(name, 'int64', [v.length], v);
  const scalar = (name: string, v: number) => tensor(name, 'int64', [], [v]);
  return buildModel({
    inputs: [['x', 'float32', [1, 2, H, W]]], outputs: ['y'], opset: 17,
    nodes: [
      node('Conv', ['x', 'w_in'], ['a']),
      node('Unsqueeze', ['a', 'last'], ['a5']),
      node('DFT', ['a5', ''], ['fw'], { axis: 3, onesided: 1 }),
      node('DFT', ['fw', ''], ['fhw'], { axis: 2 }),
      node('Transpose', ['fhw'], ['t'], { perm: [0, 1, 4, 2, 3] }),
      node('Reshape', ['t', 'to_conv'], ['m']),
      node('Conv', ['m', 'w_mid', 'b_mid'], ['mc']),
      node('Relu', ['mc'], ['mr']),
      node('Reshape', ['mr', 'from_conv'], ['r5']),
      node('Transpose', ['r5'], ['back'], { perm: [0, 1, 3, 4, 2] }),
      node('DFT', ['back', ''], ['ih'], { axis: 2, inverse: 1 }),
      node('DFT', ['ih', 'len_w'], ['iw'], { axis: 3, inverse: 1 }),
      node('Slice', ['iw', 'zero', 'one', 'last'], ['re']),
      node('Squeeze', ['re', 'last'], ['s']),
      node('Conv', ['s', 'w_out'], ['y']),
    ],
    initializers: [
      tensor('w_in', 'float32', [C, 2, 1, 1], waveValues(C * 2, 1)),
      tensor('w_mid', 'float32', [2 * C, 2 * C, 1, 1], waveValues(4 * C * C, 2)),
      tensor('b_mid', 'float32', [2 * C], waveValues(2 * C, 3)),
      tensor('w_out', 'float32', [2, C, 1, 1], waveValues(2 * C, 4)),
      i64('last', [-1]), i64('zero', [0]), i64('one', [1]), scalar('len_w', W),
      i64('to_conv', [1, 2 * C, H, W2]), i64('from_conv', [1, C, 2, H, W2]),
    ],
  });
}

test('a Fourier unit on a channel-last map keeps it channel-last (0 TRANSPOSE) and matches onnxruntime', async () => {
  const m = await matchBuilt(fourierUnit(), 'fourier-unit', 5, 1e-5);
  const h = m.result.opHistogram;
  assert.equal(h.TRANSPOSE ?? 0, 0, JSON.stringify(h));
  assert.equal(h.BATCH_MATMUL, 8, 'two left products (cos, sin) for each of the four transforms');
});

test('keptOrder moves only a unit real/imaginary dim to the end, else keeps a stored order that ends with it', () => {
  // [1, C, H, W, 1] stored [1, H, W, 1, C] (a channel-last map unsqueezed): re/im moved last costs nothing.
  assert.deepEqual(keptOrder([0, 2, 3, 4, 1], [1, 4, 6, 8, 1], 3), [0, 2, 3, 1, 4]);
  // complex [1, C, H, W, 2] stored [1, H, W, C, 2]: kept as it is.
  assert.deepEqual(keptOrder([0, 2, 3, 1, 4], [1, 4, 6, 8, 2], 2), [0, 2, 3, 1, 4]);
  // complex with re/im in the middle of the stored order: not kept (the DFT moves it).
  assert.equal(keptOrder([0, 2, 3, 4, 1], [1, 4, 6, 8, 2], 3), undefined);
});
