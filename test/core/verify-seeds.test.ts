// The seeded inputs of convert's self-check, compare and deploy: floats uniform in [0, 1), integers 0, booleans true.
// A boolean input is a mask or a flag: Grounding DINO's text_token_mask (True for a real token) all false masks every
// key, and onnxruntime's softmax over no key is NaN, so the self-check refused to write a correct conversion
// ("max rel error Infinity", nothing written; ninth sweep, grounding_fusion_op16_dynamic, 6.0e-7 on a real mask).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { isDegraded, verifyOnLiteRt } from '../../src/core/verify';
import { modelIo, prepareInputs } from '../../src/deploy/tensors';
import { seededNonFloat } from '../../src/core/random';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { serializeTflite } from '../../src/tflite/writer';
import { parseTflite } from '../../src/tflite/reader';
import { runOnnx } from '../../src/runtime/ort';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

/** Text cross attention as nn.MultiheadAttention exports a key padding mask: Where(mask, scores, -inf), Softmax. */
function maskedAttention() {
  return buildModel({
    inputs: [['img', 'float32', [1, 4, 8]], ['text', 'float32', [1, 6, 8]], ['text_token_mask', 'bool', [1, 6]]],
    outputs: ['out'], opset: 16,
    nodes: [
      node('MatMul', ['img', 'wq'], ['q']),
      node('Transpose', ['text'], ['kt'], { perm: [0, 2, 1] }),
      node('MatMul', ['q', 'kt'], ['scores']),
      node('Unsqueeze', ['text_token_mask', 'axis1'], ['mask']),
      node('Where', ['mask', 'scores', 'ninf'], ['masked']),
      node('Softmax', ['masked'], ['attn'], { axis: -1 }),
      node('MatMul', ['attn', 'text'], ['out']),
    ],
    initializers: [tensor('wq', 'float32', [8, 8], seq(64, (i) => Math.sin(i * 1.7) * 0.5)), tensor('axis1', 'int64', [1], [1]),
      tensor('ninf', 'float32', [], [-Infinity])],
  });
}

test('seeded non-float inputs: integers 0, booleans true', () => {
  assert.equal(seededNonFloat('bool'), 1);
  assert.equal(seededNonFloat('int64'), 0);
  assert.equal(seededNonFloat('int32'), 0);
  const tflite = serializeTflite(convertModel(maskedAttention()).model);
  const feeds = prepareInputs(modelIo(parseTflite(tflite)).inputs, undefined, 7);
  const mask = feeds.onnx.find((t) => t.name === 'text_token_mask')!;
  assert.equal(mask.dtype, 'bool');
  assert.deepEqual(Array.from(mask.data as ArrayLike<number>, Number), [1, 1, 1, 1, 1, 1]);
});

test('a boolean attention mask input: the self-check compares real numbers and passes', async () => {
  const model = maskedAttention();
  const tflite = serializeTflite(convertModel(model).model);
  // The self-check's own feeds give onnxruntime a real run (all false: NaN at every output, compared vacuously).
  const feeds = prepareInputs(modelIo(parseTflite(tflite)).inputs, undefined, 7);
  const ref = (await runOnnx(encodeModel(model), feeds.onnx, ['out'])).get('out')!;
  assert.ok(Array.from(ref.data as Float32Array).every(Number.isFinite), 'onnxruntime output on the seeded inputs is finite');
  const v = await verifyOnLiteRt(encodeModel(model), tflite);
  assert.ok(Number.isFinite(v.maxRel) && v.maxRel < 1e-5, `max rel ${v.maxRel}`);
  assert.ok(v.cosine > 0.9999, `cosine ${v.cosine}`);
  assert.ok(!isDegraded(v));
});
