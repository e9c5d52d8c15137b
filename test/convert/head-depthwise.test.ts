// Nyströmformer's conv on V (twenty-third sequence sweep): `Conv2d(h, h, (9, 1), groups=h)` over v [B, h, L, d] —
// the heads as channels, 9 taps along the sequence — added to the attention output before the head merge. As written
// the conv took v channel-last [B, L, d, h] (a move of the heads-first V) and its sum with the attention output was
// moved back to [B, L, h, d] for the merge: 3 TRANSPOSE a layer where the split and the merge are 2. With each head's
// d columns a channel of their own ([B, h·d, L, 1], filters repeated d times) the conv reads the [B, L, h, d] rows as
// they lie (`simplify-head-depthwise.ts`), and the sum runs in the merge's order, moving the attention output once
// (`elementwise-layout.ts` `transposedReaderOrder`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const [L, h, d] = [12, 4, 6];
const E = h * d;

function layer(packed: boolean) {
  // Packed: q, k, v sliced from one projection [1, L, 3·E] and each viewed heads-first (the head passes move the
  // packed heads once and slice them); otherwise the scores are V against itself.
  const heads = (src: string, name: string) => [
    node('Reshape', [src, 's4'], [`${name}4`]), node('Transpose', [`${name}4`], [name], { perm: [0, 2, 1, 3] })];
  const part = (i: number, name: string) => [
    node('Slice', ['p', `b${i}`, `b${i + 1}`, 'last'], [`${name}f`]), ...heads(`${name}f`, name)];
  return buildModel({
    inputs: [['x', 'float32', [1, L, E]]], outputs: ['y'], opset: 13,
    nodes: [
      node('MatMul', ['x', packed ? 'wqkv' : 'wv'], ['p']),
      ...(packed ? [...part(0, 'q'), ...part(1, 'k'), ...part(2, 'v')] : heads('p', 'v')),
      node('Transpose', [packed ? 'k' : 'v'], ['vt'], { perm: [0, 1, 3, 2] }),
      node('MatMul', [packed ? 'q' : 'v', 'vt'], ['sc']),
      node('Softmax', ['sc'], ['a'], { axis: -1 }),
      node('MatMul', ['a', 'v'], ['att']),
      node('Conv', ['v', 'wc'], ['cv'], { group: h, kernel_shape: [9, 1], pads: [4, 0, 4, 0] }),
      node('Add', ['att', 'cv'], ['s']),
      node('Transpose', ['s'], ['m'], { perm: [0, 2, 1, 3] }),
      node('Reshape', ['m', 's3'], ['m3']),
      node('MatMul', ['m3', 'wo'], ['y']),
    ],
    initializers: [
      tensor('wv', 'float32', [E, E], waveValues(E * E, 1).map((v) => v * 0.3)),
      tensor('wqkv', 'float32', [E, 3 * E], waveValues(3 * E * E, 2).map((v) => v * 0.3)),
      tensor('s4', 'int64', [4], [1, L, h, d]), tensor('last', 'int64', [1], [2]),
      ...[0, 1, 2, 3].map((i) => tensor(`b${i}`, 'int64', [1], [i * E])),
      tensor('wc', 'float32', [h, 1, 9, 1], waveValues(h * 9, 3)),
      tensor('s3', 'int64', [3], [1, L, E]),
      tensor('wo', 'float32', [E, E], waveValues(E * E, 4).map((v) => v * 0.3)),
    ],
  });
}

test('a depthwise conv over the heads along the sequence reads V\'s rows as they lie: split and merge only', async () => {
  const m = await matchBuilt(layer(false), 'head-depthwise', 98);
  assert.ok(m.result.transposeCount <= 2, `TRANSPOSE ${m.result.transposeCount}`);
});

test('the same conv on V sliced from packed q / k / v heads: their one move and the merge', async () => {
  const m = await matchBuilt(layer(true), 'head-depthwise-packed', 99);
  assert.equal(m.result.transposeCount, 2);
});
