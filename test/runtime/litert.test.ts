// Real LiteRT (@litertjs/core WASM) in Node, on models built by hand with the writer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { ModelError, type Tensor } from '../../src/ir/types';
import type { TflModel, TflTensor } from '../../src/tflite/model';
import { serializeTflite } from '../../src/tflite/writer';
import { openTflite, runTflite } from '../../src/runtime/litert';

const f32 = (values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);
const model = (tensors: TflTensor[], operators: TflModel['subgraphs'][0]['operators'], inputs: number[], outputs: number[]): TflModel =>
  ({ version: 3, description: 'test', metadata: new Map(), subgraphs: [{ name: 'main', tensors, operators, inputs, outputs }] });
const close = (got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5): void => {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= tol, `[${i}] ${got[i]} vs ${want[i]}`);
};

test('ADD(x, const) with a fused RELU runs on LiteRT', async () => {
  const bytes = serializeTflite(model([
    { name: 'x', type: 'FLOAT32', shape: [1, 4] },
    { name: 'c', type: 'FLOAT32', shape: [1, 4], data: f32([10, 20, 30, 40]) },
    { name: 'y', type: 'FLOAT32', shape: [1, 4] },
  ], [{ opcode: 'ADD', inputs: [0, 1], outputs: [2], options: { fusedActivationFunction: 'RELU' } }], [0], [2]));
  const [y] = await runTflite(bytes, [{ name: 'x', dtype: 'float32', dims: [1, 4], data: new Float32Array([1, -50, 3, 4]) }]);
  assert.equal(y!.name, 'y');
  assert.deepEqual(y!.dims, [1, 4]);
  assert.deepEqual(Array.from(y!.data as Float32Array), [11, 0, 33, 44]);
});

test('CONV_2D with known weights matches a direct convolution', async () => {
  // NHWC input 1x4x4x2, OHWI filter 3x2x2x2, bias 3, VALID, stride 1 → 1x3x3x3.
  const x = Array.from({ length: 32 }, (_, i) => (i % 7) - 3 + i / 10);
  const w = Array.from({ length: 24 }, (_, i) => ((i * 5) % 11) / 10 - 0.5);
  const b = [0.5, -1, 2];
  const bytes = serializeTflite(model([
    { name: 'input', type: 'FLOAT32', shape: [1, 4, 4, 2] },
    { name: 'weights', type: 'FLOAT32', shape: [3, 2, 2, 2], data: f32(w) },
    { name: 'bias', type: 'FLOAT32', shape: [3], data: f32(b) },
    { name: 'output', type: 'FLOAT32', shape: [1, 3, 3, 3] },
  ], [{ opcode: 'CONV_2D', inputs: [0, 1, 2], outputs: [3], options: { padding: 'VALID', strideW: 1, strideH: 1 } }], [0], [3]));
  const want: number[] = [];
  for (let oy = 0; oy < 3; oy++) for (let ox = 0; ox < 3; ox++) for (let o = 0; o < 3; o++) {
    let s = b[o]!;
    for (let ky = 0; ky < 2; ky++) for (let kx = 0; kx < 2; kx++) for (let c = 0; c < 2; c++) {
      s += x[((oy + ky) * 4 + (ox + kx)) * 2 + c]! * w[((o * 2 + ky) * 2 + kx) * 2 + c]!;
    }
    want.push(s);
  }
  const [y] = await runTflite(bytes, [{ name: 'input', dtype: 'float32', dims: [1, 4, 4, 2], data: new Float32Array(x) }]);
  assert.deepEqual(y!.dims, [1, 3, 3, 3]);
  close(y!.data as Float32Array, want, 1e-4);
});

