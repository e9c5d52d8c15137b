// fp16 models and LiteRT's XNNPack delegate (src/quantize/fp16-filters.ts): every float16 convolution and fully
// connected weight gets the one-element SLICE reader that has the delegate unpack it once, and the outputs are those
// of the same float16 weights without it. The speed itself (fp16 within 1.1x of
// float32 on LiteRT.js) is measured by `npm run bench` (bench/int8-tasks.bench.ts, bench/int8-audio.bench.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { quantizeFp16 } from '../../src/quantize/weights';
import { fp16Pins, pinFp16Filters } from '../../src/quantize/fp16-filters';
import { consumersOf } from '../../src/tflite/graph';
import { serializeTflite } from '../../src/tflite/writer';
import { parseTflite } from '../../src/tflite/reader';
import type { TflModel } from '../../src/tflite/model';
import { runOnnx } from '../../src/runtime/ort';
import { relMaxDiff, rng, runFirstOutput } from './helpers';

/** Conv 3x3 (16→128) + Relu, depthwise 3x3 (128), Conv 1x1 (128→48), GlobalAveragePool, Flatten, Gemm 48→64:
 *  every weight has 1024+ elements (fp16 converts it), the biases fewer. */
function convNet(): Uint8Array {
  const r = rng(21);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 16, 12, 12]]], outputs: [['y', 'float32', [1, 64]]],
    initializers: [
      tensor('w1', 'float32', [128, 16, 3, 3], w(18432, 0.3)), tensor('b1', 'float32', [128], w(128, 0.1)),
      tensor('w2', 'float32', [128, 1, 3, 3], w(1152, 0.6)),
      tensor('w3', 'float32', [48, 128, 1, 1], w(6144, 0.2)), tensor('b3', 'float32', [48], w(48, 0.1)),
      tensor('w4', 'float32', [64, 48], w(3072, 0.3)), tensor('b4', 'float32', [64], w(64, 0.1)),
    ],
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c1'], { pads: [1, 1, 1, 1] }), node('Relu', ['c1'], ['r1']),
      node('Conv', ['r1', 'w2'], ['d1'], { pads: [1, 1, 1, 1], group: 128 }),
      node('Conv', ['d1', 'w3', 'b3'], ['c3']), node('GlobalAveragePool', ['c3'], ['g']),
      node('Flatten', ['g'], ['f']), node('Gemm', ['f', 'w4', 'b4'], ['y'], { transB: 1 }),
    ],
  }));
}

const input = (): Tensor => ({ name: 'x', dtype: 'float32', dims: [1, 16, 12, 12], data: Float32Array.from({ length: 2304 }, rng(5)) });

/** The float16 DEQUANTIZEs of subgraph 0 by the kind of op reading their output. */
function dequantizedFor(m: TflModel): Map<string, { pinned: boolean }[]> {
  const sg = m.subgraphs[0];
  const use = consumersOf(sg.operators);
  const by = new Map<string, { pinned: boolean }[]>();
  for (const op of sg.operators) {
    if (op.opcode !== 'DEQUANTIZE' || sg.tensors[op.inputs[0]].type !== 'FLOAT16') continue;
    const readers = (use.get(op.outputs[0]) ?? []).map((k) => sg.operators[k].opcode);
    const kind = readers.filter((o) => o !== 'SLICE').join('+');
    by.set(kind, [...(by.get(kind) ?? []), { pinned: readers.includes('SLICE') }]);
  }
  return by;
}

