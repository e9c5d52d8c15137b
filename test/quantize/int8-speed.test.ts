// What keeps int8 models on LiteRT's fast kernels (src/quantize/int8-hardswish.ts, params.ts): int8 HARD_SWISH
// written as DEQUANTIZE / float HARD_SWISH / QUANTIZE (int8.ts) or ADD / MUL / MUL (micro export), weight channels that are (almost) zero keeping a sane scale, and attention's SOFTMAX →
// BATCH_MATMUL kept float32 (int8.ts). Accuracy only; the
// speed itself is measured by `npm run bench` (bench/int8-tasks.bench.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/ir/types';
import type { TflModel, TflTensor } from '../../src/tflite/model';
import { expandInt8HardSwish, integerHardSwish } from '../../src/quantize/int8-hardswish';
import { uniqueNamer } from '../../src/quantize/graph';
import { quantParams, quantizeBias, quantizeSymmetric } from '../../src/quantize/params';
import { openTflite } from '../../src/runtime/litert';
import { serializeTflite } from '../../src/tflite/writer';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { runOnnx } from '../../src/runtime/ort';
import { cosine, floats, rng, runFirstOutput } from './helpers';
import { FLOAT_BINARY_SUFFIX } from '../../src/quantize/int8-float-binary';

const X = { scale: 0.05, zeroPoint: 10 };
const Y = { scale: 6.9 / 255, zeroPoint: -115 };

function hardSwishModel(): TflModel {
  const tensors: TflTensor[] = [
    { name: 'x', type: 'INT8', shape: [1, 16, 16], quantization: quantParams(X) },
    { name: 'y', type: 'INT8', shape: [1, 16, 16], quantization: quantParams(Y) },
  ];
  return { version: 3, description: 'hard swish', metadata: new Map(),
    subgraphs: [{ name: 'main', tensors, inputs: [0], outputs: [1], operators: [{ opcode: 'HARD_SWISH', version: 1, inputs: [0], outputs: [1] }] }] };
}

async function run(model: TflModel, x: Int8Array): Promise<Int8Array> {
  const s = await openTflite(serializeTflite(model));
  try {
    const [out] = await s.run([{ name: 'x', dtype: 'int8', dims: [1, 16, 16], data: x } as Tensor]);
    return out.data as Int8Array;
  } finally {
    s.close();
  }
}

test('int8 HARD_SWISH as ADD(+3, RELU6) / MUL(1/6) / MUL: every int8 input within 2 output steps of x·relu6(x+3)/6 on LiteRT', async () => {
  const x = Int8Array.from({ length: 256 }, (_, i) => i - 128);
  const model = hardSwishModel();
  const kernel = await run(model, x);
  const sg = model.subgraphs[0];
  assert.equal(expandInt8HardSwish(sg, uniqueNamer(sg)), 1);
  assert.deepEqual(sg.operators.map((o) => o.opcode), ['ADD', 'MUL', 'MUL']);
  assert.equal(sg.operators[0].options?.fusedActivationFunction, 'RELU6');
  assert.deepEqual(sg.outputs, [1], 'the output tensor and its parameters stay');
  const rewritten = await run(model, x);
  let worst = 0;
  let worstKernel = 0;
  for (let i = 0; i < 256; i++) {
    const v = X.scale * (x[i] - X.zeroPoint);
    const exact = (v * Math.min(6, Math.max(0, v + 3))) / 6;
    const q = Math.max(-128, Math.min(127, Math.round(exact / Y.scale) + Y.zeroPoint));
    worst = Math.max(worst, Math.abs(rewritten[i] - q));
    worstKernel = Math.max(worstKernel, Math.abs(kernel[i] - q));
  }
  assert.ok(worst <= 2, `rewritten: ${worst} steps off (TFLite's HARD_SWISH kernel: ${worstKernel})`);
});

