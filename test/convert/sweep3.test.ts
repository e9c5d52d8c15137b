// Third model sweep (docs/model-sweep.md): today's families written in plain torch.nn, small fixtures made by
// test/fixtures/sweep3/make_sweep3.py. Each test holds a fix the sweep needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModelFile } from '../../src/onnx/reader';
import { convertAndMatch, seededInputs } from '../helpers/match';

const FIX = 'test/fixtures/sweep3';

async function match(name: string, lo: number) {
  const file = `${FIX}/${name}`;
  const model = readModelFile(file);
  return convertAndMatch(file, model, seededInputs(model, 3, lo, 1));
}

test('YOLOv8-style detector: the DFL decode\'s 1x1 conv reads its transposed [N, 16, 4, A] as stored, 0 TRANSPOSE', async () => {
  const m = await match('yolov8_tiny_op17.onnx', 0);
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  // Was 2: one before the DFL conv (H and W swapped to NHWC) and one after the box decode's Concat.
  assert.equal(m.result.transposeCount, 0);
  assert.equal(m.result.opHistogram.SOFTMAX, 1);
});

test('Whisper-style encoder-decoder: the k and v projections of every cross-attention over one encoder output share one head split', async () => {
  const m = await match('whisper_tiny_op17.onnx', -1);
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  // 2 per self-attention (4 layers), per cross-attention q's split and the merge (2 layers), one split for the 4
  // k/v projections of the encoder output: 13 (was 16, one k and one v split per cross-attention).
  assert.equal(m.result.transposeCount, 13);
});

test('LLaMA-style block: rotary sin/cos of constant positions fold, so q and k keep one head split each', async () => {
  const m = await match('llama_tiny_op17.onnx', -1);
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.equal(m.result.opHistogram.SIN, undefined);
  assert.equal(m.result.opHistogram.COS, undefined);
  // One head split of q, k and v (q's 4 heads and k's, v's 2 packed together) and the merge: 2 (4 with a split for
  // q and one each for k and v; 6 before that: q·cos and rotate_half(q)·sin each moved q back to ONNX order to meet
  // a computed [1, 1, n, d] table, and the same for k).
  assert.equal(m.result.transposeCount, 2);
  assert.deepEqual(m.outputs.map((o) => o.name), ['logits', 'k', 'v']);
});

test('DETR-style encoder: sequence-first attention with q = k = src + pos and v = src packs q and k into one head split', async () => {
  const m = await match('detr_encoder_tiny_op17.onnx', -1);
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  // Per layer: the q/k split, v's split and the merge (was 4: q, k and v split apart).
  assert.equal(m.result.transposeCount, 6);
});

test('MobileViT block: patches unfolded by reshape/transpose, attention at batch 4, residuals in the order MatMul reads', async () => {
  const m = await match('mobilevit_tiny_op17.onnx', 0);
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  // The unfolding's Reshape/Transpose chain is one 5-D move from NHWC [nh, ph, nw, pw, C] to [ph, pw, nh, nw, C] and
  // the folding's one back (simplify-reshape-chain.ts); per layer the packed head split, the merge and the swap back
  // to batch-first: 8. Was 14: 2 + 2 for the chains plus the proj Conv's input, and the first residual Add took the
  // patches' reversed stored order (a tie with attention's output), which the MLP's MatMul and the next Add undid.
  // Now 6: the head merge lands batch-first where its projection feeds the model's own move back, so the swap back
  // costs nothing (the batch-first head merge; 8 before it).
  assert.equal(m.result.transposeCount, 6);
});