test('inputs and outputs keep the model order (not the signature order); int32 output; op code > 127 (GELU)', async () => {
  // Inputs named so that sorting would swap them; two outputs of different types.
  const bytes = serializeTflite(model([
    { name: 'zeta', type: 'FLOAT32', shape: [3] },
    { name: 'alpha', type: 'FLOAT32', shape: [3] },
    { name: 'sub', type: 'FLOAT32', shape: [3] },
    { name: 'gelu', type: 'FLOAT32', shape: [3] },
    { name: 'as_int', type: 'INT32', shape: [3] },
  ], [
    { opcode: 'SUB', inputs: [0, 1], outputs: [2], options: { fusedActivationFunction: 'NONE' } },
    { opcode: 'GELU', inputs: [2], outputs: [3], options: { approximate: false } },
    { opcode: 'CAST', inputs: [2], outputs: [4], options: { inDataType: 'FLOAT32', outDataType: 'INT32' } },
  ], [0, 1], [4, 3]));
  const session = await openTflite(bytes);
  assert.deepEqual(session.inputs.map((i) => i.name), ['zeta', 'alpha']);
  assert.deepEqual(session.outputs.map((o) => [o.name, o.dtype]), [['as_int', 'int32'], ['gelu', 'float32']]);
  for (let run = 0; run < 3; run++) {
    const [asInt, gelu] = await session.run([
      { name: 'zeta', dtype: 'float32', dims: [3], data: new Float32Array([5, 1, -2 + run]) },
      { name: 'alpha', dtype: 'float32', dims: [3], data: new Float32Array([1, 1, 0]) },
    ]);
    assert.deepEqual(Array.from(asInt!.data as Int32Array), [4, 0, -2 + run]);
    const erf = (v: number) => { // Abramowitz–Stegun 7.1.26
      const t = 1 / (1 + 0.3275911 * Math.abs(v));
      const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-v * v);
      return Math.sign(v) * y;
    };
    close(gelu!.data as Float32Array, [4, 0, -2 + run].map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))), 1e-4);
  }
  session.close();
  await assert.rejects(session.run([]), ModelError);
});

test('a model that fails only on some data (integer division by zero) opens, and fails clearly on such data', async () => {
  const bytes = serializeTflite(model([
    { name: 'a', type: 'INT32', shape: [2] }, { name: 'b', type: 'INT32', shape: [2] }, { name: 'q', type: 'INT32', shape: [2] },
  ], [{ opcode: 'FLOOR_DIV', inputs: [0, 1], outputs: [2] }], [0, 1], [2]));
  const s = await openTflite(bytes);
  const feed = (a: number[], b: number[]) => [
    { name: 'a', dtype: 'int32' as const, dims: [2], data: new Int32Array(a) },
    { name: 'b', dtype: 'int32' as const, dims: [2], data: new Int32Array(b) },
  ];
  const [q] = await s.run(feed([7, -7], [2, 2]));
  assert.deepEqual(Array.from(q!.data as Int32Array), [3, -4]);
  await assert.rejects(s.run(feed([1, 1], [0, 1])), (e: Error) => e instanceof ModelError && /LiteRT failed to run the model: .*FLOOR_DIV/.test(e.message));
  const [again] = await s.run(feed([9, 8], [3, 3]));
  assert.deepEqual(Array.from(again!.data as Int32Array), [3, 2]);
  s.close();
});

test('inputs and outputs of any numeric type: int64, bool, int8, float16', async () => {
  const unary = (tin: TflTensor['type'], tout: TflTensor['type'], opcode: string, options?: Record<string, string>) =>
    serializeTflite(model([{ name: 'x', type: tin, shape: [1, 3] }, { name: 'y', type: tout, shape: [1, 3] }],
      [{ opcode, inputs: [0], outputs: [1], ...(options ? { options } : {}) }], [0], [1]));
  const run1 = async (bytes: Uint8Array, x: Tensor) => (await runTflite(bytes, [x]))[0]!;
  const neg64 = await run1(unary('INT64', 'INT64', 'NEG'), { name: 'x', dtype: 'int64', dims: [1, 3], data: new BigInt64Array([1n, -2n, 3000000000000n]) });
  assert.equal(neg64.dtype, 'int64');
  assert.deepEqual(Array.from(neg64.data as BigInt64Array), [-1n, 2n, -3000000000000n]);
  const not = await run1(unary('BOOL', 'BOOL', 'LOGICAL_NOT'), { name: 'x', dtype: 'bool', dims: [1, 3], data: new Uint8Array([1, 0, 1]) });
  assert.deepEqual([not.dtype, Array.from(not.data as Uint8Array)], ['bool', [0, 1, 0]]);
  const neg8 = await run1(unary('INT8', 'INT8', 'NEG'), { name: 'x', dtype: 'int8', dims: [1, 3], data: new Int8Array([5, -7, 100]) });
  assert.deepEqual(Array.from(neg8.data as Int8Array), [-5, 7, -100]);
  const deq = await run1(unary('FLOAT16', 'FLOAT32', 'DEQUANTIZE'), { name: 'x', dtype: 'float16', dims: [1, 3], data: new Uint16Array([0x3c00, 0x4000, 0xc200]) });
  assert.deepEqual(Array.from(deq.data as Float32Array), [1, 2, -3]);
  const half = await run1(unary('FLOAT32', 'FLOAT16', 'CAST', { inDataType: 'FLOAT32', outDataType: 'FLOAT16' }), { name: 'x', dtype: 'float32', dims: [1, 3], data: new Float32Array([1, 2, -3]) });
  assert.deepEqual([half.dtype, Array.from(half.data as Uint16Array)], ['float16', [0x3c00, 0x4000, 0xc200]]);
});

