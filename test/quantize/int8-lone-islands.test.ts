// An int8 island of cheap ops between float32 layers runs float32 (src/quantize/int8-lone-islands.ts): DBNet's head
// (float TRANSPOSE_CONV → int8 MUL / ADD+RELU, its BatchNorm → float TRANSPOSE_CONV) in small: the QUANTIZEs before
// the group and the DEQUANTIZEs after it go, the int8 constants become float32, the written model runs on LiteRT
// and gives the float result. A group with an int8 reader outside it, or fed by an int8 → int8 requantize, keeps its
// int8 form. No time is asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/ir/types';
import type { TflModel, TflTensor } from '../../src/tflite/model';
import { floatConstantsOf, floatLoneIslands, islandsBetweenFloat } from '../../src/quantize/int8-lone-islands';
import { uniqueNamer } from '../../src/quantize/graph';
import { quantParams } from '../../src/quantize/params';
import { openTflite } from '../../src/runtime/litert';
import { serializeTflite } from '../../src/tflite/writer';
import { rng } from './helpers';

const H = 6; const W = 6; const C = 4;
const X = { scale: 4 / 255, zeroPoint: 0 }; // [-2, 2]
const M = { scale: 0.002, zeroPoint: 0 }; // the BatchNorm's gains, int8 [1, 1, 1, C]
const A = { scale: 0.01, zeroPoint: -20 }; // its shifts
const MID = { scale: 1 / 255, zeroPoint: 0 };
const Y = { scale: 1 / 255, zeroPoint: -128 }; // [0, 1]: after the ReLU
const QM = [100, 127, 9, 60]; // gains 0.2, 0.254, 0.018, 0.12: the small channel loses its steps in int8
const QA = [40, -20, 0, 120]; // shifts 0.6, 0, 0.2, 1.4
const vec = (name: string, q: number[], p: { scale: number; zeroPoint: number }): TflTensor =>
  ({ name, type: 'INT8', shape: [1, 1, 1, C], data: new Uint8Array(Int8Array.from(q).buffer), quantization: quantParams(p) });
const act = (name: string, type: 'FLOAT32' | 'INT8', q?: { scale: number; zeroPoint: number }): TflTensor =>
  ({ name, type, shape: [1, H, W, C], ...(q ? { quantization: quantParams(q) } : {}) });

/** x (float32) → QUANTIZE → MUL by gains → ADD shifts (ReLU fused) → DEQUANTIZE → y (float32). */
function island(): TflModel {
  const tensors = [act('x', 'FLOAT32'), act('xq', 'INT8', X), vec('m', QM, M), act('mq', 'INT8', MID), vec('a', QA, A),
    act('yq', 'INT8', Y), act('y', 'FLOAT32')];
  return { version: 3, description: 'island', metadata: new Map(), subgraphs: [{ name: 'main', tensors, inputs: [0], outputs: [6], operators: [
    { opcode: 'QUANTIZE', version: 1, inputs: [0], outputs: [1] },
    { opcode: 'MUL', version: 2, inputs: [1, 2], outputs: [3], options: { fusedActivationFunction: 'NONE' } },
    { opcode: 'ADD', version: 2, inputs: [3, 4], outputs: [5], options: { fusedActivationFunction: 'RELU' } },
    { opcode: 'DEQUANTIZE', version: 2, inputs: [5], outputs: [6] }] }] };
}

const ops = (m: TflModel) => m.subgraphs[0].operators.map((o) => `${o.opcode}:${m.subgraphs[0].tensors[o.outputs[0]].type}`);
const input = (): Tensor => { const r = rng(5); return { name: 'x', dtype: 'float32', dims: [1, H, W, C], data: Float32Array.from({ length: H * W * C }, () => 4 * r() - 2) }; };

async function run(m: TflModel, x: Tensor): Promise<Float32Array> {
  const s = await openTflite(serializeTflite(m));
  try { return (await s.run([x]))[0].data as Float32Array; } finally { s.close(); }
}

test('int8 lone islands: a BatchNorm MUL / ADD+ReLU between a QUANTIZE and a DEQUANTIZE runs float32 with float32 constants', async () => {
  const m = island();
  const x = input();
  const before = await run(island(), x);
  const sg = m.subgraphs[0];
  assert.equal(floatLoneIslands(sg, uniqueNamer(sg)), 2);
  assert.deepEqual(ops(m), ['MUL:FLOAT32', 'ADD:FLOAT32']);
  const [mul, add] = sg.operators;
  assert.equal(mul.inputs[0], 0, 'the MUL reads the float32 input');
  assert.equal(add.inputs[0], mul.outputs[0]);
  assert.deepEqual(add.outputs, [6], 'the ADD writes the model output');
  const floats = (i: number) => [...new Float32Array(sg.tensors[i].data!.slice().buffer)].map((v) => +v.toFixed(6));
  assert.deepEqual(floats(mul.inputs[1]), QM.map((q) => +(q * M.scale).toFixed(6)));
  assert.deepEqual(floats(add.inputs[1]), QA.map((q) => +((q - A.zeroPoint) * A.scale).toFixed(6)));
  const y = await run(m, x);
  const xs = x.data as Float32Array;
  let worst = 0; let worstInt8 = 0;
  xs.forEach((v, k) => {
    const c = k % C;
    const e = Math.max(0, v * QM[c] * M.scale + (QA[c] - A.zeroPoint) * A.scale);
    worst = Math.max(worst, Math.abs(y[k] - e));
    worstInt8 = Math.max(worstInt8, Math.abs(before[k] - e));
  });
  assert.ok(worst < 1e-6, `float32 island off the exact result by ${worst}`);
  assert.ok(worstInt8 > 100 * worst, `the int8 island was off by ${worstInt8}`);
});

