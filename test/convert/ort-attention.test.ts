// onnxruntime's com.microsoft EmbedLayerNormalization, Attention, MultiHeadAttention, RotaryEmbedding and the RMSNorms
// (what onnxruntime.transformers.optimizer writes
// for BERT / DistilBERT / MiniLM / GPT-2) op for op in every form its CPU kernel runs: each converts, runs on real
// LiteRT beside onnxruntime-node (which implements these ops: the reference) on inputs the semantics make meaningful,
// and matches within 1e-4 of max|ref| on every output (mask_index exactly); attention keeps only the head split and
// merge TRANSPOSEs. Forms onnxruntime's CPU kernel refuses or that TFLite cannot hold are refused with one line, and
// the compatibility view says what convert does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeCompatibility } from '../../src/convert/compat';
import { convertModel } from '../../src/convert/convert';
import { ConvertError } from '../../src/convert/types';
import { encodeModel } from '../../src/onnx/writer';
import { attentionCases, embedCases, llamaCases, mhaCases, refusedCases } from '../helpers/ort-attention-graphs';
import { convertAndMatch } from '../helpers/match';

const dir = mkdtempSync(join(tmpdir(), 'ort-attention-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
for (const c of [...embedCases(), ...attentionCases(), ...mhaCases(), ...llamaCases()]) {
  test(`${c.name} matches onnxruntime on LiteRT with ${c.transposes} TRANSPOSE`, async () => {
    const file = join(dir, `case${n++}.onnx`);
    writeFileSync(file, encodeModel(c.model));
    const m = await convertAndMatch(file, c.model, c.feeds);
    for (const o of m.outputs) {
      if (o.name === 'mask_index') assert.equal(o.maxDiff, 0, 'mask_index differs');
      else assert.ok(o.rel <= 1e-4, `${o.name}: max rel ${o.rel}`);
    }
    assert.equal(m.result.transposeCount, c.transposes);
    const compat = analyzeCompatibility(c.model);
    assert.equal(compat.summary.unsupported, 0, 'the compatibility view marks the node unsupported');
  });
}

for (const [name, model, pattern] of refusedCases()) {
  test(`${name.startsWith('MultiHead') ? '' : 'Attention with '}${name} is refused with one line, and the compatibility view agrees`, () => {
    assert.throws(() => convertModel(model), (e: unknown) => {
      assert.ok(e instanceof ConvertError, String(e));
      assert.match(e.detail, pattern);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
    const compat = analyzeCompatibility(model);
    const bad = compat.nodes.find((x) => x.status === 'unsupported');
    assert.ok(bad, 'marked convertible');
  });
}
