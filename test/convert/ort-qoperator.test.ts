// onnxruntime's quantizer forms (test/helpers/ort-qoperator.ts): a QOperator CNN (QLinearConv, uint8 MaxPool /
// Flatten, com.microsoft QLinearAdd / LeakyRelu / AveragePool / Concat / Sigmoid / Mul / GlobalAveragePool, QGemm),
// QLinearWhere, QEmbedLayerNormalization, and what the optimizer makes of dynamic quantization (DynamicQuantizeMatMul, MatMulIntegerToFloat, QGemm with a
// float output) were refused as onnxruntime-only ops; they convert, with no TRANSPOSE, and run on LiteRT beside
// onnxruntime-node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { encodeModel } from '../../src/onnx/writer';
import { decodeModel } from '../../src/onnx/reader';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { makeTensor, toNumbers } from '../../src/ir/tensor';
import type { Model, Tensor } from '../../src/ir/types';
import { seededUniform } from '../../src/core/random';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { ortDynamicMlp, ortIntegerToFloat, ortQAttention, qoperatorCnn, qoperatorMoves } from '../helpers/ort-qoperator';
import type { QModel } from '../helpers/ort-qoperator';

async function both(m: QModel, inputs: Tensor[]) {
  const bytes = encodeModel(m.model);
  const r = convertModel(decodeModel(bytes));
  const ref = await runOnnx(bytes, inputs);
  const s = await openConverted(serializeTflite(r.model));
  try {
    return { r, ref, got: await s.run(inputs) };
  } finally {
    s.close();
  }
}

function maxDiff(a: Tensor, b: Tensor): { diff: number; max: number } {
  const x = toNumbers(a);
  const y = toNumbers(b);
  let diff = 0, max = 0;
  for (let i = 0; i < x.length; i++) { diff = Math.max(diff, Math.abs(x[i] - y[i])); max = Math.max(max, Math.abs(y[i])); }
  return { diff, max };
}

test('QOperator CNN: every QLinear op converts, 0 TRANSPOSE, LiteRT within one output step of onnxruntime', async () => {
  const m = await qoperatorCnn();
  const step = toNumbers(m.model.graph.initializers.get('logits_s')!)[0];
  const rnd = seededUniform(9);
  const other = makeTensor('x', 'float32', m.input.dims, Float32Array.from({ length: m.input.data.length }, () => rnd()));
  for (const [label, x] of [['calibration input', m.input], ['another input', other]] as const) {
    const { r, ref, got } = await both(m, [x]);
    assert.equal(r.transposeCount, 0, JSON.stringify(r.opHistogram));
    for (const op of ['CONV_2D', 'DEPTHWISE_CONV_2D', 'MAX_POOL_2D', 'AVERAGE_POOL_2D', 'MEAN', 'CONCATENATION', 'LOGISTIC', 'LEAKY_RELU', 'FULLY_CONNECTED']) {
      assert.ok((r.opHistogram[op] ?? 0) >= 1, `${op}: ${JSON.stringify(r.opHistogram)}`);
    }
    const y = ref.get('y')!;
    assert.ok(new Set(toNumbers(y)).size >= 5, `the logits vary: ${toNumbers(y)}`);
    const { diff } = maxDiff(got.get('y')!, y);
    // Integer kernels and lookup tables there, float here: a value on a rounding boundary may land one step apart.
    assert.ok(diff <= step * 1.0001, `${label}: max|diff| ${diff} > one step ${step}`);
  }
});

test('MatMulIntegerToFloat and QGemm with a float output match onnxruntime to float rounding', async () => {
  const m = ortIntegerToFloat();
  const { r, ref, got } = await both(m, [m.input]);
  assert.equal(r.transposeCount, 0);
  for (const o of ['y1', 'y2']) {
    const { diff, max } = maxDiff(got.get(o)!, ref.get(o)!);
    assert.ok(max > 0.1 && diff <= 1e-5 * max, `${o}: max|diff| ${diff} of ${max}`);
  }
});

test('DynamicQuantizeMatMul: float activation (onnxruntime rounds it to uint8), within 1% of onnxruntime', async () => {
  const m = ortDynamicMlp();
  const { r, ref, got } = await both(m, [m.input]);
  assert.equal(r.transposeCount, 0);
  assert.equal(r.opHistogram.FULLY_CONNECTED, 3, JSON.stringify(r.opHistogram));
  const { diff, max } = maxDiff(got.get('y')!, ref.get('y')!);
  assert.ok(max > 0.1 && diff <= 1e-2 * max, `max|diff| ${diff} of ${max}`);
});