test('int8 HARD_SWISH in the float form: DEQUANTIZE → float HARD_SWISH → QUANTIZE, every int8 input within 1 output step on LiteRT', async () => {
  const x = Int8Array.from({ length: 256 }, (_, i) => i - 128);
  const model = hardSwishModel();
  const sg = model.subgraphs[0];
  assert.equal(expandInt8HardSwish(sg, uniqueNamer(sg), 'float'), 1);
  assert.deepEqual(sg.operators.map((o) => `${o.opcode}:${sg.tensors[o.outputs[0]].type}`), ['DEQUANTIZE:FLOAT32', 'HARD_SWISH:FLOAT32', 'QUANTIZE:INT8']);
  assert.deepEqual(sg.outputs, [1], 'the output tensor and its parameters stay');
  const got = await run(model, x);
  let worst = 0;
  for (let i = 0; i < 256; i++) {
    const v = X.scale * (x[i] - X.zeroPoint);
    const q = Math.max(-128, Math.min(127, Math.round((v * Math.min(6, Math.max(0, v + 3))) / 6 / Y.scale) + Y.zeroPoint));
    worst = Math.max(worst, Math.abs(got[i] - q));
  }
  assert.ok(worst <= 1, `${worst} steps off`);
});

test('the float HARD_SWISH form written back in the integer form (micro export): the same ops and outputs as the integer form', async () => {
  const x = Int8Array.from({ length: 256 }, (_, i) => i - 128);
  const direct = hardSwishModel();
  expandInt8HardSwish(direct.subgraphs[0], uniqueNamer(direct.subgraphs[0]), 'integer');
  const model = hardSwishModel();
  const sg = model.subgraphs[0];
  expandInt8HardSwish(sg, uniqueNamer(sg), 'float');
  assert.equal(integerHardSwish(sg, uniqueNamer(sg)), 1);
  assert.deepEqual(sg.operators.map((o) => o.opcode), ['ADD', 'MUL', 'MUL']);
  assert.ok(sg.operators.every((o) => [...o.inputs, ...o.outputs].every((i) => sg.tensors[i].type === 'INT8')), 'integer-only');
  assert.deepEqual(sg.outputs, [1]);
  assert.deepEqual([...await run(model, x)], [...await run(direct, x)]);
  // A float HARD_SWISH whose input another op reads too stays as it is.
  const shared = hardSwishModel();
  const ssg = shared.subgraphs[0];
  expandInt8HardSwish(ssg, uniqueNamer(ssg), 'float');
  ssg.tensors.push({ name: 'copy', type: 'FLOAT32', shape: [1, 16, 16] });
  ssg.operators.splice(1, 0, { opcode: 'RELU', inputs: [ssg.operators[0].outputs[0]], outputs: [ssg.tensors.length - 1] });
  assert.equal(integerHardSwish(ssg, uniqueNamer(ssg)), 0);
});

test('a final SOFTMAX (the model\'s probabilities) stays float32: XNNPack\'s kernel, no 1/256 step; the rest stays int8', async () => {
  const r = rng(4);
  const w = (n: number, sc: number) => Array.from({ length: n }, () => (r() - 0.5) * sc);
  const bytes = encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 3, 16, 16]]], outputs: [['y', 'float32', [1, 10]]],
    initializers: [tensor('w1', 'float32', [8, 3, 3, 3], w(216, 0.8)), tensor('b1', 'float32', [8], w(8, 0.2)),
      tensor('w2', 'float32', [10, 8], w(80, 3)), tensor('b2', 'float32', [10], w(10, 0.2))],
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c'], { pads: [1, 1, 1, 1] }), node('Relu', ['c'], ['rl']),
      node('GlobalAveragePool', ['rl'], ['g']), node('Flatten', ['g'], ['f']),
      node('Gemm', ['f', 'w2', 'b2'], ['logits'], { transB: 1 }), node('Softmax', ['logits'], ['y'], { axis: 1 }),
    ],
  }));
  const { result } = await quantizeModelBytes(bytes, 'cls.onnx', {}, { mode: 'int8', weightRounding: 'nearest', int16: 'off', allowDegraded: true });
  const sg = result.model.subgraphs[0];
  const softmax = sg.operators.filter((o) => o.opcode === 'SOFTMAX');
  assert.equal(softmax.length, 1);
  assert.equal(sg.tensors[softmax[0].inputs[0]].type, 'FLOAT32');
  assert.ok(sg.outputs.includes(softmax[0].outputs[0]), 'its output is the model output');
  for (const op of sg.operators.filter((o) => ['CONV_2D', 'FULLY_CONNECTED'].includes(o.opcode))) assert.equal(sg.tensors[op.outputs[0]].type, 'INT8');
  const x: Tensor = { name: 'x', dtype: 'float32', dims: [1, 3, 16, 16], data: Float32Array.from({ length: 768 }, rng(6)) };
  const ref = floats((await runOnnx(bytes, [x])).get('y')!);
  assert.ok(cosine(await runFirstOutput(result.model, [x]), ref) > 0.99);
});

