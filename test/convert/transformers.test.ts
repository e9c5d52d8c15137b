// Transformer families end to end (small fixtures exported by scripts/export/transformers.py --small with Debian's
// torch 1.13, random weights): each converts with no option, runs on real LiteRT beside onnxruntime-node on seeded
// inputs and matches within max|diff| ≤ 1e-4 · max|ref| on every output. The TRANSPOSE count of each is pinned: CNN
// parts keep none; what remains in transformers is what the attention math needs (see each entry).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { readModelFile } from '../../src/onnx/reader';
import { convertAndMatch, seededInputs } from '../helpers/match';

const FIX = 'test/fixtures/transformers';

interface Case {
  file: string;
  /** Seeded input range: images [0, 1), the rest [-1, 1). */
  image?: boolean;
  transposes: number;
  /** Ops that must appear (count) or must not (0). */
  ops: Record<string, number>;
  /** The input feeds a convolution, so it is stored channel-last (otherwise inputs keep ONNX order). */
  channelLastInput?: boolean;
  /** --input-shape for dynamic inputs. */
  shapes?: Record<string, number[]>;
}

const CASES: Case[] = [
  // torchvision VisionTransformer (2 layers, nn.MultiheadAttention). Per layer 2 TRANSPOSEs: one head split of the
  // packed q, k, v projection (simplify-attention.ts; Kᵀ is BATCH_MATMUL's adj_y) and the head merge.
  { file: 'vit_tiny_op13', image: true, transposes: 4, ops: { GELU: 2, BATCH_MATMUL: 4, SOFTMAX: 2 } },
  { file: 'vit_tiny_op17', image: true, transposes: 4, ops: { GELU: 2, RSQRT: 5 } },
  // torchvision SwinTransformer (2 stages × 2 blocks, window 4, shifted windows, relative position bias). Per block the
  // qkv head split and the head merge; window partition and reverse are SPACE_TO_DEPTH / DEPTH_TO_SPACE (stage 1;
  // stage 2 is one window), the shifted-window mask folds to a constant, roll is slices and concatenations.
  { file: 'swin_tiny_op13', image: true, transposes: 8, ops: { GELU: 4, SCATTER_ND: 0, SELECT_V2: 0, PAD: 0, SPACE_TO_DEPTH: 2, DEPTH_TO_SPACE: 2 } },
  // torchvision MaxViT (1 block: MBConv, window and grid attention, q·kᵀ and attn·v written with torch.einsum): per
  // attention only the one head split of the chunked q, k, v (simplify-heads.ts) and the head merge (4). The grid's
  // axis swap stays lazy through LayerNorm and the projections (FULLY_CONNECTED on the last axis) into the head split
  // and back from the merge; window and grid (de)partitions are SPACE_TO_DEPTH / DEPTH_TO_SPACE between the MBConv's
  // NHWC and the windows.
  { file: 'maxvit_tiny_op14', image: true, transposes: 4, ops: { BATCH_MATMUL: 4, SOFTMAX: 2, GELU: 5, TRANSPOSE: 4, SPACE_TO_DEPTH: 2, DEPTH_TO_SPACE: 2 } },
  // SegFormer (MiT) block: tokens ↔ feature map (flatten(2).transpose(1, 2) and back) are free, the map being stored
  // channel-last; spatial-reduction attention: q's head split, one for k and v together, the merge.
  { file: 'segformer_block_op14', image: true, transposes: 3, ops: { GELU: 1, DEPTHWISE_CONV_2D: 1, CONV_2D: 2 } },
  // torchvision ConvNeXt: channels-last LayerNorm between permutes, depthwise 7×7, layer scale: no TRANSPOSE.
  { file: 'convnext_tiny_s_op17', image: true, transposes: 0, ops: { GELU: 2, DEPTHWISE_CONV_2D: 2 } },
  // nn.TransformerEncoder(activation="gelu"), post-norm (decomposed LayerNorm at 13, the op at 17) and pre-norm: 2 per
  // layer as ViT.
  { file: 'bert_tiny_op13', transposes: 4, ops: { GELU: 2, SOFTMAX: 2 } },
  { file: 'bert_tiny_op17', transposes: 4, ops: { GELU: 2, SOFTMAX: 2 } },
  { file: 'bert_tiny_prenorm_op14', transposes: 4, ops: { GELU: 2 } },
  // Decoder-only (GPT-style): causal mask made in forward (Trilu folds), tanh GELU (GELU approximate), pre-norm: 2 per
  // layer.
  { file: 'gpt_tiny_op14', transposes: 4, ops: { GELU: 2, TANH: 0, SOFTMAX: 3, SELECT_V2: 0 } },
  // Whisper's encoder (Hugging Face attention: k_proj without bias, q scaled after the projection; Conv1d + GELU front
  // end): the scale folds into the fused projection, 2 per layer; the log-mel input is stored channel-last.
  { file: 'whisper_encoder_tiny_op14', channelLastInput: true, transposes: 4, ops: { GELU: 4, CONV_2D: 2, BATCH_MATMUL: 4 } },
  // A whole Hugging Face-style BERT: int64 input_ids / attention_mask / token_type_ids with dynamic batch and
  // sequence (given with --input-shape), embeddings, (1 - mask) · finfo.min, pooler: 2 per layer.
  { file: 'hf_bert_model_op14', transposes: 4, ops: { GELU: 2, SOFTMAX: 2, BATCH_MATMUL: 4 },
    shapes: { input_ids: [1, 8], attention_mask: [1, 8], token_type_ids: [1, 8] } },
  // At batch 2 the packed head split is one Transpose of [L, B, 3H, d] to [B, 3H, L, d] (simplify-attention.ts), which
  // also takes the batch-first → sequence-first swap; the merge lands batch-first, [B, L, H, d], since the output
  // projection's reader is the model's swap back to batch-first, which is then free (ops/_reshape.ts
  // `downstreamLayout`): the split and the merge (was 6, then 3).
  { file: 'bert_tiny_batch2_op14', transposes: 2, ops: { GELU: 1, SOFTMAX: 1 } },
  // The same with nn.MultiheadAttention(bias=False) (MusicGen): the output projection between the rows' views is a
  // bias-less MatMul, not a Gemm; unflattened as the Gemm is (simplify-gemm-rows.ts), the merge lands batch-first
  // and the swap back is free: the split and the merge (was 3).
  { file: 'mha_nobias_batch2_op14', transposes: 2, ops: { SOFTMAX: 1, BATCH_MATMUL: 2 } },
  // torchaudio wav2vec2_model: conv feature extractor with GroupNorm, weight-normed grouped positional conv. Its
  // separate q, k, v projections become one (simplify-attention.ts): 2 per layer, as the packed ones.
  { file: 'wav2vec2_tiny_op17', transposes: 4, ops: { GELU: 6, CONV_2D: 7 } },
  // A Hugging Face BertLayer written out: separate query/key/value, permute(0, 2, 1, 3), additive mask.
  { file: 'hf_bert_layer_op14', transposes: 2, ops: { GELU: 1, FULLY_CONNECTED: 4, BATCH_MATMUL: 2 } },
  // torchaudio Conformer (2 layers): [T, B, C] residual stream, MHA, GLU + depthwise Conv1d module. 2 per layer; the
  // model input stays [1, T, C] (no channel-last hint through the Transpose before the Conv1d).
  { file: 'conformer_tiny_op17', transposes: 4, ops: { DEPTHWISE_CONV_2D: 2, SOFTMAX: 2 } },
  // Conv → GroupNorm(4) → GELU → Conv → GroupNorm(1) → Conv1d → GroupNorm(8): no TRANSPOSE, no GATHER.
  { file: 'groupnorm_op13', image: true, transposes: 0, ops: { GELU: 1, GATHER: 0, RSQRT: 3 } },
  // A Linear, GELU's tanh form written out, a Linear; and a bare erf output.
  { file: 'gelu_tanh_op13', transposes: 0, ops: { GELU: 1, TANH: 0 } },
];