test('fp16: every float16 convolution and fully connected weight has the one-element SLICE reader; outputs unchanged by it', async () => {
  const bytes = convNet();
  const fp16 = quantizeFp16(convertModel(decodeModel(bytes)));
  const by = dequantizedFor(fp16.model);
  assert.deepEqual([...by.keys()].sort(), ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED'], JSON.stringify([...by]));
  assert.deepEqual(by.get('CONV_2D')!.map((d) => d.pinned), [true, true]);
  assert.deepEqual(by.get('DEPTHWISE_CONV_2D')!.map((d) => d.pinned), [true]);
  assert.deepEqual(by.get('FULLY_CONNECTED')!.map((d) => d.pinned), [true]);
  const sg = fp16.model.subgraphs[0];
  const pins = [...fp16Pins(sg)];
  assert.equal(pins.length, 4);
  for (const op of pins) {
    assert.ok(sg.tensors[op.outputs[0]].shape.every((d) => d === 1), 'one element');
    assert.ok(!sg.outputs.includes(op.outputs[0]) && !consumersOf(sg.operators).has(op.outputs[0]), 'nothing reads it');
  }
  assert.equal(fp16.opHistogram.SLICE, 4, JSON.stringify(fp16.opHistogram));

  // The same float16 weights without the readers: identical outputs on LiteRT; against onnxruntime as fp16 should be.
  const plain = parseTflite(serializeTflite(fp16.model));
  const psg = plain.subgraphs[0];
  const drop = fp16Pins(psg);
  psg.operators = psg.operators.filter((op) => !drop.has(op));
  const x = input();
  const got = await runFirstOutput(fp16.model, [x]);
  const without = await runFirstOutput(plain, [x]);
  assert.ok(relMaxDiff(got, without) <= 1e-6, `with/without the readers: ${relMaxDiff(got, without)}`);
  const ref = (await runOnnx(bytes, [x])).get('y')!.data as Float32Array;
  assert.ok(relMaxDiff(got, ref) <= 1e-2, `fp16 against onnxruntime: ${relMaxDiff(got, ref)}`);
  // Half size still: the readers and their two shared bound constants cost a few dozen bytes each.
  const f32 = serializeTflite(convertModel(decodeModel(bytes)).model).byteLength;
  const withPins = serializeTflite(fp16.model).byteLength;
  const withoutPins = serializeTflite(plain).byteLength;
  assert.ok(withPins - withoutPins < 800, `${withPins - withoutPins} bytes for 4 readers`);
  assert.ok(withPins < 0.6 * f32, `${withPins} of ${f32} bytes`);
});

test('fp16: a float16 weight that another kind of op also reads gets no reader (the delegate unpacks it anyway); a second pass adds none', () => {
  const fp16 = quantizeFp16(convertModel(decodeModel(convNet())));
  const sg = fp16.model.subgraphs[0];
  assert.equal(pinFp16Filters(sg), 0, 'already pinned');
  // A DEQUANTIZE output read by an ADD as well: the delegate unpacks it anyway.
  const deq = sg.operators.find((op) => op.opcode === 'DEQUANTIZE' && sg.tensors[op.inputs[0]].type === 'FLOAT16'
    && sg.operators.some((o) => o.opcode === 'SLICE' && o.inputs[0] === op.outputs[0]))!;
  sg.operators = sg.operators.filter((o) => !(o.opcode === 'SLICE' && o.inputs[0] === deq.outputs[0]));
  const w = sg.tensors[deq.outputs[0]];
  sg.tensors.push({ name: 'other', type: 'FLOAT32', shape: [...w.shape] });
  sg.operators.push({ opcode: 'ADD', inputs: [deq.outputs[0], deq.outputs[0]], outputs: [sg.tensors.length - 1] });
  assert.equal(pinFp16Filters(sg), 0);
  assert.ok(!sg.operators.some((o) => o.opcode === 'SLICE' && o.inputs[0] === deq.outputs[0]));
});

test('fp16 ONNX models (float16 weights kept by the converter): the convolution weight and bias get the reader too', () => {
  const r = rng(8);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  const bytes = encodeModel(buildModel({
    opset: 13, inputs: [['x', 'float32', [1, 3, 8, 8]]], outputs: [['y', 'float32', [1, 6, 8, 8]]],
    initializers: [tensor('w1', 'float16', [6, 3, 3, 3], w(162, 1)), tensor('b1', 'float16', [6], w(6, 0.5))],
    nodes: [node('Cast', ['x'], ['xh'], { to: 10 }), node('Conv', ['xh', 'w1', 'b1'], ['c1'], { pads: [1, 1, 1, 1] }, 'conv1'),
      node('Cast', ['c1'], ['y'], { to: 1 })],
  }));
  const c = convertModel(decodeModel(bytes));
  const sg = c.model.subgraphs[0];
  assert.equal(c.opHistogram.DEQUANTIZE, 2, JSON.stringify(c.opHistogram));
  assert.equal(fp16Pins(sg).size, 2);
  assert.equal(c.opHistogram.SLICE, 2, JSON.stringify(c.opHistogram));
});
