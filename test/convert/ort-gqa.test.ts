// onnxruntime's com.microsoft GroupQueryAttention op for op in the forms onnxruntime-genai's LLaMA / Phi / Qwen /
// Mistral exports use: each converts, runs on real LiteRT beside onnxruntime-node (the reference) and matches within
// 1e-4 of max|ref| on the output and both present caches — decoding steps with rows of unequal seqlens_k included
// (the cache placement and causal mask follow seqlens_k at run time). Forms it cannot hold are refused with one line,
// and the compatibility view says what convert does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeCompatibility } from '../../src/convert/compat';
import { convertModel } from '../../src/convert/convert';
import { ConvertError } from '../../src/convert/types';
import { encodeModel } from '../../src/onnx/writer';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { gqa, gqaCases, gqaDecoder, gqaDecoderFeeds } from '../helpers/gqa-graphs';
import { convertAndMatch } from '../helpers/match';

const dir = mkdtempSync(join(tmpdir(), 'ort-gqa-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
for (const [c, transposes] of gqaCases()) {
  test(`${c.name} matches onnxruntime on LiteRT with ${transposes} TRANSPOSE`, async (t) => {
    const file = join(dir, `case${n++}.onnx`);
    writeFileSync(file, encodeModel(c.model));
    const m = await convertAndMatch(file, c.model, c.feeds);
    t.diagnostic(`worst max rel ${m.worst.toExponential(2)}`);
    assert.equal(m.outputs.length, c.model.graph.outputs.length);
    for (const o of m.outputs) assert.ok(o.rel <= 1e-4, `${o.name}: max rel ${o.rel}`);
    assert.equal(m.result.transposeCount, transposes);
    assert.equal(analyzeCompatibility(c.model).summary.unsupported, 0, 'the compatibility view marks the node unsupported');
  });
}

test('GroupQueryAttention with total_sequence_length given at run time is refused with one line naming --input-value', () => {
  const { model } = gqa('run-time total', { past: 4, seqlens: [4], lengths: 'inputs' });
  assert.throws(() => convertModel(model), (e: unknown) => {
    assert.ok(e instanceof ConvertError, String(e));
    assert.match(e.detail, /total_sequence_length known only at run time .*--input-value total_sequence_length=N/);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
});

test('GroupQueryAttention forms onnxruntime runs but TFLite cannot hold here are refused with one line, and the compatibility view agrees', () => {
  const bidirectional = gqa('causal 0 with a window', { S: 3, seqlens: [2], window: 2 }).model;
  bidirectional.graph.nodes.at(-1)!.attrs.set('causal', { type: 'int', value: 0 });
  const windowCache = gqa('window cache', { past: 4, seqlens: [4], window: 2 }).model;
  windowCache.graph.nodes.at(-1)!.attrs.set('sliding_window_cache', { type: 'int', value: 1 });
  const batchPrompt = gqa('batch prompt after past', { B: 2, S: 2, past: 3, seqlens: [4, 4] }).model;
  for (const [model, pattern] of [
    [bidirectional, /GroupQueryAttention with causal=0 and a local_window_size is not supported/],
    [windowCache, /GroupQueryAttention with sliding_window_cache=1 .*is not supported$/],
    [batchPrompt, /GroupQueryAttention with a batch over 1 when sequence_length > 1 after the first prompt/],
  ] as const) {
    assert.throws(() => convertModel(model), (e: unknown) => {
      assert.ok(e instanceof ConvertError, String(e));
      assert.match(e.detail, pattern);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
    assert.ok(analyzeCompatibility(model).nodes.some((x) => x.status === 'unsupported'), 'marked convertible');
  }
});

for (const [what, B, S, P, lens, packed] of [
  ['first prompt of 4 (mask [B, 4], a 1-slot past it ignores)', 2, 4, 1, [4, 4], false],
  ['decoding step after 5 cached, rows of 6 and 4 tokens', 2, 1, 5, [6, 4], false],
  ['decoding step, packed q/k/v projection', 1, 1, 6, [7], true],
] as const) {
  test(`a 2-layer GroupQueryAttention decoder (onnxruntime-genai's form, do_rotary): ${what} matches onnxruntime on LiteRT`, async (t) => {
    const T = S > 1 ? S : P + S;
    const model = gqaDecoder(B, S, P, packed, T);
    const file = join(dir, `decoder${n++}.onnx`);
    writeFileSync(file, encodeModel(model));
    const m = await convertAndMatch(file, model, gqaDecoderFeeds(B, S, P, [...lens], 70, T));
    t.diagnostic(`worst max rel ${m.worst.toExponential(2)}`);
    for (const o of m.outputs) assert.ok(o.rel <= 1e-4, `${o.name}: max rel ${o.rel}`);
    assert.equal(m.result.transposeCount, S === 1 ? 0 : 8);
  });
}

test('a GroupQueryAttention decoder fed an all-zero attention mask (seqlens_k −1, which onnxruntime refuses) still runs on LiteRT', async () => {
  const model = gqaDecoder(1, 1, 5);
  const feeds = gqaDecoderFeeds(1, 1, 5, [0]);
  const lite = await openConverted(serializeTflite(convertModel(model).model));
  try {
    const outs = await lite.run(feeds);
    assert.ok([...outs.values()].every((t) => Array.from(t.data as Float32Array).every(Number.isFinite)));
  } finally {
    lite.close();
  }
});
