// Fifth model sweep (docs/model-sweep.md): fixtures made by test/fixtures/sweep5/make_sweep5.py. Each test holds a
// fix the sweep needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readModelFile } from '../../src/onnx/reader';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { convertFileVerified } from '../../src/core/convert-file';
import { verificationLine } from '../../src/core/verify';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quantizeModelBytes } from '../../src/quantize/file';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { runOnnx } from '../../src/runtime/ort';
import { serializeTflite } from '../../src/tflite/writer';
import { convertAndMatch, seededInputs } from '../helpers/match';

const FIX = 'test/fixtures/sweep5';

test('RAFT-large\'s convex upsampling: rank-7 views of a batch-1 model lose their unit dim, LiteRT prepares and runs it', async () => {
  const file = `${FIX}/raft_upsample_op16.onnx`;
  const model = readModelFile(file);
  const m = await convertAndMatch(file, model, seededInputs(model, 3, -1, 1));
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  // Was [1, 1, 9, 8, 8, H, W] through TRANSPOSE, SOFTMAX, MUL and SUM: XNNPack and TFLite's kernels stop at rank 6,
  // and LiteRT could not load the model ("failed to delegate SOFTMAX", "failed to delegate SUM").
  const sg = m.result.model.subgraphs[0];
  const ranks = sg.operators.flatMap((op) => [...op.inputs, ...op.outputs].filter((i) => i >= 0).map((i) => sg.tensors[i].shape.length));
  assert.ok(Math.max(...ranks) <= 6, `largest rank ${Math.max(...ranks)}`);
  // The softmax over the 9 neighbours of the mask stored channel-last, multiplied with the unfolded flow, is written
  // out along its stored axis (ops/_softmax-stored.ts: one EXP) rather than moved for a SOFTMAX.
  assert.equal((m.result.opHistogram.SOFTMAX ?? 0) + (m.result.opHistogram.EXP ?? 0), 1, JSON.stringify(m.result.opHistogram));
});

// torch 1.13's quantized export: QuantizeLinear -> Cast -> DequantizeLinear on activations, int8 weights and int32
// biases (zero point made by ConstantOfShape -> Cast) behind DequantizeLinear.
const QDQ = `${FIX}/qdq_cnn_op13.onnx`;

test('a PyTorch-quantized (QDQ) model converts to float32: int32 biases dequantize, constant weights fold, 0 TRANSPOSE', async () => {
  const model = readModelFile(QDQ);
  const ins = seededInputs(model, 5, 0, 1);
  // Was refused: "DequantizeLinear on int32 is not supported". onnxruntime unoptimized computes the file's float ops
  // (optimized, it fuses the pairs into integer kernels that round differently).
  const m = await convertAndMatch(QDQ, model, ins, { ortOptimization: 'disabled' });
  assert.equal(m.result.transposeCount, 0);
  // Weights and biases are constants (folded), not dequantized at every run: the three convs and the classifier
  // read float32 constants, and the only CASTs are the activations' round trips through uint8.
  const sg = m.result.model.subgraphs[0];
  for (const op of sg.operators.filter((o) => o.opcode === 'CONV_2D' || o.opcode === 'DEPTHWISE_CONV_2D' || o.opcode === 'FULLY_CONNECTED')) {
    assert.ok(sg.tensors[op.inputs[1]].data, `${op.opcode} ${op.onnxNode}: constant weights`);
  }
  assert.equal(m.result.opHistogram.CONV_2D + (m.result.opHistogram.DEPTHWISE_CONV_2D ?? 0), 3);
  assert.ok(m.result.warnings.some((w) => /quantized \(QDQ\) model/.test(w)), m.result.warnings.join('\n'));
  // Float32 round trips agree with onnxruntime's but for values on a rounding boundary: within a step of the
  // output's scale (1/127 of its range here), far from what a wrong scale or zero point gives.
  assert.ok(m.worst <= 2e-2, `rel ${m.worst}`);
});