test('QAttention (DynamicQuantizeLinear → QAttention, lengths mask): Attention on the dequantized input and weights, matches onnxruntime', async () => {
  const m = ortQAttention();
  const { r, ref, got } = await both(m, [m.input]);
  assert.equal(r.opHistogram.SOFTMAX, 1, JSON.stringify(r.opHistogram));
  assert.ok(r.transposeCount <= 2, `head split and merge only: ${r.transposeCount}`);
  const { diff, max } = maxDiff(got.get('y')!, ref.get('y')!);
  assert.ok(max > 0.1 && diff <= 1e-4 * max, `max|diff| ${diff} of ${max}`);
});

test('uint8 Pad / Resize nearest / Reshape and QLinearSoftmax: LiteRT loads it (PADV2 value of the input type), within one step', async () => {
  const m = qoperatorMoves();
  const { r, ref, got } = await both(m, [m.input]);
  // The one the math needs: the NHWC image flattened per channel ([1, 4, H·W]).
  assert.equal(r.transposeCount, 1, JSON.stringify(r.opHistogram));
  for (const op of ['PADV2', 'RESIZE_NEAREST_NEIGHBOR', 'SOFTMAX']) assert.equal(r.opHistogram[op], 1, `${op}: ${JSON.stringify(r.opHistogram)}`);
  const { diff, max } = maxDiff(got.get('y')!, ref.get('y')!);
  assert.ok(max > 0.01 && diff <= 1 / 256 + 1e-7, `max|diff| ${diff} of ${max}`);
});

test('a uint8 Resize in linear mode is refused with one line', () => {
  const m = qoperatorMoves();
  for (const n of m.model.graph.nodes) if (n.opType === 'Resize') n.attrs.set('mode', { type: 'string', value: 'linear' });
  assert.throws(() => convertModel(decodeModel(encodeModel(m.model))), /Resize on uint8 is supported in nearest mode/);
});

test('a QOperator model says so in one warning; per-axis activation scales on QLinearAdd are refused with one line', () => {
  const r = convertModel(decodeModel(encodeModel(qoperatorMoves().model)));
  assert.ok(r.warnings.some((w) => /quantized \(QOperator\) model: its 1 quantized op\(s\) \(QLinearSoftmax\)/.test(w)), r.warnings.join('\n'));
  const bad = buildModel({
    opset: 13, inputs: [['a', 'uint8', [1, 4, 2, 2]]], outputs: [['y', 'uint8', [1, 4, 2, 2]]],
    nodes: [{ ...node('QLinearAdd', ['a', 's4', 'z4', 'a', 's4', 'z4', 's', 'z'], ['y']), domain: 'com.microsoft' }],
    initializers: [tensor('s4', 'float32', [4], [0.1, 0.2, 0.3, 0.4]), tensor('z4', 'uint8', [4], [1, 2, 3, 4]),
      tensor('s', 'float32', [], [0.5]), tensor('z', 'uint8', [], [0])],
  });
  bad.opsets.set('com.microsoft', 1);
  assert.throws(() => convertModel(decodeModel(encodeModel(bad))), /QLinearAdd with a per-axis scale or zero point on a is not supported/);
});

/** One quantized op on `feeds`: its uint8 output y takes at least `distinct` values and is within one step of onnxruntime's. */
async function withinOneStep(model: Model, feeds: Tensor[], distinct: number) {
  model.opsets.set('com.microsoft', 1);
  const res = await both({ name: 'op', model, input: feeds[0], note: '' }, feeds);
  const y = toNumbers(res.ref.get('y')!);
  assert.ok(new Set(y).size >= distinct, `the output varies: ${y}`);
  const { diff } = maxDiff(res.got.get('y')!, res.ref.get('y')!);
  assert.ok(diff <= 1, `max|diff| ${diff} steps`);
  return res;
}

