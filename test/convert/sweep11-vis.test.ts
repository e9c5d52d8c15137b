// Eleventh sweep, vision, video and generative models (docs/model-sweep.md): each test holds a fix the sweep needed.
// Fixtures: test/fixtures/sweep11-vis/make_sweep11_vis.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModelFile } from '../../src/onnx/reader';
import { convertAndMatch, seededInputs } from '../helpers/match';

const FIX = 'test/fixtures/sweep11-vis';

test('TSM\'s temporal shift (slice assignments of a range of segments and of channels) is Pads / Concats: no TRANSPOSE', async () => {
  // `out[:, :-1, :fold] = x[:, 1:, :fold]` is a ScatterND of a box with ranges on two axes into zeros_like(x); it ran
  // in ONNX order (4 TRANSPOSE a shift in TSM-MobileNetV2). Into the zeros canvas (the first) a box is the update padded with
  // zeros (no canvas stored); into the previous assignment's result, a Concat per range.
  const file = `${FIX}/temporal_shift.onnx`;
  const model = readModelFile(file);
  const m = await convertAndMatch(file, model, seededInputs(model, 11, 0, 1));
  assert.ok(m.worst <= 1e-6, `rel ${m.worst}`);
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
  assert.equal(m.result.opHistogram.SCATTER_ND, undefined);
  assert.equal(m.result.opHistogram.PAD, 1, JSON.stringify(m.result.opHistogram));
  // The shifted channels moved: the first segment's first fold is zeros, not the input's.
  assert.ok(m.outputs.every((o) => o.maxRef > 0));
});

test('StyleGAN2\'s blur (channels folded into the batch, a one-channel conv) is a depthwise conv: no TRANSPOSE', async () => {
  // upfirdn2d_native reshapes [N, C, H, W] to [N·C, 1, H, W] for its one-channel conv and views the result back: the
  // channels had to leave channel-last (a TRANSPOSE before and after every blur: 12 in a 32² generator).
  const file = `${FIX}/stylegan2_blur.onnx`;
  const model = readModelFile(file);
  const m = await convertAndMatch(file, model, seededInputs(model, 12, -1, 1));
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
  // Both blurs (after the transposed conv, and of the upsampled skip) depthwise.
  assert.equal(m.result.opHistogram.DEPTHWISE_CONV_2D, 2, JSON.stringify(m.result.opHistogram));
});

test('CaiT\'s talking heads (Linear over the heads of the permuted map) are MatMuls in ONNX order: 4 -> 0 TRANSPOSE around them', async () => {
  // `proj_l(attn.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)` before the softmax and `proj_w` after it: the map was moved
  // heads-last and back around each Linear. Mixed over the heads as [heads, Tq·Tk] rows it stays in ONNX order: left
  // are the packed q / k / v head split and the merge.
  const file = `${FIX}/talking_heads_linear.onnx`;
  const model = readModelFile(file);
  const m = await convertAndMatch(file, model, seededInputs(model, 13, -1, 1));
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.equal(m.result.transposeCount, 2, JSON.stringify(m.result.opHistogram));
});
