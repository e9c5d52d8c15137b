// Twelfth sweep, vision (docs/model-sweep.md): each test holds a fix the sweep needed.
// Fixtures: test/fixtures/sweep12-vis/make_sweep12_vis.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModelFile } from '../../src/onnx/reader';
import { convertAndMatch, seededInputs } from '../helpers/match';

const FIX = 'test/fixtures/sweep12-vis';

test('NanoTrack\'s pixel-wise correlation (zᵀ · x viewed as a map) is computed transposed: no TRANSPOSE', async () => {
  // `matmul(z.view(b, c, n).permute(0, 2, 1), x.view(b, c, m)).view(b, n, h, w)` read by a conv: the product came out
  // [B, n, m] in ONNX order and was moved to channel-last after the view. As xᵀ · z ([B, m, n]: the view's
  // channel-last order) it needs none, and BATCH_MATMUL gains no adj_x.
  const file = `${FIX}/pixel_corr.onnx`;
  const model = readModelFile(file);
  const m = await convertAndMatch(file, model, seededInputs(model, 21, 0, 1));
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
  assert.equal(m.result.opHistogram.BATCH_MATMUL, 1, JSON.stringify(m.result.opHistogram));
  assert.ok(m.outputs.every((o) => o.maxRef > 0));
});

test('ENet\'s MaxUnpool of a channel-last map with a MaxPool\'s indices scatters channel-last: no TRANSPOSE', async () => {
  // The indices address the NCHW tensor flattened ((n·C + c)·H·W + h·W + w); the scatter ran in ONNX order: X and the
  // indices moved to NCHW before it and the output back after it (3 TRANSPOSE an unpool). Each index is now moved to its
  // channel-last position ((n·H·W + h·W + w)·C + c), batch 2 so that n counts.
  const file = `${FIX}/enet_unpool.onnx`;
  const model = readModelFile(file);
  const m = await convertAndMatch(file, model, seededInputs(model, 22, -1, 1));
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
  assert.equal(m.result.opHistogram.SCATTER_ND, 2, JSON.stringify(m.result.opHistogram));
  assert.ok(m.outputs.every((o) => o.maxRef > 0));
});

test('a Transpose of float64 values (RIFE\'s warp grid as torch 1.13 traces it) converts: they are float32 in TFLite', async () => {
  // Was refused: "Transpose on float64 is not supported". float64 values are narrowed to FLOAT32 like every other
  // float64 op's (Cast, Add, Mul ...); a Transpose only moves them.
  const file = `${FIX}/double_moves.onnx`;
  const model = readModelFile(file);
  const m = await convertAndMatch(file, model, seededInputs(model, 23, -1, 1));
  assert.ok(m.worst <= 1e-6, `rel ${m.worst}`);
  assert.ok(m.outputs.every((o) => o.maxRef > 0));
});