test('a PyTorch-quantized (QDQ) model with --quantize int8 keeps its own scales: an int8 model, no float round trips', async () => {
  const bytes = readFileSync(QDQ);
  const { result, summary } = await quantizeModelBytes(bytes, 'qdq_cnn_op13.onnx', {}, { mode: 'int8' });
  assert.equal(summary.calibrationSource, 'qdq');
  // Was: the QDQ pairs stayed (their zero points are computed, and a Cast sits between Q and DQ), so the int8 pass
  // quantized float32 round trips (ROUND, MINIMUM, MAXIMUM...) instead of the model.
  assert.equal(result.opHistogram.ROUND, undefined);
  const sg = result.model.subgraphs[0];
  const convs = sg.operators.filter((o) => o.opcode === 'CONV_2D' || o.opcode === 'DEPTHWISE_CONV_2D');
  assert.equal(convs.length, 3);
  for (const op of convs) assert.equal(sg.tensors[op.inputs[0]].type, 'INT8');
  const model = readModelFile(QDQ);
  const [x] = seededInputs(model, 5, 0, 1);
  const ref = (await runOnnx(QDQ, [x])).get('logits')!.data as Float32Array;
  const lite = await openConverted(serializeTflite(result.model));
  try {
    const got = (await lite.run([x])).get('logits')!.data as Float32Array;
    const maxRef = Math.max(...Array.from(ref, Math.abs));
    const maxDiff = Math.max(...Array.from(ref, (r, i) => Math.abs(r - got[i])));
    assert.ok(maxDiff <= 0.05 * maxRef, `max|diff| ${maxDiff} of ${maxRef}`);
  } finally {
    lite.close();
  }
});

test('torch 1.13\'s export of x[mask] = 0 with a lower-rank mask (wav2vec2 / HuBERT with lengths) is refused saying why', () => {
  // Where(mask [2, 5], 0, x [2, 5, 8]): the dims do not broadcast (onnxruntime fails at run time, or refuses the file).
  const model = buildModel({
    inputs: [['x', 'float32', [2, 5, 8]], ['mask', 'bool', [2, 5]]], outputs: [['y', 'float32', [2, 5, 8]]],
    initializers: [tensor('zero', 'float32', [], [0])],
    nodes: [node('Where', ['mask', 'zero', 'x'], ['w']), node('Relu', ['w'], ['y'])],
  });
  // Was "the shape of "w" is unknown", which did not say that the model itself is wrong.
  assert.throws(() => convertModel(model), /the shape of "w" is unknown: cannot broadcast shapes \[2,5\] and \[\] and \[2,5,8\] \(the model is invalid there/);
});

test('convert\'s self-check on a quantized (QDQ) model measures onnxruntime against itself beside it', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'sweep5-')), 'qdq.tflite');
  const r = await convertFileVerified(QDQ, out, {});
  assert.equal(r.result.qdqActivations, 9);
  const v = r.verification!;
  // Optimized, onnxruntime runs the pairs as integer kernels; as written, float ops: values on a rounding boundary
  // round either way, so this spread is the bar a quantized model's conversion can be held to.
  assert.ok(v.reference && v.reference.cosine > 0.99 && v.reference.cosine <= 1, JSON.stringify(v));
  assert.match(verificationLine(v), /onnxruntime itself, optimized vs as written: max rel [0-9.e+-]+, cosine [01]\.\d{6}/);
});