test('int8 lone islands: an island with an int8 reader outside it, or fed by an int8 requantize, keeps its int8 form', () => {
  // The MUL's output also read by an int8 op outside the group (a MAX_POOL_2D, then dequantized).
  const read = island();
  const sg = read.subgraphs[0];
  sg.tensors.push(act('p', 'INT8', MID), act('pf', 'FLOAT32'));
  sg.operators.push({ opcode: 'MAX_POOL_2D', version: 2, inputs: [3], outputs: [7],
    options: { padding: 'SAME', strideW: 1, strideH: 1, filterWidth: 1, filterHeight: 1, fusedActivationFunction: 'NONE' } },
  { opcode: 'DEQUANTIZE', version: 2, inputs: [7], outputs: [8] });
  sg.outputs.push(8);
  assert.equal(floatLoneIslands(sg, uniqueNamer(sg)), 0);
  // The input an int8 → int8 QUANTIZE (a requantized input), not a float32 one.
  const req = island();
  const s2 = req.subgraphs[0];
  s2.tensors[0] = act('x', 'INT8', { scale: 1 / 64, zeroPoint: 0 });
  assert.equal(floatLoneIslands(s2, uniqueNamer(s2)), 0);
  assert.deepEqual(ops(req), ['QUANTIZE:INT8', 'MUL:INT8', 'ADD:INT8', 'DEQUANTIZE:FLOAT32']);
  // The island's output a model output itself (no DEQUANTIZE): kept.
  const out = island();
  const s3 = out.subgraphs[0];
  s3.operators.pop();
  s3.outputs = [5];
  assert.equal(floatLoneIslands(s3, uniqueNamer(s3)), 0);
});

test('int8 lone islands: a residual ADD of two quantized float32 branches runs float32 and its QUANTIZEs go', () => {
  const m = island();
  const sg = m.subgraphs[0];
  // y = relu(x · m + (z quantized)) with z a second float32 input: two QUANTIZEs into one island.
  sg.tensors.push(act('z', 'FLOAT32'), act('zq', 'INT8', A));
  sg.inputs.push(7);
  sg.operators.unshift({ opcode: 'QUANTIZE', version: 1, inputs: [7], outputs: [8] });
  sg.operators[3].inputs = [3, 8];
  assert.equal(floatLoneIslands(sg, uniqueNamer(sg)), 2);
  assert.deepEqual(ops(m), ['MUL:FLOAT32', 'ADD:FLOAT32']);
  assert.deepEqual(sg.operators[1].inputs, [sg.operators[0].outputs[0], 7]);
});

test('int8 lone islands: the float32 constants the model had before the int8 pass come back by name', async () => {
  // The float model's BatchNorm: gains and shifts int8 rounding moves (per tensor: a step of 0.002 / 0.01).
  const gains = [0.2013, 0.2537, 0.0183, 0.1207];
  const shifts = [0.6049, -0.0032, 0.2041, 1.3987];
  const f32 = (name: string, v: number[]): TflTensor => ({ name, type: 'FLOAT32', shape: [1, 1, 1, C], data: new Uint8Array(Float32Array.from(v).buffer) });
  const original = floatConstantsOf({ name: 'main', inputs: [], outputs: [], operators: [], tensors: [f32('m', gains), f32('a', shifts), f32('other', [1, 2, 3, 4])] });
  assert.deepEqual([...original.keys()], ['m', 'a', 'other']);
  const m = island();
  const sg = m.subgraphs[0];
  assert.equal(floatLoneIslands(sg, uniqueNamer(sg), new Map(), original), 2);
  const x = input();
  const y = await run(m, x);
  let worst = 0;
  (x.data as Float32Array).forEach((v, k) => { worst = Math.max(worst, Math.abs(y[k] - Math.max(0, v * gains[k % C] + shifts[k % C]))); });
  assert.ok(worst < 1e-6, `float32 island with the float constants off by ${worst}`);
});

test('int8 lone islands: the compatibility marks name a float32 model\'s island between float32 neighbours, not one an int8 op reads', () => {
  // The island's float32 model: x → MUL → ADD → y; the model's input and output are float32 neighbours.
  const m = island();
  const sg = m.subgraphs[0];
  sg.operators = sg.operators.slice(1, 3);
  sg.tensors = sg.tensors.map((tt) => (tt.data ? tt : { name: tt.name, type: 'FLOAT32', shape: tt.shape }));
  sg.tensors[2] = { ...sg.tensors[2], type: 'FLOAT32', data: new Uint8Array(new Float32Array(C).buffer), quantization: undefined };
  sg.tensors[4] = { ...sg.tensors[4], type: 'FLOAT32', data: new Uint8Array(new Float32Array(C).buffer), quantization: undefined };
  sg.operators[0].inputs = [0, 2];
  sg.operators[1].outputs = [6];
  assert.deepEqual([...islandsBetweenFloat(sg, new Set())], [0, 1]);
  // The MUL's output read by a CONV_2D too (int8 there): no island.
  sg.tensors.push({ name: 'w', type: 'FLOAT32', shape: [C, 1, 1, C], data: new Uint8Array(new Float32Array(C * C).buffer) }, act('c', 'FLOAT32'));
  sg.operators.push({ opcode: 'CONV_2D', version: 1, inputs: [3, 7, -1], outputs: [8],
    options: { padding: 'SAME', strideW: 1, strideH: 1, fusedActivationFunction: 'NONE', dilationWFactor: 1, dilationHFactor: 1 } });
  sg.outputs.push(8);
  assert.deepEqual([...islandsBetweenFloat(sg, new Set())], []);
  // ... unless the CONV_2D is kept float32 by a rule.
  assert.deepEqual([...islandsBetweenFloat(sg, new Set([2]))], [0, 1]);
});
