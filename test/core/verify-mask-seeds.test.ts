// Float inputs that are masks (MOMENT's input_mask / mask, the Set Transformer's padded points' mask) are seeded 0 / 1
// by the self-check and int8's random calibration, not uniform in [0, 1) (src/core/verify-mask-seeds.ts), and
// `--json` verification.seeds says what each input was fed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { verifyOnLiteRt } from '../../src/core/verify';
import { verificationJson } from '../../src/core/verify-report';
import { seedPlan } from '../../src/core/verify-seeds';
import { seededMask } from '../../src/core/verify-mask-seeds';
import { modelIo, prepareInputs } from '../../src/deploy/tensors';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { parseTflite } from '../../src/tflite/reader';
import { serializeTflite } from '../../src/tflite/writer';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

/** Set Transformer-style attention of 2 seeds over 6 points, the padded points' keys masked by `(1 - m) · scale`
 *  added to the scores; `m` is named `keep` (not for a mask) so that only the graph's reading of it marks it. */
function maskedPoints(scale: number) {
  return buildModel({
    inputs: [['points', 'float32', [1, 6, 8]], ['keep', 'float32', [1, 6]]],
    outputs: ['out'], opset: 13,
    nodes: [
      node('MatMul', ['points', 'wk'], ['k']),
      node('Transpose', ['k'], ['kt'], { perm: [0, 2, 1] }),
      node('MatMul', ['seeds', 'kt'], ['scores']),
      node('Sub', ['one', 'keep'], ['pad']),
      node('Mul', ['pad', 'scale'], ['bias']),
      node('Unsqueeze', ['bias', 'axis1'], ['bias3']),
      node('Add', ['scores', 'bias3'], ['masked']),
      node('Softmax', ['masked'], ['attn'], { axis: -1 }),
      node('MatMul', ['attn', 'points'], ['out']),
    ],
    initializers: [tensor('wk', 'float32', [8, 8], seq(64, (i) => Math.sin(i * 1.7) * 0.5)),
      tensor('seeds', 'float32', [1, 2, 8], seq(16, (i) => Math.cos(i * 0.9))), tensor('one', 'float32', [], [1]),
      tensor('scale', 'float32', [], [scale]), tensor('axis1', 'int64', [1], [1])],
  });
}

/** MOMENT-style masked mean: the series times its observed-steps mask, summed, over the mask's sum. */
function maskedMean() {
  return buildModel({
    inputs: [['x_enc', 'float32', [1, 16]], ['input_mask', 'float32', [1, 16]]],
    outputs: ['mean'], opset: 13,
    nodes: [
      node('Mul', ['x_enc', 'input_mask'], ['kept']),
      node('ReduceSum', ['kept'], ['total'], { keepdims: 1 }),
      node('ReduceSum', ['input_mask'], ['count'], { keepdims: 1 }),
      node('Div', ['total', 'count'], ['mean']),
    ],
    initializers: [],
  });
}

const tfliteOf = (m: ReturnType<typeof buildModel>) => serializeTflite(convertModel(m).model);

test('a float input read only as (1 - m) · -1e9 before a softmax is seeded 0 / 1, the other input uniform; verification.seeds says so', async () => {
  const m = maskedPoints(-1e9);
  const tflite = tfliteOf(m);
  const model = parseTflite(tflite);
  const io = modelIo(model).inputs;
  const plan = seedPlan(model, io, 1);
  assert.deepEqual(plan.kinds, { points: 'uniform [0, 1)', keep: 'mask 0 / 1' });
  const feeds = prepareInputs(io, undefined, 1, plan.values).onnx;
  assert.deepEqual(Array.from(feeds.find((t) => t.name === 'keep')!.data as Float32Array), [1, 1, 1, 0, 0, 0]);
  const v = await verifyOnLiteRt(encodeModel(m), tflite);
  assert.deepEqual(verificationJson(v).seeds, { points: 'uniform [0, 1)', keep: 'mask 0 / 1' });
  assert.ok(v.maxRel <= 1e-5, `max rel ${v.maxRel}`);
});

test('a float input named for a mask (MOMENT\'s input_mask, multiplied into the series) is seeded 0 / 1; seeds differ by seed', () => {
  const model = parseTflite(tfliteOf(maskedMean()));
  const plan = seedPlan(model, modelIo(model).inputs, 1);
  assert.equal(plan.kinds.input_mask, 'mask 0 / 1');
  assert.equal(plan.kinds.x_enc, 'uniform [0, 1)');
  assert.deepEqual(plan.values.get('input_mask'), seq(16, (i) => (i < 8 ? 1 : 0)));
  // Even seeds (int8's second random calibration sample) keep three quarters: the two samples differ.
  assert.deepEqual(seedPlan(model, modelIo(model).inputs, 2).values.get('input_mask'), seq(16, (i) => (i < 12 ? 1 : 0)));
  // Every row has a 1 and a 0, whatever its length.
  assert.deepEqual(seededMask([2, 2], 2), [1, 0, 1, 0]);
  assert.deepEqual(seededMask([1, 3], 1), [1, 1, 0]);
});

test('a float input scaled by a small constant after 1 - x (a gate, not a mask) keeps the uniform seeds', () => {
  const model = parseTflite(tfliteOf(maskedPoints(-0.5)));
  const plan = seedPlan(model, modelIo(model).inputs, 1);
  assert.deepEqual(plan.kinds, { points: 'uniform [0, 1)', keep: 'uniform [0, 1)' });
  assert.equal(plan.values.has('keep'), false);
});

/** `Where(v > t, x, 0)`: a float input read only by a comparison with the constant t. */
function thresholded(t: number) {
  return buildModel({
    inputs: [['x', 'float32', [1, 8]], ['v', 'float32', [1, 8]]], outputs: ['y'], opset: 13,
    nodes: [node('Greater', ['v', 't'], ['on']), node('Where', ['on', 'x', 'zero'], ['y'])],
    initializers: [tensor('t', 'float32', [], [t]), tensor('zero', 'float32', [], [0])],
  });
}

test('a float input read only by a comparison with 0.5 is a mask; one compared with 0.3 is not', () => {
  for (const [t, kind] of [[0.5, 'mask 0 / 1'], [0.3, 'uniform [0, 1)']] as const) {
    const model = parseTflite(tfliteOf(thresholded(t)));
    assert.equal(seedPlan(model, modelIo(model).inputs, 1).kinds.v, kind, `threshold ${t}`);
  }
});