test('QLinearWhere (uint8 operands of different scales, broadcast): SELECT_V2 between dequantize and requantize, within one step', async () => {
  const rnd = seededUniform(13);
  const u8 = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 256));
  const model = buildModel({
    opset: 13, inputs: [['c', 'bool', [4, 6]], ['a', 'uint8', [4, 6]]], outputs: [['y', 'uint8', [4, 6]]],
    nodes: [{ ...node('QLinearWhere', ['c', 'a', 'as', 'az', 'b', 'bs', 'bz', 'ys', 'yz'], ['y']), domain: 'com.microsoft' }],
    initializers: [tensor('b', 'uint8', [6], u8(6)), tensor('as', 'float32', [], [0.02]), tensor('az', 'uint8', [], [100]),
      tensor('bs', 'float32', [], [0.03]), tensor('bz', 'uint8', [], [120]), tensor('ys', 'float32', [], [0.04]), tensor('yz', 'uint8', [], [128])],
  });
  model.opsets.set('com.microsoft', 1);
  const c = tensor('c', 'bool', [4, 6], Array.from({ length: 24 }, () => (rnd() > 0.5 ? 1 : 0)));
  const a = tensor('a', 'uint8', [4, 6], u8(24));
  const { r } = await withinOneStep(model, [c, a], 10);
  assert.equal(r.opHistogram.SELECT_V2, 1, JSON.stringify(r.opHistogram));
});

test('QLinearGlobalAveragePool with channels_last = 1 (an NHWC input): MEAN over H and W, within one step of onnxruntime', async () => {
  const rnd = seededUniform(14);
  const model = buildModel({
    opset: 13, inputs: [['a', 'uint8', [2, 5, 4, 3]]], outputs: [['y', 'uint8', [2, 1, 1, 3]]],
    nodes: [{ ...node('QLinearGlobalAveragePool', ['a', 'as', 'az', 'ys', 'yz'], ['y'], { channels_last: 1 }), domain: 'com.microsoft' }],
    initializers: [tensor('as', 'float32', [], [0.02]), tensor('az', 'uint8', [], [100]), tensor('ys', 'float32', [], [0.01]), tensor('yz', 'uint8', [], [128])],
  });
  model.opsets.set('com.microsoft', 1);
  // Channel c around 40·c: a per-channel mean lands on the right channel only when H and W are the ones averaged.
  const a = tensor('a', 'uint8', [2, 5, 4, 3], Array.from({ length: 120 }, (_, i) => 40 * (i % 3) + Math.floor(rnd() * 120)));
  const { r, got } = await withinOneStep(model, [a], 4);
  assert.equal(r.opHistogram.MEAN, 1, JSON.stringify(r.opHistogram));
  assert.equal(r.transposeCount, 0);
  assert.deepEqual(got.get('y')!.dims, [2, 1, 1, 3]);
});

test('QEmbedLayerNormalization (uint8 tables, segments, a padded row): EmbedLayerNormalization on the dequantized tables, as onnxruntime', async () => {
  const rnd = seededUniform(15);
  const u8 = (name: string, dims: number[]) => tensor(name, 'uint8', dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => Math.floor(rnd() * 256)));
  const scalars = [['we', 0.01, 128], ['pe', 0.02, 120], ['se', 0.03, 128], ['g', 0.01, 0], ['b', 0.005, 128]] as const;
  const model = buildModel({
    opset: 13, inputs: [['ids', 'int32', [2, 5]], ['seg', 'int32', [2, 5]], ['mask', 'int32', [2, 5]]], outputs: [['y', 'float32', [2, 5, 8]], ['mi', 'int32', [2]]], infer: false,
    nodes: [{ ...node('QEmbedLayerNormalization', ['ids', 'seg', 'we', 'pe', 'se', 'g', 'b', 'mask', ...scalars.map(([n]) => `${n}_s`), ...scalars.map(([n]) => `${n}_z`)], ['y', 'mi'], { epsilon: 1e-5 }), domain: 'com.microsoft' }],
    initializers: [u8('we', [10, 8]), u8('pe', [5, 8]), u8('se', [2, 8]), u8('g', [8]), u8('b', [8]),
      ...scalars.flatMap(([n, s, z]) => [tensor(`${n}_s`, 'float32', [], [s]), tensor(`${n}_z`, 'uint8', [], [z])])],
  });
  model.opsets.set('com.microsoft', 1);
  const ids = tensor('ids', 'int32', [2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9, 0]);
  const feeds = [ids, tensor('seg', 'int32', [2, 5], [0, 0, 1, 1, 1, 0, 0, 0, 1, 1]), tensor('mask', 'int32', [2, 5], [1, 1, 1, 1, 1, 1, 1, 1, 0, 0])];
  const { ref, got } = await both({ name: 'qembed', model, input: ids, note: '' }, feeds);
  const { diff, max } = maxDiff(got.get('y')!, ref.get('y')!);
  assert.ok(max > 0.1 && diff <= 1e-4 * max, `max|diff| ${diff} of ${max}`);
  assert.deepEqual(toNumbers(got.get('mi')!), toNumbers(ref.get('mi')!));
});
