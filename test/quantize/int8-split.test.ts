// int8 layers computed with ~15-bit weights (src/quantize/int8-split.ts, Int8Options.int8SplitOps): the layer with
// its int8 weights, a second one with their rounding residual at its own scales, an int8 ADD of the two. Weights
// that int8 rounding loses (many small weights beside one large one in a channel: they round to 0) come back, on
// LiteRT, for a convolution and a depthwise convolution; other layers are unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { decodeModel } from '../../src/onnx/reader';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { makeTensor } from '../../src/ir/tensor';
import { activationParams, quantizeInt8 } from '../../src/quantize/int8';
import { cloneResult } from '../../src/quantize/mixed-precision';
import { serializeTflite } from '../../src/tflite/writer';
import { rng, runFirstOutput } from './helpers';

const C = 16;
const SMALL = 0.003;

/** Conv 1x1 16→16 then depthwise 5x5 (pad 2) on 8x8: in every output channel one weight 1 and the rest SMALL
 *  (under half of int8's step 1/127, so they all round to 0: the output loses their sum). */
function model(): Uint8Array {
  const conv = Array.from({ length: C * C }, (_, i) => (i % C === Math.floor(i / C) ? 1 : SMALL));
  const dw = Array.from({ length: C * 25 }, (_, i) => (i % 25 === 12 ? 1 : SMALL));
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, C, 8, 8]]], outputs: [['y', 'float32', [1, C, 8, 8]]],
    initializers: [tensor('w', 'float32', [C, C, 1, 1], conv), tensor('b', 'float32', [C], new Array(C).fill(0.01)),
      tensor('d', 'float32', [C, 1, 5, 5], dw), tensor('db', 'float32', [C], new Array(C).fill(0))],
    nodes: [node('Conv', ['x', 'w', 'b'], ['c']), node('Conv', ['c', 'd', 'db'], ['y'], { group: C, pads: [2, 2, 2, 2] })],
  }));
}

test('int8 split layers: the residual conv and ADD bring back the weights int8 rounding loses, on LiteRT', async () => {
  const bytes = model();
  const result = convertModel(decodeModel(bytes));
  const sg = result.model.subgraphs[0];
  const layers = sg.operators.flatMap((op, k) => (op.opcode === 'CONV_2D' || op.opcode === 'DEPTHWISE_CONV_2D' ? [k] : []));
  assert.equal(layers.length, 2);
  const r = rng(5);
  const x = makeTensor('x', 'float32', [1, C, 8, 8], Array.from({ length: C * 64 }, () => 0.5 + 0.5 * r()));
  const want = await runFirstOutput(result.model, [x]);
  // Ranges of the float activations: input [0, 1], conv output [0, 1.2], depthwise output [0, 1.5].
  const ranges = new Map<number, { min: number; max: number }>([[sg.inputs[0], { min: 0, max: 1 }],
    [sg.operators[layers[0]].outputs[0], { min: 0, max: 1.2 }], [sg.operators[layers[1]].outputs[0], { min: 0, max: 1.5 }]]);
  const params = activationParams(result, ranges);
  const maxErr = (got: Float32Array) => got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0);
  const plain = quantizeInt8(cloneResult(result), params, {});
  const split = quantizeInt8(cloneResult(result), params, { int8SplitOps: new Set(layers) });
  const plainErr = maxErr(await runFirstOutput(plain.model, [x]));
  const splitErr = maxErr(await runFirstOutput(split.model, [x]));
  // Lost: about 15 × SMALL × 0.75 through the conv and 24 × SMALL × 0.75 more through the depthwise (~0.09).
  assert.ok(plainErr > 0.06, `plain int8 max error ${plainErr}`);
  assert.ok(splitErr < 0.02, `split int8 max error ${splitErr} (plain ${plainErr})`);
  const ops = split.model.subgraphs[0].operators;
  const t = split.model.subgraphs[0].tensors;
  const count = (opcode: string) => ops.filter((o) => o.opcode === opcode).length;
  assert.equal(count('CONV_2D'), 2);
  assert.equal(count('DEPTHWISE_CONV_2D'), 2);
  const adds = ops.filter((o) => o.opcode === 'ADD');
  assert.equal(adds.length, 2, 'one int8 ADD a split layer');
  for (const a of adds) assert.deepEqual([...a.inputs, ...a.outputs].map((i) => t[i].type), ['INT8', 'INT8', 'INT8']);
  // One more byte a weight (16·16 + 16·25) and an int32 zero bias a channel, give or take scales.
  const grown = serializeTflite(split.model).byteLength - serializeTflite(plain.model).byteLength;
  assert.ok(grown >= C * C + C * 25 && grown < 2 * (C * C + C * 25) + 1024, `grew ${grown} bytes`);
  // Only the layers asked for: splitting the conv alone leaves the depthwise one as it was.
  const one = quantizeInt8(cloneResult(result), params, { int8SplitOps: new Set([layers[0]]) }).model.subgraphs[0].operators;
  assert.equal(one.filter((o) => o.opcode === 'DEPTHWISE_CONV_2D').length, 1);
  assert.equal(one.filter((o) => o.opcode === 'CONV_2D').length, 2);
});

test('16x8 split layers with one weight scale (few inputs a channel) write one residual bias scale: LiteRT runs them', async () => {
  const result = convertModel(decodeModel(model()));
  const sg = result.model.subgraphs[0];
  const layers = new Set(sg.operators.flatMap((op, k) => (op.opcode === 'CONV_2D' || op.opcode === 'DEPTHWISE_CONV_2D' ? [k] : [])));
  const r = rng(7);
  const x = makeTensor('x', 'float32', [1, C, 8, 8], Array.from({ length: C * 64 }, () => 0.5 + 0.5 * r()));
  const want = await runFirstOutput(result.model, [x]);
  const ranges = new Map<number, { min: number; max: number }>();
  sg.tensors.forEach((t, i) => { if (t.type === 'FLOAT32' && !t.data) ranges.set(i, { min: 0, max: 1.5 }); });
  const params = activationParams(result, ranges);
  const wide = quantizeInt8(cloneResult(result), params, { int16Ops: new Set(sg.operators.map((_, k) => k)), splitOps: layers });
  const t = wide.model.subgraphs[0].tensors;
  const residualBiases = t.filter((b) => b.type === 'INT64' && /_residual(_int64)?$/.test(b.name));
  assert.ok(residualBiases.length >= 1);
  // The conv's 16 inputs a channel round well with one scale (params.ts weightScaleAxis): its residual bias has one too.
  assert.ok(residualBiases.some((b) => b.quantization!.scale.length === 1));
  const got = await runFirstOutput(wide.model, [x]);
  const err = got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0);
  assert.ok(err < 0.01, `16x8 split max error ${err}`);
});
