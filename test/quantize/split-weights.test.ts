// Weights the converter splits per group (a depthwise / grouped 3-D Conv or ConvTranspose is one CONV_3D per group:
// MedNeXt's filters are 27-125 values each) were each below the weight passes' size (MIN_FP16_ELEMENTS /
// MIN_DYNAMIC_ELEMENTS) and stayed float32: MedNeXt's fp16 file was 89% of float32. A split weight's parts now count
// together as the one ONNX weight they were (parts under MIN_SPLIT_PART elements stay float32: a DEQUANTIZE and a
// tensor cost more than they save).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { MIN_FP16_ELEMENTS, MIN_SPLIT_PART, quantizeDynamic, quantizeFp16 } from '../../src/quantize/weights';
import { serializeTflite } from '../../src/tflite/writer';
import { runOnnx } from '../../src/runtime/ort';
import { relMaxDiff, rng, runFirstOutput } from './helpers';

const C = 48;
/** Depthwise Conv3d 5³ over 48 channels (48 parts of 125 values: 6000 together), then depthwise 3³ (48 parts of 27),
 *  on 3³ frames: layers this small keep one CONV_3D a group (bigger ones are 2-D convs over the frames: _conv3d_frames.ts). */
function depthwise3d(): Uint8Array {
  const r = rng(11);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  return encodeModel(buildModel({
    opset: 13, inputs: [['x', 'float32', [1, C, 3, 3, 3]]], outputs: [['y', 'float32', [1, C, 3, 3, 3]]],
    initializers: [tensor('w5', 'float32', [C, 1, 5, 5, 5], w(C * 125, 0.2)), tensor('w3', 'float32', [C, 1, 3, 3, 3], w(C * 27, 0.5))],
    nodes: [
      node('Conv', ['x', 'w5'], ['c5'], { group: C, pads: [2, 2, 2, 2, 2, 2] }, 'dw5'),
      node('Conv', ['c5', 'w3'], ['y'], { group: C, pads: [1, 1, 1, 1, 1, 1] }, 'dw3'),
    ],
  }));
}

const input = (): Tensor => ({ name: 'x', dtype: 'float32', dims: [1, C, 3, 3, 3], data: Float32Array.from({ length: C * 27 }, rng(4)) });

/** Stored types of the constant filters read by the CONV_3D ops of each ONNX node. */
function filterTypes(m: ReturnType<typeof convertModel>['model'], node: string): string[] {
  const sg = m.subgraphs[0];
  const deq = new Map(sg.operators.filter((op) => op.opcode === 'DEQUANTIZE').map((op) => [op.outputs[0], sg.tensors[op.inputs[0]].type]));
  return sg.operators.filter((op) => op.opcode === 'CONV_3D' && op.onnxNode === node).map((op) => deq.get(op.inputs[1]) ?? sg.tensors[op.inputs[1]].type);
}

test('fp16: the per-group filters of a depthwise 3-D conv are float16 when the ONNX weight is big enough, and match onnxruntime', async () => {
  assert.ok(125 < MIN_FP16_ELEMENTS && 125 >= MIN_SPLIT_PART && 27 < MIN_SPLIT_PART && C * 125 >= MIN_FP16_ELEMENTS);
  const bytes = depthwise3d();
  const float = convertModel(decodeModel(bytes));
  const floatSize = serializeTflite(float.model).byteLength;
  assert.equal(float.opHistogram.CONV_3D, 2 * C, 'one CONV_3D per group');
  const half = quantizeFp16(convertModel(decodeModel(bytes)));
  const t5 = filterTypes(half.model, 'dw5');
  assert.deepEqual([...new Set(t5)], ['FLOAT16'], `5³ parts: ${t5.length}`);
  assert.deepEqual([...new Set(filterTypes(half.model, 'dw3'))], ['FLOAT32'], '27-value parts stay float32');
  const halfSize = serializeTflite(half.model).byteLength;
  assert.ok(halfSize < floatSize - C * 125 * 2 * 0.6, `fp16 ${halfSize} vs float32 ${floatSize}`);
  const ref = (await runOnnx(bytes, [input()])).get('y')!.data as Float32Array;
  const rel = relMaxDiff(await runFirstOutput(half.model, [input()]), ref);
  assert.ok(rel < 2e-3, `fp16 max rel ${rel}`);
});

test('dynamic: the same rule with MIN_DYNAMIC_ELEMENTS: 48 × 125 values are stored int8', async () => {
  const bytes = depthwise3d();
  const dyn = quantizeDynamic(convertModel(decodeModel(bytes)));
  assert.deepEqual([...new Set(filterTypes(dyn.model, 'dw5'))], ['INT8']);
  assert.deepEqual([...new Set(filterTypes(dyn.model, 'dw3'))], ['FLOAT32']);
  const ref = (await runOnnx(bytes, [input()])).get('y')!.data as Float32Array;
  const rel = relMaxDiff(await runFirstOutput(dyn.model, [input()]), ref);
  assert.ok(rel < 3e-2, `dynamic max rel ${rel}`);
});