test('onnxruntime quantize_static\'s QDQ form (per-channel int8 weights, int32 biases) converts to float32 within a step', async () => {
  let seed = 7;
  const r = () => { seed = (seed * 1103515245 + 12345) >>> 0; return (seed >>> 8) / 16777216; };
  const C = 4;
  const sw = Array.from({ length: C }, () => 0.002 + r() * 0.004);
  const sx = 1 / 255;
  const step = 0.02;
  const bytes = encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 3, 8, 8]]], outputs: [['out', 'float32', [1, C, 8, 8]]],
    initializers: [
      tensor('sx', 'float32', [], [sx]), tensor('zx', 'uint8', [], [0]),
      tensor('wq', 'int8', [C, 3, 3, 3], Array.from({ length: C * 27 }, () => Math.round(r() * 254 - 127))),
      tensor('sw', 'float32', [C], sw), tensor('zw', 'int8', [C], sw.map(() => 0)),
      tensor('bq', 'int32', [C], sw.map(() => Math.round((r() - 0.5) * 2000))),
      tensor('sb', 'float32', [C], sw.map((v) => v * sx)), tensor('zb', 'int32', [C], sw.map(() => 0)),
      tensor('sy', 'float32', [], [step]), tensor('zy', 'uint8', [], [128]),
    ],
    nodes: [
      node('QuantizeLinear', ['x', 'sx', 'zx'], ['xq']), node('DequantizeLinear', ['xq', 'sx', 'zx'], ['xd']),
      node('DequantizeLinear', ['wq', 'sw', 'zw'], ['w'], { axis: 0 }), node('DequantizeLinear', ['bq', 'sb', 'zb'], ['b'], { axis: 0 }),
      node('Conv', ['xd', 'w', 'b'], ['y'], { pads: [1, 1, 1, 1] }),
      node('QuantizeLinear', ['y', 'sy', 'zy'], ['yq']), node('DequantizeLinear', ['yq', 'sy', 'zy'], ['out']),
    ],
  }));
  // Was refused: "DequantizeLinear on int32 is not supported".
  const result = convertModel(decodeModel(bytes));
  assert.equal(result.transposeCount, 0);
  const sg = result.model.subgraphs[0];
  const conv = sg.operators.find((o) => o.opcode === 'CONV_2D')!;
  assert.ok(sg.tensors[conv.inputs[1]].data && sg.tensors[conv.inputs[2]].data, 'weights and bias fold to constants');
  const x = { name: 'x', dtype: 'float32' as const, dims: [1, 3, 8, 8], data: Float32Array.from({ length: 192 }, r) };
  const ref = (await runOnnx(bytes, [x])).get('out')!.data as Float32Array;
  const lite = await openConverted(serializeTflite(result.model));
  try {
    const got = (await lite.run([x])).get('out')!.data as Float32Array;
    const worst = Math.max(...Array.from(ref, (v, i) => Math.abs(v - got[i])));
    assert.ok(worst <= step * 1.0001, `max|diff| ${worst} > one step ${step}`);
  } finally {
    lite.close();
  }
});

test('rank-7 values: a softmax, a transpose and a reduction over two axes without keepdims, read past the rewrite', async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [2, 3, 1, 2, 2, 2]], ['y', 'float32', [2, 1, 3, 2, 2, 2]]], outputs: [['out', 'float32', [1, 2, 2, 2, 2]]],
    initializers: [tensor('axes', 'int64', [2], [2, 3]), tensor('xs', 'int64', [7], [1, 2, 3, 1, 2, 2, 2]), tensor('ys', 'int64', [7], [1, 2, 1, 3, 2, 2, 2])],
    nodes: [
      node('Reshape', ['x', 'xs'], ['x7']), node('Reshape', ['y', 'ys'], ['y7']),
      node('Softmax', ['x7'], ['s'], { axis: 2 }), node('Transpose', ['y7'], ['t'], { perm: [0, 1, 3, 2, 4, 5, 6] }),
      node('Mul', ['s', 't'], ['m']), node('ReduceSum', ['m', 'axes'], ['r'], { keepdims: 0 }), node('Relu', ['r'], ['out']),
    ],
  });
  const bytes = encodeModel(model);
  const result = convertModel(decodeModel(bytes));
  const sg = result.model.subgraphs[0];
  assert.ok(sg.tensors.every((t) => t.shape.length <= 6), 'no tensor of rank 7');
  const ins = seededInputs(decodeModel(bytes), 9, -1, 1);
  const ref = (await runOnnx(bytes, ins)).get('out')!.data as Float32Array;
  const lite = await openConverted(serializeTflite(result.model));
  try {
    const got = (await lite.run(ins)).get('out')!;
    assert.deepEqual(got.dims, [1, 2, 2, 2, 2]);
    const worst = Math.max(...Array.from(ref, (v, i) => Math.abs(v - (got.data as Float32Array)[i])));
    assert.ok(worst <= 1e-6, `max|diff| ${worst}`);
  } finally {
    lite.close();
  }
});
