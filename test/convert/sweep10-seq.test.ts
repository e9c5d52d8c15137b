// Tenth sweep, speech / language / sequence models (docs/model-sweep.md): each test holds a fix the sweep needed.
// Fixtures: test/fixtures/sweep10-seq/make_sweep10_seq.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModelFile } from '../../src/onnx/reader';
import { convertAndMatch, seededInputs } from '../helpers/match';

const FIX = 'test/fixtures/sweep10-seq';

test('SincNet (pyannote segmentation): band-pass filters computed from learned cut-offs fold into the conv\'s weights', async () => {
  // The filters are MatMul (cut-offs × sample times), Sin / Cos, Clip of the band edges, Flip and Concat of
  // parameters only; MatMul and Clip had no folding kernel, so the conv read computed weights and was refused
  // ("Conv with computed weights is supported only for 2-D convolutions ...").
  const file = `${FIX}/sincnet_front.onnx`;
  const model = readModelFile(file);
  const m = await convertAndMatch(file, model, seededInputs(model, 3, -1, 1));
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.equal(m.result.opHistogram.CONV_2D, 1);
  for (const op of ['SIN', 'COS', 'BATCH_MATMUL', 'FULLY_CONNECTED']) assert.equal(m.result.opHistogram[op], undefined, op);
  assert.equal(m.result.transposeCount, 0);
});
