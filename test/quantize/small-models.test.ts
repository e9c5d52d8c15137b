// Full-integer quantization on small models built here: a QDQ model against onnxruntime-node, --int8-io checked
// through a uint8 wrapper (LiteRT.js refuses int8 model inputs and outputs), calibration folders of every kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel, encodeTensor } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import { runTflite } from '../../src/runtime/litert';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import type { TflModel } from '../../src/tflite/model';
import { quantizeModelBytes } from '../../src/quantize/file';
import type { Tensor } from '../../src/ir/types';
import { cosine, innerFloatActivations, rng, runFirstOutput, smallCnn } from './helpers';

const input = (seed = 11): Tensor => ({ name: 'x', dtype: 'float32', dims: [1, 3, 16, 16], data: Float32Array.from({ length: 768 }, rng(seed)) });

test('a QDQ model converts to int8 with its own scales and matches onnxruntime within one quantization step', async () => {
  const r = rng(3);
  const C = 4;
  const sw = Array.from({ length: C }, () => 0.002 + r() * 0.004);
  const sx = 1 / 255;
  const step = 0.02;
  const bytes = encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 3, 8, 8]]], outputs: [['out', 'float32', [1, C, 4, 4]]],
    initializers: [
      tensor('sx', 'float32', [], [sx]), tensor('zx', 'uint8', [], [0]),
      // Symmetric per-channel weights as ONNX Runtime's quantizer writes them: each channel reaches ±127.
      tensor('wq', 'int8', [C, 3, 3, 3], Array.from({ length: C * 27 }, (_, i) => (i % 27 === 0 ? (i % 2 ? 127 : -127) : Math.round(r() * 254 - 127)))),
      tensor('sw', 'float32', [C], sw), tensor('zw', 'int8', [C], sw.map(() => 0)),
      tensor('bq', 'int32', [C], sw.map(() => Math.round((r() - 0.5) * 2000))),
      tensor('sb', 'float32', [C], sw.map((s) => s * sx)), tensor('zb', 'int32', [C], sw.map(() => 0)),
      tensor('sy', 'float32', [], [step]), tensor('zy', 'uint8', [], [128]), tensor('zr', 'uint8', [], [0]),
    ],
    nodes: [
      node('QuantizeLinear', ['x', 'sx', 'zx'], ['xq']), node('DequantizeLinear', ['xq', 'sx', 'zx'], ['xd']),
      node('DequantizeLinear', ['wq', 'sw', 'zw'], ['w'], { axis: 0 }), node('DequantizeLinear', ['bq', 'sb', 'zb'], ['b'], { axis: 0 }),
      node('Conv', ['xd', 'w', 'b'], ['y'], { pads: [1, 1, 1, 1] }),
      node('QuantizeLinear', ['y', 'sy', 'zy'], ['yq']), node('DequantizeLinear', ['yq', 'sy', 'zy'], ['yd']),
      node('Relu', ['yd'], ['rl']),
      node('QuantizeLinear', ['rl', 'sy', 'zr'], ['rq']), node('DequantizeLinear', ['rq', 'sy', 'zr'], ['rd']),
      node('MaxPool', ['rd'], ['p'], { kernel_shape: [2, 2], strides: [2, 2] }),
      node('QuantizeLinear', ['p', 'sy', 'zr'], ['pq']), node('DequantizeLinear', ['pq', 'sy', 'zr'], ['out']),
    ],
  }));
  const x: Tensor = { name: 'x', dtype: 'float32', dims: [1, 3, 8, 8], data: Float32Array.from({ length: 192 }, r) };
  const ref = (await runOnnx(bytes, [x])).get('out')!.data as Float32Array;
  const { result, summary } = await quantizeModelBytes(bytes, 'qdq.onnx', {}, { mode: 'int8' });
  assert.equal(summary.calibrationSource, 'qdq');
  assert.deepEqual(result.warnings, []);
  assert.deepEqual(innerFloatActivations(result.model), []);
  const conv = result.model.subgraphs[0].operators.find((o) => o.opcode === 'CONV_2D')!;
  const sg = result.model.subgraphs[0];
  assert.equal(sg.tensors[conv.inputs[1]].type, 'INT8');
  assert.deepEqual(sg.tensors[conv.inputs[1]].quantization!.scale.map((s) => Math.fround(s)), sw.map((s) => Math.fround(s)));
  assert.ok(Math.abs(sg.tensors[conv.outputs[0]].quantization!.scale[0] - step) < 1e-9, 'the QDQ scale is kept');
  const s = await openConverted(serializeTflite(result.model));
  try {
    const got = [...(await s.run([x])).values()][0].data as Float32Array;
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]));
    assert.ok(worst <= step * 1.0001, `max|diff| ${worst} > one step ${step}`);
  } finally {
    s.close();
  }
});

