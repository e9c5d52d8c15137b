// Eleventh sweep, speech / language / control-flow models (docs/model-sweep.md): each test holds a fix the sweep
// needed. Fixtures: test/fixtures/sweep11-seq/make_sweep11_seq.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { makeTensor } from '../../src/ir/tensor';
import { readModelFile } from '../../src/onnx/reader';
import { convertAndMatch } from '../helpers/match';

const FIX = 'test/fixtures/sweep11-seq';

test('a scripted greedy generation whose WHILE body reads x[:, -1] of a growing sequence: the index wraps at run time', async () => {
  // The KV caches grow a position a step, so inside the loop the sequence axis is sized at run time and the constant
  // index -1 was written as -1 + (-1): LiteRT stopped in the WHILE body ("gather index out of bounds").
  const file = `${FIX}/greedy_kv_tiny.onnx`;
  for (const prompt of [[5, 9, 11, 3], [1, 14, 7, 7]]) {
    const m = await convertAndMatch(file, readModelFile(file), [makeTensor('prompt', 'int64', [1, 4], prompt)],
      { inputShapes: new Map([['prompt', [1, 4]]]) });
    assert.equal(m.worst, 0, `prompt ${prompt}: ${JSON.stringify(m.outputs)}`);
    assert.equal(m.result.opHistogram.WHILE, 1);
    assert.ok(m.outputs[0]!.maxRef > 0);
  }
});

test('an RNN-T greedy search growing its hypothesis inside the symbol loop\'s If: one line saying why, not "--input-shape"', () => {
  // The If appends the symbol (Concat) in one branch and keeps the hypothesis in the other, so its output changes size
  // from one iteration to the next: --input-shape cannot fix that, though the refusal advised it.
  const file = `${FIX}/rnnt_greedy_tiny.onnx`;
  assert.throws(() => convertModel(readModelFile(file), { inputShapes: new Map([['encoder_out', [5, 8]]]) }), (e: Error) => {
    assert.match(e.message, /change from one iteration of the enclosing loop to the next/);
    assert.doesNotMatch(e.message, /--input-shape/);
    assert.equal(e.message.split('\n').length, 1);
    return true;
  });
});