for (const c of CASES) {
  test(`${c.file}: converts, matches onnxruntime on LiteRT, ${c.transposes} TRANSPOSE`, async () => {
    const file = `${FIX}/${c.file}.onnx`;
    const model = readModelFile(file);
    const shapes = c.shapes ? new Map(Object.entries(c.shapes)) : undefined;
    const m = await convertAndMatch(file, model, seededInputs(model, 7, c.image ? 0 : -1, 1, shapes), { inputShapes: shapes });
    for (const o of m.outputs) {
      assert.ok(o.maxRef > 0, `${o.name}: the reference output is all zeros`);
      assert.ok(o.maxDiff <= 1e-4 * o.maxRef, `${o.name}: max|diff| ${o.maxDiff} > 1e-4 × ${o.maxRef}`);
    }
    assert.equal(m.result.transposeCount, c.transposes, JSON.stringify(m.result.opHistogram));
    if (!c.image && !c.channelLastInput) assert.ok(m.result.metadata.inputs.every((i) => i.perm.every((p, k) => p === k)), 'inputs keep ONNX order');
    for (const [op, n] of Object.entries(c.ops)) assert.equal(m.result.opHistogram[op] ?? 0, n, `${op} count`);
    // The metadata maps TFLite tensors to values of the source model only (not to values the clean-up made up).
    const names = new Set([...model.graph.inputs.map((i) => i.name), ...model.graph.nodes.flatMap((n) => n.outputs)]);
    for (const t of m.result.metadata.tensors) assert.ok(names.has(t.onnx), `metadata names "${t.onnx}"`);
  });
}

test('hf_bert_model without --input-shape: one line naming the dynamic inputs and the option', () => {
  const model = readModelFile(`${FIX}/hf_bert_model_op14.onnx`);
  assert.throws(() => convertModel(model), (e: Error) => e.name === 'ModelError' && /--input-shape input_ids=1,1/.test(e.message)
    && !e.message.includes('\n'));
});
