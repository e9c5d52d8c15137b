// TfIdfVectorizer of integer tokens as gathered windows compared with the pool (unigrams once, longer n-grams at
// every skip up to max_skip_count): modes TF, IDF and TFIDF with weights, a batch of rows and one row, match
// onnxruntime-node on LiteRT exactly; string pools are refused in one line. ONNX's seven node tests cover mode TF.
// Before: "TfIdfVectorizer has no TFLite builtin equivalent in onnx2lite yet".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeModel } from '../../src/onnx/writer';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { convertModel } from '../../src/convert/convert';
import { convertAndMatch } from '../helpers/match';

const TOKENS = [1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8, 2, 3, 5, 4, 5, 6, 7, 8, 6, 7, 1, 2];

function tfidf(dims: number[], mode: string, minN: number, maxN: number, skip: number) {
  return buildModel({
    opset: 9, inputs: [['x', 'int64', dims]], outputs: ['y'],
    nodes: [node('TfIdfVectorizer', ['x'], ['y'], {
      mode, min_gram_length: minN, max_gram_length: maxN, max_skip_count: skip, ngram_counts: [0, 4],
      ngram_indexes: [6, 0, 1, 2, 3, 4, 5], pool_int64s: [2, 3, 5, 4, 5, 6, 7, 8, 6, 7], weights: [0.5, 1, 1.5, 2, 2.5, 3, 3.5],
    })],
  });
}

for (const [dims, mode, minN, maxN, skip] of [[[2, 12], 'TF', 1, 2, 3], [[24], 'IDF', 1, 2, 5], [[3, 8], 'TFIDF', 2, 2, 1], [[24], 'TFIDF', 1, 1, 0]] as const) {
  test(`TfIdfVectorizer ${mode} of [${dims.join(', ')}] tokens (${minN}-${maxN}-grams, skips up to ${skip}) matches onnxruntime`, async () => {
    const model = tfidf([...dims], mode, minN, maxN, skip);
    const x = tensor('x', 'int64', [...dims], TOKENS);
    const m = await convertAndMatch(encodeModel(model), tfidf([...dims], mode, minN, maxN, skip), [x]);
    assert.equal(m.worst, 0);
    assert.ok(m.outputs[0]!.maxRef > 0);
  });
}

test('TfIdfVectorizer of string tokens is refused in one line', () => {
  const m = buildModel({
    opset: 9, inputs: [['x', 'string', [4]]], outputs: [['y', 'float32', [2]]], infer: false,
    nodes: [node('TfIdfVectorizer', ['x'], ['y'], { mode: 'TF', min_gram_length: 1, max_gram_length: 1, max_skip_count: 0, ngram_counts: [0], ngram_indexes: [0, 1], pool_strings: ['a', 'b'] })],
  });
  assert.throws(() => convertModel(m), (e: Error) => /TfIdfVectorizer (of string tokens|on string)/.test(e.message) && !e.message.includes('\n'));
});
