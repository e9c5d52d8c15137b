// An integer attention mask beside token ids (src/core/verify-text-seeds.ts). Seeded 0 by the generator, it masked every
// token: a sentence embedder mean-pooling over the mask (ModernBERT, jina-embeddings-v2 in the thirteenth sweep)
// returned 0 / 1e-9 whatever the ids, and the self-check said "max rel 0" having compared a constant. Now a padded
// batch (rows of 1, the last row right-padded over its last third) and ids in their table's range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { verifyOnLiteRt } from '../../src/core/verify';
import { tokenSeeds } from '../../src/core/verify-seeds';
import { countingPositions, paddedBatchMask } from '../../src/core/verify-text-seeds';
import { modelIo } from '../../src/deploy/tensors';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { parseTflite } from '../../src/tflite/reader';
import { serializeTflite } from '../../src/tflite/writer';

const B = 2, T = 6, D = 4, VOCAB = 10;

/** sentence-transformers' mean pooling: sum(emb[ids] * mask) / clamp(sum(mask), 1e-9). */
function meanPooled(maskName: string) {
  const table = Array.from({ length: VOCAB * D }, (_, i) => Math.sin(i * 0.7) + 0.1 * (i % D));
  return buildModel({
    inputs: [['input_ids', 'int64', [B, T]], [maskName, 'int64', [B, T]]], outputs: ['sentence_embedding'], opset: 14,
    nodes: [
      node('Gather', ['table', 'input_ids'], ['emb']),
      node('Cast', [maskName], ['mf'], { to: 1 }),
      node('Unsqueeze', ['mf', 'ax2'], ['m3']),
      node('Mul', ['emb', 'm3'], ['masked']),
      node('ReduceSum', ['masked', 'ax1'], ['summed'], { keepdims: 0 }),
      node('ReduceSum', ['m3', 'ax1'], ['count'], { keepdims: 0 }),
      node('Max', ['count', 'eps'], ['denom']),
      node('Div', ['summed', 'denom'], ['sentence_embedding']),
    ],
    initializers: [tensor('table', 'float32', [VOCAB, D], table), tensor('ax1', 'int64', [1], [1]), tensor('ax2', 'int64', [1], [2]),
      tensor('eps', 'float32', [], [1e-9])],
  });
}

test('a padded batch: rows of 1, the last right-padded over its last third', () => {
  assert.deepEqual(paddedBatchMask(2, 6), [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
  assert.deepEqual(paddedBatchMask(1, 5), [1, 1, 1, 1, 1]);
});

test('mean pooling over an integer attention_mask: the self-check seeds a padded batch and ids in range', async () => {
  const onnx = encodeModel(meanPooled('attention_mask'));
  const bytes = serializeTflite(convertModel(meanPooled('attention_mask')).model);
  const model = parseTflite(bytes);
  const seeds = tokenSeeds(model, modelIo(model).inputs, 1);
  assert.deepEqual(seeds.get('attention_mask'), paddedBatchMask(B, T));
  const ids = seeds.get('input_ids')!;
  assert.equal(ids.length, B * T);
  assert.ok(ids.every((i) => i >= 1 && i < VOCAB) && new Set(ids).size > 1, `ids ${ids}`);
  const notes: string[] = [];
  const v = await verifyOnLiteRt(onnx, bytes, notes);
  assert.ok(v.maxRel <= 1e-5, `rel ${v.maxRel}`);
  // Seeded 0, the mask gave 0 for every input and the self-check said its outputs do not change between two seeds.
  assert.deepEqual(notes, []);
});

test('an integer input not named for a mask, or named for a padding mask (1 = pad), keeps the generator\'s 0', () => {
  for (const name of ['weights', 'key_padding_mask']) {
    const bytes = serializeTflite(convertModel(meanPooled(name)).model);
    const model = parseTflite(bytes);
    const seeds = tokenSeeds(model, modelIo(model).inputs, 1);
    assert.equal(seeds.has(name), false, name);
    // The ids still index their table: seeded in its range as any lookup is (verify-seeds.ts lookupSeeds).
    assert.deepEqual([...seeds.keys()], ['input_ids'], name);
  }
});

/** transformers' StaticCache update as torch exports `key_cache.index_copy_(2, cache_position, k)`: ScatterElements
 *  along the cache's length axis with cache_position expanded over the head dim. */
function staticCacheUpdate() {
  return buildModel({
    inputs: [['key_cache', 'float32', [1, 1, 8, 2]], ['k', 'float32', [1, 1, 3, 2]], ['cache_position', 'int64', [3]]],
    outputs: ['updated_key_cache'], opset: 14,
    nodes: [
      node('Reshape', ['cache_position', 'shape4'], ['pos4']),
      node('Expand', ['pos4', 'kshape'], ['idx']),
      node('ScatterElements', ['key_cache', 'idx', 'k'], ['updated_key_cache'], { axis: 2 }),
    ],
    initializers: [tensor('shape4', 'int64', [4], [1, 1, 3, 1]), tensor('kshape', 'int64', [4], [1, 1, 3, 2])],
  });
}

test('positions count 0, 1, ... along their last axis', () => {
  assert.deepEqual(countingPositions([2, 3]), [0, 1, 2, 0, 1, 2]);
  assert.deepEqual(countingPositions([4]), [0, 1, 2, 3]);
});

test('a static KV cache written at cache_position: seeded 0, 1, 2, the self-check matches onnxruntime', async () => {
  const bytes = serializeTflite(convertModel(staticCacheUpdate()).model);
  const model = parseTflite(bytes);
  assert.deepEqual(tokenSeeds(model, modelIo(model).inputs, 1).get('cache_position'), [0, 1, 2]);
  // Seeded 0, 0, 0: LiteRT summed the three new keys into slot 0, onnxruntime kept one (rel ~1).
  const v = await verifyOnLiteRt(encodeModel(staticCacheUpdate()), bytes, []);
  assert.ok(v.maxRel <= 1e-6, `rel ${v.maxRel}`);
});