/** A copy whose int8 inputs and outputs go through uint8 tensors (QUANTIZE requantizes, zero point + 128). */
function uint8Wrapper(model: TflModel): TflModel {
  const sg = model.subgraphs[0];
  const tensors = sg.tensors.slice();
  const ops = sg.operators.slice();
  const wrap = (i: number) => {
    const t = tensors[i];
    const q = t.quantization!;
    tensors.push({ name: `${t.name}_u8`, type: 'UINT8', shape: [...t.shape], quantization: { ...q, zeroPoint: [q.zeroPoint[0] + 128] } });
    return tensors.length - 1;
  };
  const inputs = sg.inputs.map((i) => { const u = wrap(i); ops.unshift({ opcode: 'QUANTIZE', version: 2, inputs: [u], outputs: [i] }); return u; });
  const outputs = sg.outputs.map((o) => { const u = wrap(o); ops.push({ opcode: 'QUANTIZE', version: 2, inputs: [o], outputs: [u] }); return u; });
  return { ...model, signatures: undefined, subgraphs: [{ ...sg, tensors, operators: ops, inputs, outputs }] };
}

test('--int8-io: int8 model inputs and outputs, the same integer results as the float-I/O model', async () => {
  const bytes = smallCnn();
  const io = (await quantizeModelBytes(bytes, 'small.onnx', {}, { mode: 'int8', int8Io: true })).result.model;
  // --int8-io keeps the classifier head int8 (its scores leave as int8); the float-I/O model with it int8 too
  // (--int16 off: int8-classifier-head.ts would run it 16x8) is the same integer graph.
  const fl = (await quantizeModelBytes(bytes, 'small.onnx', {}, { mode: 'int8', int16: 'off' })).result.model;
  const sg = io.subgraphs[0];
  assert.deepEqual(sg.inputs.map((i) => sg.tensors[i].type), ['INT8']);
  assert.deepEqual(sg.outputs.map((i) => sg.tensors[i].type), ['INT8']);
  assert.ok(!sg.operators.some((o) => o.opcode === 'QUANTIZE' || o.opcode === 'DEQUANTIZE'));
  assert.deepEqual(innerFloatActivations(io), []);
  // The float-I/O model on an input that QUANTIZE maps exactly onto integers, and the int8-I/O one fed those integers.
  const qin = sg.tensors[sg.inputs[0]].quantization!;
  const qout = sg.tensors[sg.outputs[0]].quantization!;
  const x = input();
  const nhwc = new Float32Array(768);
  const u8 = new Uint8Array(768);
  for (let c = 0; c < 3; c++) for (let p = 0; p < 256; p++) {
    const q = Math.max(-128, Math.min(127, Math.round((x.data as Float32Array)[c * 256 + p] / qin.scale[0]) + qin.zeroPoint[0]));
    nhwc[p * 3 + c] = (q - qin.zeroPoint[0]) * qin.scale[0];
    u8[p * 3 + c] = q + 128;
  }
  const [fOut] = await runTflite(serializeTflite(fl), [{ name: 'x', dtype: 'float32', dims: [1, 16, 16, 3], data: nhwc }]);
  const [uOut] = await runTflite(serializeTflite(uint8Wrapper(io)), [{ name: 'x', dtype: 'uint8', dims: [1, 16, 16, 3], data: u8 }]);
  const fromInt = Array.from(uOut.data as Uint8Array, (v) => (v - 128 - qout.zeroPoint[0]) * qout.scale[0]);
  assert.deepEqual(fromInt.map((v) => Math.fround(v)), Array.from(fOut.data as Float32Array));
});

function npy(dims: number[], data: Float32Array | Int32Array, descr = '<f4'): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims.join(', ')}${dims.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((header.length + 10) % 64)) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, ...Buffer.from('NUMPY'), 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(new Uint8Array(data.buffer), 10 + header.length);
  return out;
}

