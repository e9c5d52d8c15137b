// Seventh sweep, sequence / language / speech models (docs/model-sweep.md): each test holds a fix the sweep needed.
// Fixtures: test/fixtures/sweep7-seq/make_sweep7_seq.py; the spectrogram graphs torch ≥ 2.0 writes:
// test/helpers/torch-stft-graphs.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTensor } from '../../src/ir/tensor';
import { readModelFile } from '../../src/onnx/reader';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertAndMatch, matchBuilt, seededInputs, waveValues } from '../helpers/match';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { stftFloat64, torchStftGraphs } from '../helpers/torch-stft-graphs';

const FIX = 'test/fixtures/sweep7-seq';
const rnd = waveValues;


test('a Hugging Face LLaMA decoder with grouped-query attention packs q (4 heads), k and v (2 heads) into one head split', async () => {
  const file = `${FIX}/llama_gqa_past.onnx`;
  const model = readModelFile(file);
  // Batch 2, 3 new tokens after 4 cached; the second row left-padded by 2 (its position_ids count from its first token).
  const ins = seededInputs(model, 2, -1, 1).map((t) => {
    if (t.name === 'input_ids') return makeTensor(t.name, 'int64', t.dims, [5, 17, 30, 3, 1, 22]);
    if (t.name === 'attention_mask') return makeTensor(t.name, 'int64', t.dims, [1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1]);
    if (t.name === 'position_ids') return makeTensor(t.name, 'int64', t.dims, [4, 5, 6, 2, 3, 4]);
    return t;
  });
  const m = await convertAndMatch(file, model, ins);
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.deepEqual(m.outputs.map((o) => o.name), ['logits', 'present.0.key', 'present.0.value']);
  // Was 4: q had its own head split and k, v (fewer heads) theirs; now one split of the three projections and the
  // heads' merge — what the math needs.
  assert.equal(m.result.transposeCount, 2);
  assert.equal(m.result.opHistogram.BATCH_MATMUL, 2);
});

test('Whisper decoder with present keys: a key head view read twice (present output, kᵀ) still joins the packed head split', async () => {
  const file = `${FIX}/whisper_decoder_prompt.onnx`;
  const model = readModelFile(file);
  const ins = seededInputs(model, 4, -1, 1).map((t) => (t.name === 'decoder_input_ids' ? makeTensor(t.name, 'int64', t.dims, [1, 7, 30, 12]) : t));
  const m = await convertAndMatch(file, model, ins);
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.equal(m.outputs.length, 5);
  // Was 9: the self- and cross-attention keys kept their own head splits, and the presents went back to ONNX order
  // at the outputs. Now: q / k / v's split, the cross k / v split, the cross q split and two merges.
  assert.equal(m.result.transposeCount, 5);
});

test('a time-first feed-forward with SiLU (torchaudio Conformer at batch 2) keeps the batch-first stored order: 0 TRANSPOSE', async () => {
  // x [B, T, D] → transpose(0, 1) → FFN: LayerNorm, Linear, x · sigmoid(x), Linear, residual → transpose back.
  const model = buildModel({
    opset: 17, inputs: [['x', 'float32', [2, 5, 8]]], outputs: ['y'],
    initializers: [tensor('w1', 'float32', [8, 16], rnd(128, 1)), tensor('w2', 'float32', [16, 8], rnd(128, 2)),
      tensor('gamma', 'float32', [8], rnd(8, 3).map((v) => 1 + v)), tensor('beta', 'float32', [8], rnd(8, 4))],
    nodes: [node('Transpose', ['x'], ['t'], { perm: [1, 0, 2] }), node('LayerNormalization', ['t', 'gamma', 'beta'], ['n'], { axis: -1 }),
      node('MatMul', ['n', 'w1'], ['h']), node('Sigmoid', ['h'], ['s']),
      node('Mul', ['h', 's'], ['g']), node('MatMul', ['g', 'w2'], ['f']), node('Add', ['f', 't'], ['r']),
      node('Transpose', ['r'], ['y'], { perm: [1, 0, 2] })],
  });
  const m = await matchBuilt(model, 'ffn', 1);
  // Was 2: the SiLU's two readers of the projection stopped the FULLY_CONNECTED from keeping [B, T, D], so the input
  // moved to ONNX's [T, B, D] and back.
  assert.equal(m.result.transposeCount, 0);
});