test('int8 ops other than HARD_SWISH, and float HARD_SWISH, are left alone', () => {
  const model = hardSwishModel();
  const sg = model.subgraphs[0];
  sg.tensors = sg.tensors.map((t) => ({ ...t, type: 'FLOAT32', quantization: undefined }));
  assert.equal(expandInt8HardSwish(sg, uniqueNamer(sg)), 0);
  assert.deepEqual(sg.operators.map((o) => o.opcode), ['HARD_SWISH']);
});

test('weights: a channel of denormal weights (~1e-40) gets a scale of at least 2^-16 of the largest, and its bias survives', () => {
  const w = new Float32Array(3 * 4);
  w.set([0.5, -0.25, 0.125, 0.3], 0);
  w.set([1e-40, -2e-40, 0, 1e-41], 4);
  w.set([0, 0, 0, 0], 8);
  const q = quantizeSymmetric(w, [3, 4], 0);
  assert.ok(Math.abs(q.scales[0] - 0.5 / 127) < 1e-12);
  for (const c of [1, 2]) assert.ok(q.scales[c] >= q.scales[0] * 2 ** -16, `channel ${c} scale ${q.scales[c]}`);
  assert.deepEqual([...q.data.slice(4)], new Array(8).fill(0));
  // The int32 bias (scale input × weight) still holds a bias of 0.7 for the near-zero channel.
  const b = quantizeBias(Float32Array.of(0.1, 0.7, -0.3), 0.02, q.scales);
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(b.data[c] * b.scales[c] - [0.1, 0.7, -0.3][c]) < 1e-3, `bias ${c}`);
});

test('attention: SOFTMAX and the BATCH_MATMUL reading it stay float32 in an int8 model; the rest is int8', async () => {
  const dims = { q: [1, 2, 32, 8], k: [1, 2, 8, 32], v: [1, 2, 32, 8] };
  const bytes = encodeModel(buildModel({
    inputs: [['q', 'float32', dims.q], ['k', 'float32', dims.k], ['v', 'float32', dims.v]], outputs: [['y', 'float32', [1, 2, 32, 8]]],
    nodes: [node('MatMul', ['q', 'k'], ['s']), node('Mul', ['s', 's'], ['s2']), node('Softmax', ['s2'], ['p'], { axis: -1 }), node('MatMul', ['p', 'v'], ['y'])],
  }));
  const { result } = await quantizeModelBytes(bytes, 'attention.onnx', {}, { mode: 'int8', allowDegraded: true });
  const sg = result.model.subgraphs[0];
  const type = (i: number) => sg.tensors[i].type;
  const softmax = sg.operators.find((o) => o.opcode === 'SOFTMAX')!;
  assert.equal(type(softmax.outputs[0]), 'FLOAT32');
  const mm = sg.operators.filter((o) => o.opcode === 'BATCH_MATMUL');
  // Scores: the float form (XNNPack has no int8 BATCH_MATMUL of two activations) quantized into int8 scores;
  // probabilities × values float32.
  assert.deepEqual(mm.map((o) => type(o.outputs[0])), ['FLOAT32', 'FLOAT32']);
  assert.ok(sg.tensors[mm[0].outputs[0]].name.endsWith(FLOAT_BINARY_SUFFIX));
  assert.ok(mm[0].inputs.every((i) => sg.operators.some((o) => o.opcode === 'DEQUANTIZE' && o.outputs[0] === i && type(o.inputs[0]) === 'INT8')), 'q and k int8');
  assert.ok(result.warnings.some((w) => /1 attention SOFTMAX/.test(w)), result.warnings.join('; '));
  const r = rng(5);
  const feed = (name: 'q' | 'k' | 'v'): Tensor => ({ name, dtype: 'float32', dims: dims[name], data: Float32Array.from({ length: 512 }, r) });
  const inputs = [feed('q'), feed('k'), feed('v')];
  const ref = floats([...(await runOnnx(bytes, inputs)).values()][0]);
  const got = await runFirstOutput(result.model, inputs);
  assert.ok(cosine(got, ref) >= 0.999, `cosine ${cosine(got, ref)}`);
});
