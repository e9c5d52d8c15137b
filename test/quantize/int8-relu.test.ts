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
import { foldReluIntoQuantize } from '../../src/quantize/int8-relu';
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
