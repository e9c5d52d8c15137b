// The int8 path on a small hand-made full-integer model (int8 input, int8 conv, int8 output): the debug copy feeds
// the int8 input through a QUANTIZE from float32 and reads int8 tensors through a DEQUANTIZE, so LiteRT.js (float32,
// int32 and uint8 only) can run it; values are compared dequantized; the stage split converts the ONNX model to
// float32 in memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import type { OnnxLiteMetadata } from '../../src/convert/metadata';
import type { TflModel } from '../../src/tflite/model';
import { serializeTflite } from '../../src/tflite/writer';
import { compareModels } from '../../src/compare/compare';
import { tmp } from './helpers';

const C_IN = 2, C_OUT = 3, H = 4, W = 4;
const weights = [0.5, -0.25, 0.75, 0.1, -0.6, 0.3];
const bias = [0.1, -0.2, 0.05];

function onnxModel(): string {
  const m = buildModel({
    nodes: [node('Conv', ['x', 'w', 'b'], ['y'], { kernel_shape: [1, 1] }, 'conv')],
    inputs: [['x', 'float32', [1, C_IN, H, W]]],
    outputs: ['y'],
    initializers: [tensor('w', 'float32', [C_OUT, C_IN, 1, 1], weights), tensor('b', 'float32', [C_OUT], bias)],
  });
  const file = path.join(tmp, 'tiny-conv.onnx');
  fs.writeFileSync(file, encodeModel(m));
  return file;
}

function int8Model(corrupt: boolean): TflModel {
  const inScale = 1 / 255, inZp = -128;
  const wScales = [0, 1, 2].map((o) => Math.max(Math.abs(weights[o * 2]!), Math.abs(weights[o * 2 + 1]!)) / 127);
  const wq = Int8Array.from(weights, (v, i) => (corrupt ? -1 : 1) * Math.round(v / wScales[Math.floor(i / 2)]!));
  const bq = Int32Array.from(bias, (v, o) => Math.round(v / (inScale * wScales[o]!)));
  const outScale = 2 / 255, outZp = 0;
  const bytes = (a: Int8Array | Int32Array) => new Uint8Array(a.buffer.slice(0));
  const meta: OnnxLiteMetadata = {
    version: 1, source: 'tiny-conv.onnx',
    inputs: [{ onnx: 'x', tflite: 0, perm: [0, 2, 3, 1] }],
    outputs: [{ onnx: 'y', tflite: 3, perm: [0, 2, 3, 1], node: 'conv' }],
    tensors: [{ onnx: 'x', tflite: 0, perm: [0, 2, 3, 1] }, { onnx: 'y', tflite: 3, perm: [0, 2, 3, 1], node: 'conv' }],
  };
  return {
    version: 3, description: 'hand-made int8',
    subgraphs: [{
      name: 'main',
      tensors: [
        { name: 'x', type: 'INT8', shape: [1, H, W, C_IN], quantization: { scale: [inScale], zeroPoint: [inZp] } },
        { name: 'w', type: 'INT8', shape: [C_OUT, 1, 1, C_IN], data: bytes(wq), quantization: { scale: wScales, zeroPoint: [0, 0, 0], quantizedDimension: 0 } },
        { name: 'b', type: 'INT32', shape: [C_OUT], data: bytes(bq), quantization: { scale: wScales.map((s) => s * inScale), zeroPoint: [0, 0, 0] } },
        { name: 'y', type: 'INT8', shape: [1, H, W, C_OUT], quantization: { scale: [outScale], zeroPoint: [outZp] } },
      ],
      operators: [{ opcode: 'CONV_2D', version: 3, inputs: [0, 1, 2], outputs: [3], options: { padding: 'VALID', strideW: 1, strideH: 1, dilationWFactor: 1, dilationHFactor: 1, fusedActivationFunction: 'NONE' } }],
      inputs: [0],
      outputs: [3],
    }],
    metadata: new Map([['onnx2lite', new TextEncoder().encode(JSON.stringify(meta))]]),
  };
}

test('hand-made int8 conv: int8 input and output tapped through QUANTIZE/DEQUANTIZE, stage split shown', async () => {
  const onnx = onnxModel();
  const file = path.join(tmp, 'tiny-int8.tflite');
  fs.writeFileSync(file, serializeTflite(int8Model(false)));
  const r = await compareModels(onnx, file, {});
  assert.equal(r.quantized, true);
  assert.equal(r.layers.length, 1);
  const y = r.layers[0]!;
  assert.equal(y.node, 'conv');
  assert.ok(y.snrDb > 25 && y.cosine > 0.99, `int8 conv: ${JSON.stringify(y)}`);
  assert.ok(y.maxAbs < 0.03, `within about one output step: ${y.maxAbs}`);
  assert.equal(r.firstDivergence, null);
  assert.ok(r.stages, 'stage split');
  const [conv, quant] = r.stages!;
  assert.equal(conv!.name, 'conversion');
  assert.ok(conv!.outputs[0]!.rel < 1e-5, 'float32 conversion is exact here');
  assert.equal(quant!.name, 'quantization');
  assert.ok(Math.abs(quant!.outputs[0]!.snrDb - r.outputs[0]!.snrDb) < 3, 'the int8 error is all quantization');
});

test('hand-made int8 conv with negated weights: the conv is the first divergence', async () => {
  const file = path.join(tmp, 'tiny-int8-bad.tflite');
  fs.writeFileSync(file, serializeTflite(int8Model(true)));
  const r = await compareModels(onnxModel(), file, {});
  assert.deepEqual(r.firstDivergence && { node: r.firstDivergence.node, tensor: r.firstDivergence.tensor }, { node: 'conv', tensor: 'y' });
  assert.ok(r.stages![1]!.firstDivergence, 'flagged in the quantization stage');
  assert.equal(r.stages![0]!.firstDivergence, null, 'not in the conversion stage');
});
