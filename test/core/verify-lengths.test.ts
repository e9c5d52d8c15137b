// Lengths that reach their mask through arithmetic (src/core/verify-lengths.ts) and the self-check's note when its
// outputs do not follow the seeded data. deepspeech.pytorch's DeepSpeech2 masks frames with the convolutions' output
// lengths, floor((len + 2 * 5 - 11) / 2) + 1 compared with an arange of the subsampled T': its lengths were seeded 0,
// every frame masked, and the self-check printed "verified, max rel 0" on outputs that did not depend on the data.
// Fixture: test/fixtures/sweep11-seq/make_sweep11_seq.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { verifyOnLiteRt } from '../../src/core/verify';
import { tokenSeeds } from '../../src/core/verify-seeds';
import { lengthThroughArithmetic } from '../../src/core/verify-lengths';
import { modelIo } from '../../src/deploy/tensors';
import { readModelFile } from '../../src/onnx/reader';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { parseTflite } from '../../src/tflite/reader';
import { serializeTflite } from '../../src/tflite/writer';

const FIX = 'test/fixtures/sweep11-seq';

test('DeepSpeech2: a length reaching its mask through the conv length arithmetic is seeded the time axis it counts', async () => {
  const file = `${FIX}/ds2_tiny.onnx`;
  const bytes = serializeTflite(convertModel(readModelFile(file)).model);
  const model = parseTflite(bytes);
  const inputs = modelIo(model).inputs;
  const lengths = inputs.find((i) => (i.mapping?.onnx ?? i.name) === 'lengths')!;
  // spect [2, 1, 17, 24]: 17 frequency bins land on floor((17 + 10 - 11) / 2) + 1 = 9, not on the mask's 12; 24 does.
  assert.equal(lengthThroughArithmetic(model, lengths.tensorIndex, [17, 24]), 24);
  assert.equal(lengthThroughArithmetic(model, lengths.tensorIndex, [17]), undefined);
  assert.deepEqual(tokenSeeds(model, inputs, 1).get('lengths'), [24, 24]);
  const notes: string[] = [];
  const v = await verifyOnLiteRt(file, bytes, notes);
  assert.ok(v.maxRel > 0 && v.maxRel <= 1e-5, `rel ${v.maxRel}`);
  assert.deepEqual(notes, []);
});

/** x [1, 4, 6] masked by arange(6) < n (an int64 [1] named so no seeding rule finds it), summed over time, plus a
 *  per-channel bias: seeded n = 0, the output is the bias whatever x is. */
function maskedSum() {
  return buildModel({
    inputs: [['x', 'float32', [1, 4, 6]], ['n', 'int64', [1]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Unsqueeze', ['n', 'ax01'], ['n3']),
      node('Less', ['range', 'n3'], ['mask']),
      node('Where', ['mask', 'x', 'zero'], ['masked']),
      node('ReduceSum', ['masked', 'ax2'], ['s'], { keepdims: 0 }),
      node('Add', ['s', 'bias'], ['y']),
    ],
    initializers: [tensor('ax01', 'int64', [2], [0, 1]), tensor('range', 'int64', [1, 1, 6], [0, 1, 2, 3, 4, 5]),
      tensor('zero', 'float32', [], [0]), tensor('ax2', 'int64', [1], [2]), tensor('bias', 'float32', [4], [0.5, -1, 2, 3])],
  });
}

test('the self-check says when its outputs do not change between two different seeded inputs', async () => {
  const model = maskedSum();
  const bytes = serializeTflite(convertModel(model).model);
  const notes: string[] = [];
  const v = await verifyOnLiteRt(encodeModel(model), bytes, notes);
  assert.equal(v.maxRel, 0);
  assert.equal(notes.length, 1, notes.join('\n'));
  assert.match(notes[0]!, /do not change between two different seeded inputs/);
});

/** NISQA's attention pooling over its mel segments: scores masked to -inf past `n_wins` (arange(6) < n_wins), a
 *  softmax over time, the weighted sum of x. Seeded n_wins = 0 every score is -inf: onnxruntime's softmax gives NaN,
 *  LiteRT's does not, and the self-check refused a model that runs alike on every real length (>= 1). */
function attentionPooled(lengthName: string) {
  return buildModel({
    inputs: [['x', 'float32', [2, 4, 6]], [lengthName, 'int64', [2]]], outputs: ['y'], opset: 13,
    nodes: [
      node('ReduceSum', ['x', 'ax1'], ['s'], { keepdims: 0 }),
      node('Unsqueeze', [lengthName, 'ax1'], ['n2']),
      node('Less', ['range', 'n2'], ['mask']),
      node('Where', ['mask', 's', 'ninf'], ['masked']),
      node('Softmax', ['masked'], ['p'], { axis: -1 }),
      node('Unsqueeze', ['p', 'ax1'], ['p3']),
      node('Mul', ['x', 'p3'], ['xp']),
      node('ReduceSum', ['xp', 'ax2'], ['y'], { keepdims: 0 }),
    ],
    initializers: [tensor('ax1', 'int64', [1], [1]), tensor('ax2', 'int64', [1], [2]), tensor('range', 'int64', [1, 6], [0, 1, 2, 3, 4, 5]),
      tensor('ninf', 'float32', [], [-Infinity])],
  });
}

test('a segment count named n_wins / n_segments (NISQA) masking an attention pooling is seeded its full length', async () => {
  for (const name of ['n_wins', 'n_segments']) {
    const model = attentionPooled(name);
    const bytes = serializeTflite(convertModel(model).model);
    const tfl = parseTflite(bytes);
    assert.deepEqual(tokenSeeds(tfl, modelIo(tfl).inputs, 1).get(name), [6, 6], name);
    const notes: string[] = [];
    const v = await verifyOnLiteRt(encodeModel(model), bytes, notes);
    assert.ok(Number.isFinite(v.maxRel) && v.maxRel <= 1e-5, `${name}: rel ${v.maxRel}`);
  }
});
