// int8 ADD / SUB / MUL whose scale ratios LiteRT's XNNPack refuses, written DEQUANTIZE / float op / QUANTIZE
// (src/quantize/int8-float-binary.ts), run on LiteRT against the exact rounded result and TFLite's int8 kernel; and
// written back as the int8 op for TFLite Micro. Speed is measured by `npm run bench` (bench/int8-tasks.bench.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/ir/types';
import type { TflModel, TflTensor } from '../../src/tflite/model';
import { floatBinaryForm, integerBinary, xnnpackRefusesScales } from '../../src/quantize/int8-float-binary';
import { uniqueNamer } from '../../src/quantize/graph';
import { quantParams, type QParams } from '../../src/quantize/params';
import { openTflite } from '../../src/runtime/litert';
import { serializeTflite } from '../../src/tflite/writer';
import { FLOAT_BINARY_SUFFIX } from '../../src/quantize/int8-float-binary';
import { quantizeModelBytes } from '../../src/quantize/file';
import { integerOnlyHardSwish } from '../../src/micro/integer-only';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import { cosine, floats, innerFloatActivations, rng, runFirstOutput } from './helpers';

const SHAPE = [1, 4, 8, 8];
const X: QParams = { scale: 0.04, zeroPoint: -118 };

/** y = x (op) c for an int8 x of SHAPE and an int8 scalar constant c (stored value q with parameters C). */
function binaryModel(opcode: string, C: QParams, q: number, Y: QParams): TflModel {
  const tensors: TflTensor[] = [
    { name: 'x', type: 'INT8', shape: SHAPE, quantization: quantParams(X) },
    { name: 'c', type: 'INT8', shape: [1, 1, 1, 1], data: new Uint8Array([q & 255]), quantization: quantParams(C) },
    { name: 'y', type: 'INT8', shape: SHAPE, quantization: quantParams(Y) },
  ];
  return { version: 3, description: opcode, metadata: new Map(), subgraphs: [{ name: 'main', tensors, inputs: [0], outputs: [2],
    operators: [{ opcode, version: 2, inputs: [0, 1], outputs: [2], options: { fusedActivationFunction: 'NONE' } }] }] };
}

const input = Int8Array.from({ length: 256 }, (_, i) => i - 128);

async function run(model: TflModel): Promise<Int8Array> {
  const s = await openTflite(serializeTflite(model));
  try {
    const [out] = await s.run([{ name: 'x', dtype: 'int8', dims: SHAPE, data: input } as Tensor]);
    return out.data as Int8Array;
  } finally {
    s.close();
  }
}

/** Largest difference in output steps from the exactly rounded result, over every int8 input value. */
function stepsOff(got: Int8Array, f: (x: number) => number, Y: QParams): number {
  let worst = 0;
  for (let i = 0; i < 256; i++) {
    const q = Math.max(-128, Math.min(127, Math.round(f(X.scale * (input[i] - X.zeroPoint)) / Y.scale) + Y.zeroPoint));
    worst = Math.max(worst, Math.abs(got[i] - q));
  }
  return worst;
}

const ops = (m: TflModel) => m.subgraphs[0].operators.map((o) => `${o.opcode}:${m.subgraphs[0].tensors[o.outputs[0]].type}`);

// PP-OCRv4 det's learned bias: c = -0.0098 (q -128 at zero point 127) against an output step of 0.04 (ratio 9.6e-4).
const C_SMALL: QParams = { scale: 0.0000384, zeroPoint: 127 };
const c = C_SMALL.scale * (-128 - C_SMALL.zeroPoint);

test('an int8 ADD whose constant is below 2^-10 of the output step: the float form, within 1 step of exact and of TFLite\'s kernel', async () => {
  const model = binaryModel('ADD', C_SMALL, -128, X);
  const sg = model.subgraphs[0];
  assert.ok(xnnpackRefusesScales(sg.operators[0], sg.tensors));
  const kernel = await run(model);
  assert.equal(floatBinaryForm(sg, uniqueNamer(sg)), 1);
  assert.deepEqual(ops(model), ['DEQUANTIZE:FLOAT32', 'DEQUANTIZE:FLOAT32', 'ADD:FLOAT32', 'QUANTIZE:INT8']);
  assert.deepEqual(sg.outputs, [2], 'the output tensor and its parameters stay');
  const got = await run(model);
  assert.ok(stepsOff(got, (v) => v + c, X) <= 1, `${stepsOff(got, (v) => v + c, X)} steps from exact`);
  let fromKernel = 0;
  for (let i = 0; i < 256; i++) fromKernel = Math.max(fromKernel, Math.abs(got[i] - kernel[i]));
  assert.ok(fromKernel <= 1, `${fromKernel} steps from TFLite's int8 ADD`);
});

