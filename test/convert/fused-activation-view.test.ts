// A Relu after a 1-D Conv (run as CONV_2D on [N, 1, L, C], then RESHAPE back to [N, L, C]: Silero VAD's encoder)
// goes into the CONV_2D through the RESHAPE (src/convert/fuse.ts fuseBeforeView): standalone, an int8 RELU is not
// delegated to XNNPack (TFLite's own kernel, and the delegate's partition split around it). It stays an op when the
// value before it is an ONNX value (compare and calibration read that tensor as the value before the activation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/ir/types';
import { convertModel } from '../../src/convert/convert';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { toNumbers } from '../../src/ir/tensor';
import { quantizeModelBytes } from '../../src/quantize/file';
import type { TflModel } from '../../src/tflite/model';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
const C = 8;
const L = 32;

/** Two 1-D Convs, each followed by a Relu (the second with stride 2, as Silero's encoder). */
function conv1dRelu() {
  return buildModel({
    inputs: [['x', 'float32', [1, C, L]]], outputs: ['y'], opset: 13,
    nodes: [node('Conv', ['x', 'w1', 'b1'], ['c1'], { pads: [1, 1], kernel_shape: [3] }), node('Relu', ['c1'], ['r1']),
      node('Conv', ['r1', 'w2', 'b2'], ['c2'], { strides: [2], kernel_shape: [1] }), node('Relu', ['c2'], ['y'])],
    initializers: [tensor('w1', 'float32', [C, C, 3], seq(C * C * 3, (i) => Math.sin(i * 0.37) * 0.4)),
      tensor('b1', 'float32', [C], seq(C, (i) => (i % 3) / 4 - 0.25)),
      tensor('w2', 'float32', [C, C, 1], seq(C * C, (i) => Math.cos(i * 0.71) * 0.5)), tensor('b2', 'float32', [C], seq(C, (i) => 0.1 - i / 40))],
  });
}

/** A 2-D Conv whose output the model itself reshapes before the Relu: the Conv's output is an ONNX value. */
function convReshapeRelu() {
  return buildModel({
    inputs: [['x', 'float32', [1, 4, 6, 6]]], outputs: ['y'], opset: 13,
    nodes: [node('Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }), node('Reshape', ['c', 'shape'], ['r']),
      node('Relu', ['r'], ['y'])],
    initializers: [tensor('w', 'float32', [4, 4, 3, 3], seq(144, (i) => Math.sin(i * 0.37))), tensor('b', 'float32', [4], [0.1, -0.2, 0.3, -0.4]),
      tensor('shape', 'int64', [3], [1, 4, 36])],
  });
}

const reluOps = (m: TflModel) => m.subgraphs[0].operators.filter((op) => op.opcode === 'RELU').length;
const fusedRelus = (m: TflModel) => m.subgraphs[0].operators.filter((op) => op.options?.fusedActivationFunction === 'RELU').length;
const input = (dims: number[], seed: number): Tensor => tensor('x', 'float32', dims, seq(dims.reduce((a, b) => a * b, 1), (i) => (Math.sin(i * 0.13 + seed) + 1) / 2));

async function maxDiff(model: ReturnType<typeof buildModel>, tflite: TflModel, x: Tensor): Promise<{ diff: number; scale: number }> {
  const want = toNumbers((await runOnnx(encodeModel(model), [x])).get('y')!);
  const lite = await openConverted(serializeTflite(tflite));
  try {
    const got = toNumbers((await lite.run([x])).get('y')!);
    return { diff: Math.max(...want.map((v, i) => Math.abs(got[i] - v))), scale: Math.max(...want.map(Math.abs)) };
  } finally {
    lite.close();
  }
}

test('1-D Conv + Relu: the RELU goes into the CONV_2D through its RESHAPE, float32 matches onnxruntime', async () => {
  const model = conv1dRelu();
  const r = convertModel(model);
  assert.equal(reluOps(r.model), 0, 'no standalone RELU left');
  assert.equal(fusedRelus(r.model), 2);
  const { diff, scale } = await maxDiff(model, r.model, input([1, C, L], 0));
  assert.ok(diff <= 1e-5 * Math.max(1, scale), `max diff ${diff}`);
});

test('1-D Conv + Relu in int8: no int8 RELU op, output within int8 steps of onnxruntime', async () => {
  const model = conv1dRelu();
  const { result } = await quantizeModelBytes(encodeModel(model), 'conv1d.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
  assert.equal(reluOps(result.model), 0);
  const { diff, scale } = await maxDiff(model, result.model, input([1, C, L], 1));
  // 0.0070 of 0.544 (about 3 steps of the output's scale)
  assert.ok(diff <= 0.02 * scale, `max diff ${diff} of ${scale}`);
});

test('a Relu after the model\'s own Reshape of a Conv output (an ONNX value) stays an op', async () => {
  const model = convReshapeRelu();
  const r = convertModel(model);
  assert.equal(reluOps(r.model), 1);
  const { diff, scale } = await maxDiff(model, r.model, input([1, 4, 6, 6], 2));
  assert.ok(diff <= 1e-5 * Math.max(1, scale), `max diff ${diff}`);
});
