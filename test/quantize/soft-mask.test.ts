// A sigmoid output that is a soft gain (values spread between 0 and 1: DTLN stage 1's mask on the magnitude spectrum)
// is judged by the cosine, not by the probability-map judge's thresholded IoU (task-signal.ts softOutputs); a map read
// thresholded (values near 0 or 1) still is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quantizeModelBytes } from '../../src/quantize/file';
import { MAX_SOFT_SHARE, softOutputs, softShare } from '../../src/quantize/task-signal';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import type { Tensor } from '../../src/ir/types';

const H = 8;
const W = 8;

/** gain = sigmoid(pattern + 4·x − 2), x [1, 1, 8, 8] in [0, 1): the pattern is +3 on a few pixels (the region over 0.5),
 *  -3 on the others and -1000 on one, which stretches the int8 range of the logits to a step of ~4: int8 rounds every
 *  logit to -4, 0 or +4 and loses the input's part. The region stays (IoU 1 at 0.3 and 0.5) while the gains between
 *  move (cosine under 0.99); most reference values lie inside (0.02, 0.98). */
function softGain(): Uint8Array {
  const pattern = Array.from({ length: H * W }, (_, i) => (i === 0 ? -1000 : i % 11 === 5 ? 3 : -3));
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 1, H, W]]], outputs: [['gain', 'float32', [1, 1, H, W]]],
    initializers: [tensor('pattern', 'float32', [1, 1, H, W], pattern), tensor('four', 'float32', [], [4]), tensor('two', 'float32', [], [2])],
    nodes: [node('Mul', ['x', 'four'], ['x4']), node('Sub', ['x4', 'two'], ['b']), node('Add', ['pattern', 'b'], ['logits']), node('Sigmoid', ['logits'], ['gain'])],
  }));
}

test('softShare / softOutputs: a text map sits outside the band, a gain inside it', () => {
  const map = Float32Array.from({ length: 1000 }, (_, i) => (i < 80 ? 0.99 : i < 85 ? 0.5 : 0.001));
  const gain = Float32Array.from({ length: 1000 }, (_, i) => (i % 10) / 10 + 0.05);
  assert.ok(softShare([map]) < 0.01);
  assert.ok(softShare([gain]) > MAX_SOFT_SHARE);
  const refs = [new Map<string, Tensor>([['map', { name: 'map', dtype: 'float32', dims: [1000], data: map }], ['gain', { name: 'gain', dtype: 'float32', dims: [1000], data: gain }]])];
  assert.deepEqual([...softOutputs(refs, ['map', 'gain'])], ['gain']);
});

test('a soft gain whose int8 misses the cosine is refused, not passed by the thresholded IoU of its region', async () => {
  // --int16 off: no search, the guard judges plain int8.
  await assert.rejects(quantizeModelBytes(softGain(), 'gain.onnx', {}, { mode: 'int8', int16: 'off' }),
    (e: Error) => e.name === 'ModelError' && /output cosine 0\.\d+ .*below --min-cosine 0\.99/.test(e.message) && !/probability map/.test(e.message),
    'judged by the cosine');
  const r = await quantizeModelBytes(softGain(), 'gain.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
  assert.equal(r.summary.guard?.met, false);
  assert.equal(r.summary.guard?.maskIou, undefined, 'no map judged');
});