test('int8 SUB and MUL outside XNNPack\'s ratios are rewritten too; ops within them are left alone', async () => {
  const sub = binaryModel('SUB', C_SMALL, -128, X);
  assert.equal(floatBinaryForm(sub.subgraphs[0], uniqueNamer(sub.subgraphs[0])), 1);
  assert.ok(stepsOff(await run(sub), (v) => v - c, X) <= 1);
  // MUL by 0.5 stored at a scale 64x finer than it needs: input × constant scale over output scale 4.9e-6 < 2^-16.
  const C_MUL: QParams = { scale: 0.5 / 127 / 64, zeroPoint: 0 };
  const Y_MUL: QParams = { scale: 0.5, zeroPoint: 0 };
  const mul = binaryModel('MUL', C_MUL, 127, Y_MUL);
  assert.ok(xnnpackRefusesScales(mul.subgraphs[0].operators[0], mul.subgraphs[0].tensors));
  const kernel = await run(mul);
  assert.equal(floatBinaryForm(mul.subgraphs[0], uniqueNamer(mul.subgraphs[0])), 1);
  const got = await run(mul);
  const cm = C_MUL.scale * 127;
  assert.ok(stepsOff(got, (v) => v * cm, Y_MUL) <= 1);
  assert.ok(stepsOff(kernel, (v) => v * cm, Y_MUL) <= 1);
  // Within the ratios: an ADD of 0.5 stored at its own scale, a MUL by 0.5 at 0.5 / 127.
  const fine = binaryModel('ADD', { scale: 0.5 / 127, zeroPoint: 0 }, 127, X);
  const fineMul = binaryModel('MUL', { scale: 0.5 / 127, zeroPoint: 0 }, 127, X);
  for (const m of [fine, fineMul]) {
    assert.ok(!xnnpackRefusesScales(m.subgraphs[0].operators[0], m.subgraphs[0].tensors));
    assert.equal(floatBinaryForm(m.subgraphs[0], uniqueNamer(m.subgraphs[0])), 0);
    assert.equal(m.subgraphs[0].operators.length, 1);
  }
});

test('the float form written back as the int8 op (micro export): the original op, tensors and outputs', async () => {
  const original = binaryModel('ADD', C_SMALL, -128, X);
  const model = binaryModel('ADD', C_SMALL, -128, X);
  const sg = model.subgraphs[0];
  floatBinaryForm(sg, uniqueNamer(sg));
  assert.equal(integerBinary(sg), 1);
  assert.deepEqual(ops(model), ['ADD:INT8']);
  assert.deepEqual(sg.operators[0].inputs, [0, 1]);
  assert.deepEqual(sg.operators[0].outputs, [2]);
  assert.deepEqual([...await run(model)], [...await run(original)]);
  // A float ADD that another float op reads is not the float form: left as it is.
  const other = binaryModel('ADD', C_SMALL, -128, X);
  const osg = other.subgraphs[0];
  floatBinaryForm(osg, uniqueNamer(osg));
  osg.tensors.push({ name: 'copy', type: 'FLOAT32', shape: SHAPE });
  osg.operators.splice(3, 0, { opcode: 'RELU', inputs: [osg.operators[2].outputs[0]], outputs: [osg.tensors.length - 1] });
  assert.equal(integerBinary(osg), 0);
});

