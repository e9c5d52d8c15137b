// int8: a RELU right after a QUANTIZE (a float32 op's output entering int8: a TRANSPOSE_CONV, which stays float32,
// then a Relu) is the QUANTIZE alone into the RELU's [0, max] output
// (src/quantize/int8-relu.ts): LiteRT runs an int8 RELU undelegated (14.1 ms for det's, against 1.0 ms float32).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { foldReluIntoQuantize, requantizeRelus } from '../../src/quantize/int8-relu';
import { serializeTflite } from '../../src/tflite/writer';
import { rng } from './helpers';

function headModel(): Uint8Array {
  const r = rng(21);
  const w = (n: number, s = 1) => Array.from({ length: n }, () => (r() - 0.5) * s);
  return encodeModel(buildModel({
    opset: 11,
    inputs: [['x', 'float32', [1, 8, 10, 10]]], outputs: [['y', 'float32', [1, 4, 20, 20]]],
    initializers: [tensor('w0', 'float32', [8, 8, 3, 3], w(576)), tensor('wt', 'float32', [8, 6, 2, 2], w(192)),
      tensor('w1', 'float32', [4, 6, 1, 1], w(24))],
    nodes: [node('Conv', ['x', 'w0'], ['c'], { pads: [1, 1, 1, 1] }), node('ConvTranspose', ['c', 'wt'], ['ct'], { kernel_shape: [2, 2], strides: [2, 2] }),
      node('Relu', ['ct'], ['r']), node('Conv', ['r', 'w1'], ['y'])],
  }));
}

