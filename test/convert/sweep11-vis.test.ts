// Eleventh sweep, vision, video and generative models (docs/model-sweep.md): each test holds a fix the sweep needed.
// Fixtures: test/fixtures/sweep11-vis/make_sweep11_vis.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModelFile } from '../../src/onnx/reader';
import { convertAndMatch, seededInputs } from '../helpers/match';

const FIX = 'test/fixtures/sweep11-vis';

test('TSM\'s temporal shift (slice assignments of a range of segments and of channels) is nested Concats: no TRANSPOSE', async () => {
  // `out[:, :-1, :fold] = x[:, 1:, :fold]` is a ScatterND of a box with ranges on two axes into zeros_like(x); it ran
  // in ONNX order (4 TRANSPOSE a shift in TSM-MobileNetV2). Each box is a Concat per range: the segments' range, and
  // inside it the channels' range.
  const file = `${FIX}/temporal_shift.onnx`;
  const model = readModelFile(file);
  const m = await convertAndMatch(file, model, seededInputs(model, 11, 0, 1));
  assert.ok(m.worst <= 1e-6, `rel ${m.worst}`);
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
  assert.equal(m.result.opHistogram.SCATTER_ND, undefined);
  // The shifted channels moved: the first segment's first fold is zeros, not the input's.
  assert.ok(m.outputs.every((o) => o.maxRef > 0));
});