test('torchaudio Conformer at batch 2: the output projection on flattened rows becomes a [T, B, E] MatMul, the stream stays batch-first', async () => {
  const file = `${FIX}/conformer_lengths_b2.onnx`;
  const model = readModelFile(file);
  const ins = seededInputs(model, 6, -1, 1).map((t) => (t.name === 'lengths' ? makeTensor(t.name, 'int64', t.dims, [12, 9]) : t));
  const m = await convertAndMatch(file, model, ins);
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  // Was 6: the merge reached time-first rows [T·B, E] for the Gemm, and the residual stream, the conv module and the
  // output moved between [T, B, E] and [B, T, E]. Now the packed head split and the merge.
  assert.equal(m.result.transposeCount, 2);
});

test("Mamba-2's four-operand Einsum batched over d: its result moves to ONNX order once, not its residual partner", async () => {
  // out_proj((einsum('bln,bsn,bdls,bsd->bld', C, B, L, x) + x · D) · z): ssd_minimal's diagonal block, skip, gate.
  const model = buildModel({
    opset: 14, outputs: ['out'],
    inputs: [['C', 'float32', [1, 6, 4]], ['B', 'float32', [1, 6, 4]], ['L', 'float32', [1, 8, 6, 6]], ['x', 'float32', [1, 6, 8]], ['z', 'float32', [1, 6, 8]]],
    initializers: [tensor('D', 'float32', [8], rnd(8, 1)), tensor('W', 'float32', [8, 5], rnd(40, 2))],
    nodes: [node('Einsum', ['C', 'B', 'L', 'x'], ['y'], { equation: 'bln,bsn,bdls,bsd->bld' }), node('Mul', ['x', 'D'], ['skip']),
      node('Add', ['y', 'skip'], ['sum']), node('Mul', ['sum', 'z'], ['gated']), node('MatMul', ['gated', 'W'], ['out'])],
  });
  const m = await matchBuilt(model, 'ssd', 3);
  // Was 6: the skip and the gate moved to [b, d, l] and the product back for out_proj; then 4: L's and x's moves for
  // the batched products, the result back to [b, l, d]. The last product is now a MUL and a SUM of its operands as
  // stored (ops/_einsum-mulsum.ts): 1.
  assert.equal(m.result.transposeCount, 1);
});

test('spectrogram front ends as torch ≥ 2.0 exports them at opset 17 (STFT on a rank-2 signal, DFT) match onnxruntime', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stft-'));
  for (const g of torchStftGraphs()) {
    const file = join(dir, `${g.name}.onnx`);
    writeFileSync(file, encodeModel(g.model));
    // Was refused ("STFT needs a signal [batch, length, 1 or 2]"): torch passes the signal as [batch, length], which
    // onnxruntime reads as real.
    const m = await convertAndMatch(file, g.model, g.inputs);
    assert.equal(m.result.transposeCount, 0, g.name);
    if (g.name === 'rfft_frames_op17') {
      assert.ok(m.worst <= 1e-4, `${g.name}: rel ${m.worst}`);
      continue;
    }
    // In their quietest mel bands onnxruntime's STFT (n_fft 400, no power of 2) is 1.2e-4 (log mel) and 2.4e-4
    // (Whisper) of max|ref| from the float64 result, LiteRT's (a FULLY_CONNECTED by the DFT matrix) under 1e-6: so
    // they are judged against float64, and onnxruntime's spread is kept as found.
    assert.ok(m.worst <= 3e-4, `${g.name}: rel ${m.worst} against onnxruntime`);
    const exact = stftFloat64(g);
    const lite = await openConverted(serializeTflite(m.result.model));
    try {
      const got = Object.values(Object.fromEntries(await lite.run(g.inputs)))[0]!.data as Float32Array;
      const maxRef = Math.max(...Array.from(exact, Math.abs));
      const maxDiff = Math.max(...Array.from(exact, (v, i) => Math.abs(v - got[i]!)));
      assert.ok(maxDiff <= 1e-5 * maxRef, `${g.name}: ${maxDiff / maxRef} of max|ref| from float64`);
    } finally {
      lite.close();
    }
  }
});