test('int8: the RELU after a float TRANSPOSE_CONV is its QUANTIZE into a [0, max] tensor; the output stays close to onnxruntime', async () => {
  const bytes = headModel();
  const { result } = await quantizeModelBytes(bytes, 'm.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
  const sg = result.model.subgraphs[0];
  const ops = sg.operators.map((o) => o.opcode);
  assert.ok(ops.includes('TRANSPOSE_CONV'), ops.join(' '));
  assert.ok(!ops.includes('RELU'), ops.join(' '));
  const q = sg.operators.find((o) => o.opcode === 'QUANTIZE' && sg.operators.some((c) => c.opcode === 'CONV_2D' && c.inputs[0] === o.outputs[0]))!;
  assert.equal(sg.tensors[q.outputs[0]].quantization?.zeroPoint[0], -128, 'the QUANTIZE writes the RELU\'s [0, max] tensor');
  assert.equal(foldReluIntoQuantize(sg), 0, 'nothing left to fold');
  const x = { name: 'x', dtype: 'float32' as const, dims: [1, 8, 10, 10], data: Float32Array.from({ length: 800 }, rng(4)) };
  const ref = (await runOnnx(bytes, [x])).get('y')!.data as Float32Array;
  const s = await openConverted(serializeTflite(result.model));
  try {
    const got = (await s.run([x])).get('y')!.data as Float32Array;
    let dot = 0, a = 0, b = 0;
    ref.forEach((v, i) => { dot += v * got[i]; a += v * v; b += got[i] * got[i]; });
    assert.ok(dot / Math.sqrt(a * b) > 0.99, `cosine ${dot / Math.sqrt(a * b)}`);
  } finally {
    s.close();
  }
});

/** A Relu whose input another op reads too (a pre-activation residual): it cannot be fused into the Conv. */
function sharedInputModel(): Uint8Array {
  const r = rng(5);
  const w = (n: number) => Array.from({ length: n }, () => r() - 0.5);
  return encodeModel(buildModel({
    opset: 13,
    inputs: [['x', 'float32', [1, 8, 12, 12]]], outputs: [['y', 'float32', [1, 8, 12, 12]]],
    initializers: [tensor('w0', 'float32', [8, 8, 3, 3], w(576)), tensor('w1', 'float32', [8, 8, 1, 1], w(64))],
    nodes: [node('Conv', ['x', 'w0'], ['c'], { pads: [1, 1, 1, 1] }), node('Relu', ['c'], ['r']), node('Conv', ['r', 'w1'], ['d']),
      node('Add', ['d', 'c'], ['y'])],
  }));
}

test('int8: a RELU that cannot be fused is an int8 → int8 QUANTIZE into its [0, max] output, the same function within a step', async () => {
  const bytes = sharedInputModel();
  const { result } = await quantizeModelBytes(bytes, 'm.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
  const sg = result.model.subgraphs[0];
  assert.ok(!sg.operators.some((o) => o.opcode === 'RELU'), sg.operators.map((o) => o.opcode).join(' '));
  const k = sg.operators.findIndex((o) => o.opcode === 'QUANTIZE' && sg.tensors[o.inputs[0]].type === 'INT8');
  assert.ok(k >= 0, 'an int8 → int8 QUANTIZE');
  assert.equal(sg.tensors[sg.operators[k].outputs[0]].quantization?.zeroPoint[0], -128);
  assert.equal(requantizeRelus(sg), 0, 'nothing left');
  const x = { name: 'x', dtype: 'float32' as const, dims: [1, 8, 12, 12], data: Float32Array.from({ length: 1152 }, rng(6)) };
  const ref = (await runOnnx(bytes, [x])).get('y')!.data as Float32Array;
  // The same model with that op as TFLite's int8 RELU again.
  const relu = structuredClone(result.model);
  Object.assign(relu.subgraphs[0].operators[k], { opcode: 'RELU', version: 2 });
  const outs: Float32Array[] = [];
  for (const m of [result.model, relu]) {
    const s = await openConverted(serializeTflite(m));
    try {
      outs.push((await s.run([x])).get('y')!.data as Float32Array);
    } finally {
      s.close();
    }
  }
  const [got, viaRelu] = outs;
  const step = sg.tensors[sg.outputs[0]].quantization?.scale[0] ?? Infinity;
  const worst = Math.max(...got.map((v, i) => Math.abs(v - viaRelu[i])));
  assert.ok(worst <= 2.01 * step, `QUANTIZE vs RELU: ${worst} (output step ${step})`);
  let dot = 0, a = 0, b = 0;
  ref.forEach((v, i) => { dot += v * got[i]; a += v * v; b += got[i] * got[i]; });
  assert.ok(dot / Math.sqrt(a * b) > 0.99, `cosine ${dot / Math.sqrt(a * b)}`);
});

/** Conv → Clip(lo, hi) whose input the residual Add reads too (so it cannot be fused into the Conv) → Conv → Add. */
function sharedClipModel(lo: number, hi: number): Uint8Array {
  const r = rng(8);
  const w = (n: number) => Array.from({ length: n }, () => r() - 0.5);
  return encodeModel(buildModel({
    opset: 13,
    inputs: [['x', 'float32', [1, 8, 12, 12]]], outputs: [['y', 'float32', [1, 8, 12, 12]]],
    initializers: [tensor('w0', 'float32', [8, 8, 3, 3], w(576).map((v) => v * 4)), tensor('w1', 'float32', [8, 8, 1, 1], w(64)),
      tensor('lo', 'float32', [], [lo]), tensor('hi', 'float32', [], [hi])],
    nodes: [node('Conv', ['x', 'w0'], ['c'], { pads: [1, 1, 1, 1] }), node('Clip', ['c', 'lo', 'hi'], ['r']), node('Conv', ['r', 'w1'], ['d']),
      node('Add', ['d', 'c'], ['y'])],
  }));
}

for (const [opcode, lo, hi] of [['RELU6', 0, 6], ['RELU_N1_TO_1', -1, 1]] as const) {
  test(`int8: a ${opcode} that cannot be fused is an int8 → int8 QUANTIZE into its output within the clip, the same function within a step`, async () => {
    const bytes = sharedClipModel(lo, hi);
    const { result } = await quantizeModelBytes(bytes, 'm.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
    const sg = result.model.subgraphs[0];
    assert.ok(!sg.operators.some((o) => o.opcode === opcode), sg.operators.map((o) => o.opcode).join(' '));
    const k = sg.operators.findIndex((o) => o.opcode === 'QUANTIZE' && sg.tensors[o.inputs[0]].type === 'INT8');
    assert.ok(k >= 0, 'an int8 → int8 QUANTIZE');
    assert.equal(requantizeRelus(sg), 0, 'nothing left');
    const x = { name: 'x', dtype: 'float32' as const, dims: [1, 8, 12, 12], data: Float32Array.from({ length: 1152 }, rng(9)) };
    const ref = (await runOnnx(bytes, [x])).get('y')!.data as Float32Array;
    const clipped = structuredClone(result.model);
    Object.assign(clipped.subgraphs[0].operators[k], { opcode, version: opcode === 'RELU6' ? 2 : 1 });
    const outs: Float32Array[] = [];
    for (const m of [result.model, clipped]) {
      const s = await openConverted(serializeTflite(m));
      try {
        outs.push((await s.run([x])).get('y')!.data as Float32Array);
      } finally {
        s.close();
      }
    }
    const [got, viaClip] = outs;
    const step = sg.tensors[sg.outputs[0]].quantization?.scale[0] ?? Infinity;
    const worst = Math.max(...got.map((v, i) => Math.abs(v - viaClip[i])));
    assert.ok(worst <= 2.01 * step, `QUANTIZE vs ${opcode}: ${worst} (output step ${step})`);
    let dot = 0, a = 0, b = 0;
    ref.forEach((v, i) => { dot += v * got[i]; a += v * v; b += got[i] * got[i]; });
    assert.ok(dot / Math.sqrt(a * b) > 0.99, `cosine ${dot / Math.sqrt(a * b)}`);
  });
}

test('int8: a RELU6 / RELU_N1_TO_1 whose output range reaches past its clip stays (QUANTIZE would not clip there)', () => {
  const x = { name: 'x', type: 'INT8' as const, shape: [1, 4], quantization: { scale: [0.1], zeroPoint: [0] } };
  const y = (scale: number, zeroPoint: number) => ({ name: 'y', type: 'INT8' as const, shape: [1, 4], quantization: { scale: [scale], zeroPoint: [zeroPoint] } });
  const sg = (opcode: string, out: ReturnType<typeof y>) => ({ name: 'm', inputs: [0], outputs: [1], tensors: [x, out], operators: [{ opcode, inputs: [0], outputs: [1] }] });
  assert.equal(requantizeRelus(sg('RELU6', y(6 / 255, -128))), 1, '[0, 6]');
  assert.equal(requantizeRelus(sg('RELU6', y(4 / 255, -128))), 1, '[0, 4]: the calibrated top under 6');
  assert.equal(requantizeRelus(sg('RELU6', y(8 / 255, -128))), 0, '[0, 8] reaches past 6');
  assert.equal(requantizeRelus(sg('RELU6', y(6 / 255, -100))), 0, 'codes below 0');
  assert.equal(requantizeRelus(sg('RELU_N1_TO_1', y(2 / 255, 0))), 1, '[-1, 1]');
  assert.equal(requantizeRelus(sg('RELU_N1_TO_1', y(3 / 255, 0))), 0, '[-1.5, 1.5]');
});
