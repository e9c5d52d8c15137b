// int8: a padded MaxPool after a ReLU is PADV2 (-FLT_MAX, int8 -128) → MAX_POOL_2D, and -128 is the ReLU output's zero
// point: the PADV2 is written as the PAD (src/quantize/int8-pad-zero-point.ts), which XNNPack runs faster (FastestDet's
// stem pool: 0.80x the PADV2's time; docs/model-sweep.md s27-det5). Real LiteRT: the PAD form gives the PADV2 form's
// bytes exactly, and both follow onnxruntime within int8 noise; a pool without the ReLU (zero point not -128) keeps
// its PADV2. No time is asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import type { TflModel } from '../../src/tflite/model';
import { serializeTflite } from '../../src/tflite/writer';
import { cosine, rng } from './helpers';

/** Conv → [Relu] → MaxPool 3x3 stride 2 pads 1 (ResNet's stem pool) → Conv. */
function poolModel(relu: boolean): Uint8Array {
  const r = rng(5);
  const w = (n: number) => Array.from({ length: n }, () => r() - 0.5);
  return encodeModel(buildModel({
    opset: 13,
    inputs: [['x', 'float32', [1, 3, 16, 16]]], outputs: [['y', 'float32', [1, 8, 8, 8]]],
    initializers: [tensor('w0', 'float32', [8, 3, 3, 3], w(216)), tensor('w1', 'float32', [8, 8, 1, 1], w(64))],
    nodes: [node('Conv', ['x', 'w0'], ['c'], { pads: [1, 1, 1, 1] }), ...(relu ? [node('Relu', ['c'], ['r'])] : []),
      node('MaxPool', [relu ? 'r' : 'c'], ['p'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }), node('Conv', ['p', 'w1'], ['y'])],
  }));
}

const input = (seed: number) => { const r = rng(seed); return { name: 'x', dtype: 'float32' as const, dims: [1, 3, 16, 16], data: Float32Array.from({ length: 768 }, () => r()) }; };

async function run(model: TflModel, x: ReturnType<typeof input>): Promise<Float32Array> {
  const s = await openConverted(serializeTflite(model));
  try { return (await s.run([x])).get('y')!.data as Float32Array; } finally { s.close(); }
}

/** The model with each int8 PAD before a MAX_POOL_2D written back as PADV2 of its zero point (what the int8 pass wrote before). */
function asPadV2(model: TflModel): TflModel {
  const m = structuredClone(model);
  const sg = m.subgraphs[0];
  for (const op of sg.operators) {
    if (op.opcode !== 'PAD' || !sg.operators.some((o) => o.opcode === 'MAX_POOL_2D' && o.inputs[0] === op.outputs[0])) continue;
    const quantization = sg.tensors[op.outputs[0]].quantization!;
    const v = sg.tensors.push({ name: 'padv2_value', type: 'INT8', shape: [], quantization,
      data: new Uint8Array(Int8Array.from([quantization.zeroPoint[0]]).buffer) }) - 1;
    op.opcode = 'PADV2'; op.version = 2; op.inputs = [...op.inputs, v];
  }
  return m;
}

test('int8: a padded MaxPool after a ReLU reads a PAD, not a PADV2 of the zero point; the same bytes, onnxruntime within int8 noise', async () => {
  const bytes = poolModel(true);
  const { result } = await quantizeModelBytes(bytes, 'm.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
  const sg = result.model.subgraphs[0];
  const ops = sg.operators.map((o) => `${o.opcode}:${sg.tensors[o.inputs[0]].type}`);
  assert.ok(!ops.some((o) => o.startsWith('PADV2')), ops.join(' '));
  const pad = sg.operators.find((o) => o.opcode === 'PAD' && sg.operators.some((p) => p.opcode === 'MAX_POOL_2D' && p.inputs[0] === o.outputs[0]));
  assert.ok(pad, ops.join(' '));
  assert.equal(sg.tensors[pad.inputs[0]].type, 'INT8');
  assert.equal(sg.tensors[pad.outputs[0]].quantization!.zeroPoint[0], -128);
  // The PADV2's value is gone from the file, and --json's op histogram says what is written.
  assert.ok(sg.tensors.every((t, i) => sg.operators.some((o) => o.inputs.includes(i) || o.outputs.includes(i))), 'no orphan tensor');
  assert.equal(result.opHistogram.PADV2, undefined);
  assert.ok((result.opHistogram.PAD ?? 0) >= 1);
  const before = asPadV2(result.model);
  assert.ok(before.subgraphs[0].operators.some((o) => o.opcode === 'PADV2'));
  for (const seed of [11, 12, 13]) {
    const x = input(seed);
    const y = await run(result.model, x);
    assert.deepEqual(y, await run(before, x), 'PAD and PADV2 of the zero point give the same bytes');
    const ref = (await runOnnx(bytes, [x])).get('y')!.data as Float32Array;
    assert.ok(cosine(ref, y) > 0.99, `cosine ${cosine(ref, y)}`);
  }
});

test('int8: a padded MaxPool of a map with negative values keeps its PADV2 (-128 is not its zero point)', async () => {
  const { result } = await quantizeModelBytes(poolModel(false), 'm.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
  const sg = result.model.subgraphs[0];
  const padv2 = sg.operators.find((o) => o.opcode === 'PADV2');
  assert.ok(padv2, sg.operators.map((o) => o.opcode).join(' '));
  assert.notEqual(sg.tensors[padv2.outputs[0]].quantization?.zeroPoint[0], -128);
});
