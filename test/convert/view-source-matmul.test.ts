// TransNeXt's aggregated attention (twenty-fourth vision sweep; fixture: test/fixtures/xpose12/make_xpose12.py, one
// AggregatedAttention of scripts/export/sweep24_vis_vit.py at 16 channels, 2 heads, a 4×4 map pooled 2×2). q, moved
// heads-first by the model's own (lazy) Transpose and so stored [B, N, h, d], is read in ONNX order twice: unsqueezed
// [B, h, N, 1, d] by the per-query product with its 3×3 window of keys, and as it is by the product with the pooled
// keys. Each reader moved a copy of its own (the unsqueezed view first); the view now moves its source once, which the
// pooled product takes (8 -> 7 TRANSPOSE a block).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModelFile } from '../../src/onnx/reader';
import { convertAndMatch, seededInputs } from '../helpers/match';

test('TransNeXt\'s q read unsqueezed by the window product and as it is by the pooled one is moved heads-first once', async () => {
  const file = 'test/fixtures/xpose12/aggregated_attention.onnx';
  const model = readModelFile(file);
  const m = await convertAndMatch(file, model, seededInputs(model, 44, -1, 1));
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.ok(m.result.transposeCount <= 7, JSON.stringify(m.result.opHistogram));  // 6 with shared-copy-order.test.ts's rule
  assert.ok(m.outputs.every((o) => o.maxRef > 0));
});
