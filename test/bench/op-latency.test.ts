// bench/op-latency.ts cuts each op into a model of its own. An op reading float16 weights (fp16 files, and the float32
// ops of int8 files whose weights the int8 pass stores float16) must be cut with the one-element SLICE that has
// XNNPack unpack the weights once (src/quantize/fp16-filters.ts): without it the delegate converts and packs the
// filter again at every run, and FastestDet's float32 stem conv read 6.8x its time in the model. No time is asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { quantizeFp16 } from '../../src/quantize/weights';
import { FP16_PIN_SUFFIX } from '../../src/quantize/fp16-filters';
import { allInt8Bound, cutOp, type OpTime } from '../../bench/op-latency';

test('op-latency: a convolution with float16 weights is cut with its DEQUANTIZE and their one-element SLICE; the conv output stays the output', () => {
  const w = Array.from({ length: 64 * 32 * 9 }, (_, i) => Math.sin(i) * 0.1);
  const model = encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 32, 8, 8]]], outputs: [['y', 'float32', [1, 64, 8, 8]]],
    initializers: [tensor('w', 'float32', [64, 32, 3, 3], w)],
    nodes: [node('Conv', ['x', 'w'], ['y'], { pads: [1, 1, 1, 1] })],
  }));
  const fp16 = quantizeFp16(convertModel(decodeModel(model))).model;
  const sg = fp16.subgraphs[0];
  const k = sg.operators.findIndex((o) => o.opcode === 'CONV_2D');
  const cut = cutOp(fp16, k).subgraphs[0];
  assert.deepEqual(cut.operators.map((o) => o.opcode), ['DEQUANTIZE', 'SLICE', 'CONV_2D']);
  const slice = cut.operators[1];
  assert.ok(cut.tensors[slice.outputs[0]].name.endsWith(FP16_PIN_SUFFIX));
  assert.equal(slice.inputs[0], cut.operators[0].outputs[0]);
  assert.deepEqual(cut.outputs, cut.operators[2].outputs, 'the conv output, not the pin, is what the cut model gives');
  assert.equal(cut.inputs.length, 1);
});

test('op-latency: the all-int8 bound prices each float32 opcode at its int8 ops\' ratio, PAD apart', () => {
  const row = (k: number, opcode: string, precision: string, out: string, ms: number): OpTime =>
    ({ k, opcode, precision, out, shape: [1], ms, kind: opcode, macs: 0, elems: 0, pixels: 0 });
  const float = [row(0, 'PAD', 'FLOAT32', 'p', 1), row(1, 'CONV_2D', 'FLOAT32', 'a', 4), row(2, 'CONV_2D', 'FLOAT32', 'b', 4), row(3, 'SOFTMAX', 'FLOAT32', 's', 1)];
  // The int8 file: conv a int8 at half its float32 time, conv b kept float32, PAD and SOFTMAX float32.
  const int8 = [row(0, 'PAD', 'FLOAT32', 'p', 1), row(1, 'CONV_2D', 'FLOAT32', 'a', 4), row(2, 'CONV_2D', 'INT8', 'b_int8', 2), row(3, 'SOFTMAX', 'FLOAT32', 's', 1)];
  const by = new Map(float.map((r) => [r.out, r]));
  const b = allInt8Bound(float, int8, (r) => by.get(r.out) ?? by.get(r.out.replace(/_int8$/, '')));
  assert.deepEqual(b, { ms: 1 + 2 + 2 + 1, floatMs: 10, noPadMs: 5, noPadFloatMs: 9 });
});