test('calibration folders: .npy samples and batches, .pb files, images; bad files are named', async () => {
  const bytes = smallCnn();
  const q = (dir: string, extra = {}) => quantizeModelBytes(bytes, 'small.onnx', {}, { mode: 'int8', calibration: dir, ...extra });
  const dir = mkdtempSync(join(tmpdir(), 'calib-'));
  const r = rng(5);
  writeFileSync(join(dir, 'a.npy'), npy([1, 3, 16, 16], Float32Array.from({ length: 768 }, r)));
  writeFileSync(join(dir, 'b.npy'), npy([3, 3, 16, 16], Float32Array.from({ length: 3 * 768 }, r)));
  writeFileSync(join(dir, 'c.pb'), encodeTensor({ ...input(9), name: 'x' }));
  const ok = await q(dir);
  assert.equal(ok.summary.calibrationSamples, 5);
  assert.ok(!ok.result.warnings.some((w) => /representative/.test(w)));
  assert.equal((await q(dir, { count: 2 })).summary.calibrationSamples, 2);

  const img = mkdtempSync(join(tmpdir(), 'calib-img-'));
  const png = new PNG({ width: 40, height: 30 });
  for (let i = 0; i < png.data.length; i++) png.data[i] = Math.floor(r() * 256);
  writeFileSync(join(img, 'one.png'), PNG.sync.write(png));
  const im = await q(img, { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  assert.equal(im.summary.calibrationSamples, 1);

  const bad = async (files: Record<string, Uint8Array | string>, pattern: RegExp) => {
    const d = mkdtempSync(join(tmpdir(), 'calib-bad-'));
    for (const [n, c] of Object.entries(files)) writeFileSync(join(d, n), c);
    await assert.rejects(q(d), (e: Error) => e.name === 'ModelError' && pattern.test(e.message) && e.message.includes(d));
  };
  await bad({}, /has no \.npy, \.pb, \.png, \.jpg or \.wav files/);
  await bad({ 'wrong.npy': npy([1, 3, 8, 8], new Float32Array(192)) }, /wrong\.npy: shape \[1, 3, 8, 8\] does not match input "x" \[1, 3, 16, 16\]/);
  await bad({ 'ints.npy': npy([1, 3, 16, 16], new Int32Array(768), '<i4') }, /ints\.npy: element type int32 does not fit input "x"/);
  await bad({ 'broken.png': 'not a png' }, /broken\.png cannot be decoded/);
  await bad({ 'broken.jpg': 'not a jpeg' }, /broken\.jpg cannot be decoded/);
  await bad({ 'junk.npy': 'junk' }, /junk\.npy: not a \.npy file/);
});

test('an op without an int8 kernel stays float32 behind a DEQUANTIZE (a cheap op after it, before the float output, too), with a warning', async () => {
  const r = rng(13);
  const bytes = encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 3, 8, 8]]], outputs: [['y', 'float32', [1, 4, 8, 8]]],
    initializers: [tensor('w', 'float32', [4, 3, 1, 1], Array.from({ length: 12 }, () => r() - 0.5)), tensor('k', 'float32', [], [0.5])],
    nodes: [node('Conv', ['x', 'w'], ['c']), node('Exp', ['c'], ['e']), node('Mul', ['e', 'k'], ['y'])],
  }));
  const { result } = await quantizeModelBytes(bytes, 'exp.onnx', {}, { mode: 'int8', count: 8 });
  assert.ok(result.warnings.some((w) => /1 EXP op\(s\) stay float32 \(TFLite has no int8 kernel/.test(w)), result.warnings.join('\n'));
  const ops = result.model.subgraphs[0].operators.map((o) => o.opcode);
  const k = ops.indexOf('EXP');
  // The MUL after it, between the float32 EXP and the float32 output, is an island run float32 too
  // (int8-lone-islands.ts): no QUANTIZE / DEQUANTIZE pair for one cheap op.
  assert.deepEqual(ops.slice(k - 1, k + 2), ['DEQUANTIZE', 'EXP', 'MUL']);
  const sg = result.model.subgraphs[0];
  const mul = sg.operators[k + 1];
  assert.deepEqual([...mul.inputs, ...mul.outputs].map((t) => sg.tensors[t].type), ['FLOAT32', 'FLOAT32', 'FLOAT32']);
  const x: Tensor = { name: 'x', dtype: 'float32', dims: [1, 3, 8, 8], data: Float32Array.from({ length: 192 }, r) };
  const ref = (await runOnnx(bytes, [x])).get('y')!.data as Float32Array;
  const got = await runFirstOutput(result.model, [x]);
  assert.ok(cosine(got, ref) > 0.999, `cosine ${cosine(got, ref)}`);
});

test('--per-tensor: one weight scale per tensor, runs on LiteRT close to the float model', async () => {
  const bytes = smallCnn();
  const { result } = await quantizeModelBytes(bytes, 'small.onnx', {}, { mode: 'int8', perTensor: true, method: 'percentile' });
  const sg = result.model.subgraphs[0];
  for (const op of sg.operators.filter((o) => o.opcode === 'CONV_2D' || o.opcode === 'FULLY_CONNECTED')) {
    assert.equal(sg.tensors[op.inputs[1]].quantization!.scale.length, 1);
  }
  const x = input();
  const ref = (await runOnnx(bytes, [x])).get('y')!.data as Float32Array;
  const got = await runFirstOutput(result.model, [x]);
  assert.ok(cosine(got, ref) > 0.99, `cosine ${cosine(got, ref)}`);
});