const selfie = 'node_modules/@mediapipe/selfie_segmentation/selfie_segmentation.tflite';
test('Google-made selfie_segmentation.tflite (float16 weights, DEQUANTIZE, custom op) runs', { skip: !existsSync(selfie) && 'npm install @mediapipe/selfie_segmentation (a devDependency) to run this' }, async () => {
  const s = await openTflite(new Uint8Array(readFileSync(selfie)));
  assert.deepEqual(s.inputs.map((i) => [i.name, i.dims]), [['input_1', [1, 256, 256, 3]]]);
  const data = new Float32Array(256 * 256 * 3);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 7919) % 1000) / 1000;
  const [mask] = await s.run([{ name: 'input_1', dtype: 'float32', dims: [1, 256, 256, 3], data }]);
  s.close();
  assert.deepEqual(mask!.dims, [1, 256, 256, 1]);
  assert.ok((mask!.data as Float32Array).every((v) => v >= 0 && v <= 1), 'a sigmoid mask');
});

test('models LiteRT.js cannot run, and wrong inputs, give a ModelError', async () => {
  const io = (type: TflTensor['type']) => serializeTflite(model([
    { name: 'x', type, shape: [2] }, { name: 'y', type, shape: [2] },
  ], [{ opcode: 'NEG', inputs: [0], outputs: [1] }], [0], [1]));
  await assert.rejects(openTflite(io('STRING')), (e: Error) => e instanceof ModelError && /cannot feed or read STRING tensors \('x'\)/.test(e.message));
  const unknownCustom = serializeTflite(model([
    { name: 'x', type: 'FLOAT32', shape: [2] }, { name: 'y', type: 'FLOAT32', shape: [2] },
  ], [{ opcode: 'CUSTOM', customCode: 'NoSuchOp', inputs: [0], outputs: [1] }], [0], [1]));
  await assert.rejects(openTflite(unknownCustom), (e: Error) => e instanceof ModelError && /LiteRT cannot load this model: .*unresolved custom op: NoSuchOp/.test(e.message));
  const s = await openTflite(io('FLOAT32'));
  await assert.rejects(s.run([]), ModelError);
  await assert.rejects(s.run([{ name: 'x', dtype: 'float32', dims: [3], data: new Float32Array(3) }]), /shape \[2\]/);
  await assert.rejects(s.run([{ name: 'x', dtype: 'int32', dims: [2], data: new Int32Array(2) }]), ModelError);
  const [y] = await s.run([{ name: 'x', dtype: 'float32', dims: [2], data: new Float32Array([1, -2]) }]);
  assert.deepEqual(Array.from(y!.data as Float32Array), [-1, 2]);
  s.close();
  await assert.rejects(openTflite(new Uint8Array(64)), ModelError);
});

test('an input with a 0 dim (a .tflite not written by onnx2lite) is a ModelError, not a bare binding error', async () => {
  const bytes = serializeTflite(model([
    { name: 'x', type: 'FLOAT32', shape: [0, 2] }, { name: 'y', type: 'FLOAT32', shape: [0, 2] },
  ], [{ opcode: 'NEG', inputs: [0], outputs: [1] }], [0], [1]));
  const s = await openTflite(bytes);
  await assert.rejects(s.run([{ name: 'x', dtype: 'float32', dims: [0, 2], data: new Float32Array(0) }]),
    (e: Error) => e instanceof ModelError && /LiteRT cannot take input 'x' of shape \[0, 2\]/.test(e.message));
  s.close();
});
