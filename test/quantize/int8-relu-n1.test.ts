// int8: a Clip(-1, 1) the converter writes as its own RELU_N1_TO_1 (nothing before it to fuse into: here a Reshape;
// BigVGAN v2's final clamp) runs in int8 at the op version LiteRT registers for it. The int8 table declared version 2,
// which LiteRT.js does not register: the self-check refused the model ("Didn't find op for builtin opcode
// 'RELU_N1_TO_1' version '2'"). Version 1's kernel takes int8.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { runOnnx } from '../../src/runtime/ort';
import { serializeTflite } from '../../src/tflite/writer';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { cosine, rng } from './helpers';
import { INT8_OPS } from '../../src/quantize/int8-ops';

function clampModel(): Uint8Array {
  const r = rng(5);
  return encodeModel(buildModel({
    opset: 13,
    inputs: [['x', 'float32', [1, 32]]], outputs: [['y', 'float32', [1, 16]]],
    initializers: [tensor('w0', 'float32', [32, 64], Array.from({ length: 2048 }, () => (r() - 0.5) * 1.5)),
      tensor('s0', 'int64', [3], [1, 8, 8]), tensor('s1', 'int64', [2], [1, 64]),
      tensor('lo', 'float32', [], [-1]), tensor('hi', 'float32', [], [1]),
      tensor('w1', 'float32', [64, 16], Array.from({ length: 1024 }, () => r() - 0.5))],
    nodes: [node('MatMul', ['x', 'w0'], ['m']), node('Reshape', ['m', 's0'], ['v']), node('Clip', ['v', 'lo', 'hi'], ['c']),
      node('Reshape', ['c', 's1'], ['f']), node('MatMul', ['f', 'w1'], ['y'])],
  }));
}

test('int8: a lone RELU_N1_TO_1 runs in int8 at a version LiteRT loads, close to onnxruntime', async () => {
  const bytes = clampModel();
  const { result } = await quantizeModelBytes(bytes, 'clamp.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
  const sg = result.model.subgraphs[0];
  // The clamp into its [-1, 1] output is an int8 → int8 QUANTIZE (int8-relu.ts requantizeRelus: XNNPack runs that, not
  // TFLite's RELU_N1_TO_1); the model as it was, with the int8 RELU_N1_TO_1 at the version the int8 table declares, loads too.
  const k = sg.operators.findIndex((o) => o.opcode === 'QUANTIZE' && sg.tensors[o.inputs[0]].type === 'INT8' && sg.operators[sg.operators.indexOf(o) - 1]?.opcode === 'RESHAPE');
  assert.ok(k >= 0, sg.operators.map((o) => o.opcode).join(' '));
  assert.equal(sg.tensors[sg.operators[k].outputs[0]].type, 'INT8', 'the clamp runs in int8');
  const clamp = structuredClone(result.model);
  Object.assign(clamp.subgraphs[0].operators[k], { opcode: 'RELU_N1_TO_1', version: INT8_OPS.RELU_N1_TO_1.version });
  (await openConverted(serializeTflite(clamp))).close();
  const s = await openConverted(serializeTflite(result.model));
  const r = rng(8);
  for (let k = 0; k < 3; k++) {
    const x = { name: 'x', dtype: 'float32' as const, dims: [1, 32], data: Float32Array.from({ length: 32 }, r) };
    const ref = (await runOnnx(bytes, [x])).get('y')!.data as Float32Array;
    const got = [...(await s.run([x])).values()][0].data as Float32Array;
    assert.ok(cosine(ref, got) > 0.99, `cosine ${cosine(ref, got)}`);
  }
});
