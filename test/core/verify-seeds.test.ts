// The seeded inputs of convert's self-check, compare and deploy: floats uniform in [0, 1), integers 0, boolean masks
// true over the first half of the last axis (false for a one-element flag). A boolean input is nearly always a mask,
// with either meaning: Grounding DINO's text_token_mask (True for a real token) all false masks every key, and
// nn.MultiheadAttention's key_padding_mask (True for padding) all true does; onnxruntime's softmax over no key is NaN,
// and the self-check refused to write a correct conversion ("max rel error Infinity", nothing written; ninth sweep:
// grounding_fusion_op16_dynamic with all false, mha_key_padding with all true).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { isDegraded, verifyOnLiteRt } from '../../src/core/verify';
import { modelIo, prepareInputs } from '../../src/deploy/tensors';
import { fillSeededNonFloat } from '../../src/core/random';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { serializeTflite } from '../../src/tflite/writer';
import { parseTflite } from '../../src/tflite/reader';
import { runOnnx } from '../../src/runtime/ort';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

/** Text cross attention with a boolean key mask, as nn.MultiheadAttention exports it: Where(mask, -inf, scores) for
 *  a padding mask (True = pad), Where(mask, scores, -inf) for a token mask (True = real token); then Softmax. */
function maskedAttention(trueMeansPad: boolean) {
  return buildModel({
    inputs: [['img', 'float32', [1, 4, 8]], ['text', 'float32', [1, 6, 8]], ['mask', 'bool', [1, 6]]],
    outputs: ['out'], opset: 16,
    nodes: [
      node('MatMul', ['img', 'wq'], ['q']),
      node('Transpose', ['text'], ['kt'], { perm: [0, 2, 1] }),
      node('MatMul', ['q', 'kt'], ['scores']),
      node('Unsqueeze', ['mask', 'axis1'], ['m3']),
      node('Where', trueMeansPad ? ['m3', 'ninf', 'scores'] : ['m3', 'scores', 'ninf'], ['masked']),
      node('Softmax', ['masked'], ['attn'], { axis: -1 }),
      node('MatMul', ['attn', 'text'], ['out']),
    ],
    initializers: [tensor('wq', 'float32', [8, 8], seq(64, (i) => Math.sin(i * 1.7) * 0.5)), tensor('axis1', 'int64', [1], [1]),
      tensor('ninf', 'float32', [], [-Infinity])],
  });
}

test('seeded non-float inputs: integers 0, boolean masks half true, one-element flags false', () => {
  const fill = (dtype: string, dims: number[]) => {
    const v = new Float64Array(dims.reduce((a, b) => a * b, 1));
    fillSeededNonFloat(dtype, dims, v);
    return Array.from(v);
  };
  assert.deepEqual(fill('bool', [2, 5]), [1, 1, 1, 0, 0, 1, 1, 1, 0, 0]);
  assert.deepEqual(fill('bool', [1, 1]), [0]);
  assert.deepEqual(fill('bool', []), [0]);
  assert.deepEqual(fill('int64', [2, 3]), [0, 0, 0, 0, 0, 0]);
  const tflite = serializeTflite(convertModel(maskedAttention(false)).model);
  const mask = prepareInputs(modelIo(parseTflite(tflite)).inputs, undefined, 7).onnx.find((t) => t.name === 'mask')!;
  assert.equal(mask.dtype, 'bool');
  assert.deepEqual(Array.from(mask.data as ArrayLike<number>, Number), [1, 1, 1, 0, 0, 0]);
});

for (const trueMeansPad of [false, true]) {
  test(`a boolean ${trueMeansPad ? 'padding' : 'token'} mask input: the self-check compares real numbers and passes`, async () => {
    const model = maskedAttention(trueMeansPad);
    const tflite = serializeTflite(convertModel(model).model);
    // The self-check's own feeds give onnxruntime a real run (a mask of every key: NaN at every output, compared vacuously).
    const feeds = prepareInputs(modelIo(parseTflite(tflite)).inputs, undefined, 7);
    const ref = (await runOnnx(encodeModel(model), feeds.onnx, ['out'])).get('out')!;
    assert.ok(Array.from(ref.data as Float32Array).every(Number.isFinite), 'onnxruntime output on the seeded inputs is finite');
    const v = await verifyOnLiteRt(encodeModel(model), tflite);
    assert.ok(Number.isFinite(v.maxRel) && v.maxRel < 1e-5, `max rel ${v.maxRel}`);
    assert.ok(v.cosine > 0.9999, `cosine ${v.cosine}`);
    assert.ok(!isDegraded(v));
  });
}
