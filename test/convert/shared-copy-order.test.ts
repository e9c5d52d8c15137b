// TransNeXt's aggregated attention (fixture: test/fixtures/xpose12/make_xpose12.py, one AggregatedAttention at 16
// channels, 2 heads, a 4×4 map pooled 2×2). q is moved heads-first by the model's own (lazy) Transpose and normalized
// as stored [B, N, h, d]; the product with the learnable tokens (per-head constants) reads the normalized q in ONNX
// order, and `(qn + query_embedding) · softplus(t) · scale` goes only into the window and pooled products, which read
// it in ONNX order too. Run as stored, that chain's result was moved a second time; it now runs in ONNX order from the
// copy the tokens' product shares (`shared-copy-order.ts`): 7 -> 6 TRANSPOSE a block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModelFile } from '../../src/onnx/reader';
import { convertAndMatch, seededInputs } from '../helpers/match';

test('TransNeXt\'s scaled q runs in ONNX order from the normalized q\'s copy: q moved heads-first once', async () => {
  const file = 'test/fixtures/xpose12/aggregated_attention.onnx';
  const model = readModelFile(file);
  const m = await convertAndMatch(file, model, seededInputs(model, 45, -1, 1));
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.equal(m.result.transposeCount, 6, JSON.stringify(m.result.opHistogram));
  assert.ok(m.outputs.every((o) => o.maxRef > 0));
});
