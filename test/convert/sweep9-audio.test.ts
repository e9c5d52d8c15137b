// Ninth sweep, speech / audio / generative audio models (docs/model-sweep.md): each test holds a fix the sweep needed.
// Fixtures: test/fixtures/sweep9-audio/make_sweep9_audio.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModelFile } from '../../src/onnx/reader';
import { convertAndMatch, seededInputs } from '../helpers/match';

const FIX = 'test/fixtures/sweep9-audio';

test('nn.Unfold (GTCRN\'s subband features, strided blocks, a reflect-padded neighbour unfold) is a depthwise conv: no rank-6 TRANSPOSE', async () => {
  // torch's im2col export is Pad → Gather → Gather → Transpose (0, 1, 2, 4, 3, 5) → Reshape: each unfold took a rank-6
  // TRANSPOSE and one more to come back to channel-last (5 in this fixture, 10 of GTCRN's 25).
  const file = `${FIX}/unfold_sfe.onnx`;
  const model = readModelFile(file);
  const m = await convertAndMatch(file, model, seededInputs(model, 3, -1, 1));
  assert.ok(m.worst <= 1e-6, `rel ${m.worst}`);
  assert.equal(m.result.opHistogram.DEPTHWISE_CONV_2D, 3);
  assert.equal(m.result.opHistogram.GATHER, undefined);
  assert.equal(m.result.transposeCount, 0);
});