test('--quantize int8: a tiny learned bias after HARD_SWISH (PP-OCR\'s x + c) gets the float form; close to onnxruntime; micro writes the int8 ADD back', async () => {
  const r = rng(11);
  const w = (n: number, sc: number) => Array.from({ length: n }, () => (r() - 0.5) * sc);
  const bytes = encodeModel(buildModel({
    opset: 14, inputs: [['x', 'float32', [1, 3, 16, 16]]], outputs: [['y', 'float32', [1, 4, 16, 16]]],
    initializers: [tensor('w1', 'float32', [8, 3, 3, 3], w(216, 5)), tensor('b1', 'float32', [8], w(8, 0.4)),
      tensor('c', 'float32', [1], [-0.0098]), tensor('w2', 'float32', [4, 8, 3, 3], w(288, 0.5)), tensor('b2', 'float32', [4], w(4, 0.2))],
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['h'], { pads: [1, 1, 1, 1] }), node('HardSwish', ['h'], ['hs']),
      node('Add', ['hs', 'c'], ['a']), node('Conv', ['a', 'w2', 'b2'], ['y'], { pads: [1, 1, 1, 1] }), // padded: c is not folded
    ],
  }));
  const { result } = await quantizeModelBytes(bytes, 'lab.onnx', {}, { mode: 'int8', weightRounding: 'nearest', int16: 'off', allowDegraded: true });
  const sg = result.model.subgraphs[0];
  const adds = sg.operators.filter((o) => o.opcode === 'ADD');
  assert.equal(adds.length, 1);
  assert.equal(sg.tensors[adds[0].outputs[0]].type, 'FLOAT32', 'the ADD XNNPack refuses in int8 runs in float32');
  assert.ok(sg.tensors[adds[0].outputs[0]].name.endsWith(FLOAT_BINARY_SUFFIX));
  assert.deepEqual(innerFloatActivations(result.model), [], 'float only inside the HARD_SWISH and ADD forms');
  for (const op of sg.operators.filter((o) => o.opcode === 'CONV_2D')) assert.equal(sg.tensors[op.outputs[0]].type, 'INT8');
  const x: Tensor = { name: 'x', dtype: 'float32', dims: [1, 3, 16, 16], data: Float32Array.from({ length: 768 }, rng(12)) };
  const ref = floats((await runOnnx(bytes, [x])).get('y')!);
  assert.ok(cosine(await runFirstOutput(result.model, [x]), ref) > 0.99);
  // micro: integer-only again (the ADD reads and writes int8).
  const embedded = structuredClone(result.model);
  assert.ok(integerOnlyHardSwish(embedded) >= 2, 'HARD_SWISH and ADD written back');
  const esg = embedded.subgraphs[0];
  assert.ok(esg.operators.every((o) => [...o.inputs, ...o.outputs].every((i) => i < 0 || esg.tensors[i].type !== 'FLOAT32' || esg.inputs.includes(i) || esg.outputs.includes(i) || !!esg.tensors[i].data)),
    esg.operators.map((o) => `${o.opcode}:${esg.tensors[o.outputs[0]].type}`).join(' '));
});

