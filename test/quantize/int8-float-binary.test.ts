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