test('--quantize int8: a BATCH_MATMUL of two activations (attention scores) gets the float form; close to onnxruntime; micro writes the int8 op back', async () => {
  const bytes = encodeModel(buildModel({
    opset: 14, inputs: [['x', 'float32', [1, 2, 8, 6]]], outputs: [['s', 'float32', [1, 2, 8, 8]]],
    initializers: [tensor('c', 'float32', [1], [0.7])],
    nodes: [node('Mul', ['x', 'c'], ['k']), node('Transpose', ['k'], ['kt'], { perm: [0, 1, 3, 2] }), node('MatMul', ['x', 'kt'], ['s'])],
  }));
  const { result } = await quantizeModelBytes(bytes, 'scores.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
  const sg = result.model.subgraphs[0];
  const mm = sg.operators.filter((o) => o.opcode === 'BATCH_MATMUL');
  assert.equal(mm.length, 1, ops(result.model).join(' '));
  assert.deepEqual(mm[0].inputs.map((i) => sg.tensors[i].type), ['FLOAT32', 'FLOAT32'], 'XNNPack takes it in float32 only');
  assert.ok(sg.tensors[mm[0].outputs[0]].name.endsWith(FLOAT_BINARY_SUFFIX));
  assert.deepEqual(innerFloatActivations(result.model), [], 'float only inside the form');
  const x: Tensor = { name: 'x', dtype: 'float32', dims: [1, 2, 8, 6], data: Float32Array.from({ length: 96 }, rng(3)) };
  const ref = floats((await runOnnx(bytes, [x])).get('s')!);
  assert.ok(cosine(await runFirstOutput(result.model, [x]), ref) > 0.99);
  const embedded = structuredClone(result.model);
  assert.ok(integerOnlyHardSwish(embedded) >= 1);
  const esg = embedded.subgraphs[0];
  const back = esg.operators.filter((o) => o.opcode === 'BATCH_MATMUL');
  assert.deepEqual(back.flatMap((o) => [...o.inputs, ...o.outputs].map((i) => esg.tensors[i].type)), ['INT8', 'INT8', 'INT8']);
});

test('--quantize int8: a PRELU with per-channel slopes (face mesh) gets the float form XNNPack runs; close to onnxruntime; micro writes the int8 PRELU back', async () => {
  const r = rng(21);
  const w = (n: number, sc: number) => Array.from({ length: n }, () => (r() - 0.5) * sc);
  const bytes = encodeModel(buildModel({
    opset: 14, inputs: [['x', 'float32', [1, 3, 16, 16]]], outputs: [['y', 'float32', [1, 4, 16, 16]]],
    initializers: [tensor('w1', 'float32', [8, 3, 3, 3], w(216, 2)), tensor('b1', 'float32', [8], w(8, 0.4)),
      tensor('slope', 'float32', [8, 1, 1], w(8, 0.6)), tensor('w2', 'float32', [4, 8, 3, 3], w(288, 0.5)), tensor('b2', 'float32', [4], w(4, 0.2))],
    nodes: [node('Conv', ['x', 'w1', 'b1'], ['h'], { pads: [1, 1, 1, 1] }), node('PRelu', ['h', 'slope'], ['p']),
      node('Conv', ['p', 'w2', 'b2'], ['y'], { pads: [1, 1, 1, 1] })],
  }));
  const { result } = await quantizeModelBytes(bytes, 'prelu.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
  const sg = result.model.subgraphs[0];
  const prelus = sg.operators.filter((o) => o.opcode === 'PRELU');
  assert.equal(prelus.length, 1, ops(result.model).join(' '));
  assert.deepEqual(prelus[0].inputs.map((i) => sg.tensors[i].type), ['FLOAT32', 'FLOAT32'], 'XNNPack takes PRELU in float32 only');
  assert.ok(sg.tensors[prelus[0].outputs[0]].name.endsWith(FLOAT_BINARY_SUFFIX));
  assert.deepEqual(innerFloatActivations(result.model), [], 'float only inside the form');
  const x: Tensor = { name: 'x', dtype: 'float32', dims: [1, 3, 16, 16], data: Float32Array.from({ length: 768 }, rng(22)) };
  const ref = floats((await runOnnx(bytes, [x])).get('y')!);
  assert.ok(cosine(await runFirstOutput(result.model, [x]), ref) > 0.99);
  const embedded = structuredClone(result.model);
  assert.ok(integerOnlyHardSwish(embedded) >= 1);
  const esg = embedded.subgraphs[0];
  const back = esg.operators.filter((o) => o.opcode === 'PRELU');
  assert.deepEqual(back.flatMap((o) => [...o.inputs, ...o.outputs].map((i) => esg.tensors[i].type)), ['INT8', 'INT8', 'INT8']);
  assert.ok(cosine(await runFirstOutput(embedded, [x]), ref) > 0.99, 'the int8 PRELU written back runs');
});

test('--quantize int8: a BATCH_MATMUL by a constant at rank 6 (PETR\'s frustum points × img2lidars) gets the float form; LiteRT loads it; close to onnxruntime', async () => {
  // Was written int8 and refused by the self-check: "batch_matmul.cc NumDimensions(lhs_data) <= 5 was not true".
  const r = rng(21);
  const bytes = encodeModel(buildModel({
    opset: 13, inputs: [['m', 'float32', [1, 3, 1, 1, 4, 4]]], outputs: [['y', 'float32', [1, 3, 2, 5, 4, 1]]],
    initializers: [tensor('p', 'float32', [1, 1, 2, 5, 4, 1], Array.from({ length: 40 }, () => r() * 2 - 0.5))],
    nodes: [node('MatMul', ['m', 'p'], ['q']), node('Relu', ['q'], ['y'])],
  }));
  const { result } = await quantizeModelBytes(bytes, 'frustum.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
  const sg = result.model.subgraphs[0];
  const mm = sg.operators.filter((o) => o.opcode === 'BATCH_MATMUL');
  assert.equal(mm.length, 1, ops(result.model).join(' '));
  assert.deepEqual(mm[0].inputs.map((i) => sg.tensors[i].type), ['FLOAT32', 'FLOAT32'], 'TFLite\'s int8 kernel stops at rank 5');
  const x: Tensor = { name: 'm', dtype: 'float32', dims: [1, 3, 1, 1, 4, 4], data: Float32Array.from({ length: 48 }, rng(4)) };
  const ref = floats((await runOnnx(bytes, [x])).get('y')!);
  assert.ok(cosine(await runFirstOutput(result.model, [x]), ref) > 0.99);
});
