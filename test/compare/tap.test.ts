// The debug copy (src/compare/tap.ts) on real LiteRT: a tapped graph input reads the fed values and leaves the run as
// it was (bound as an output, LiteRT ran the model on the output's buffer: the tap read zeros, the outputs changed).
import test from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { convertModel } from '../../src/convert/convert';
import { debugCopy } from '../../src/compare/tap';
import { openTflite } from '../../src/runtime/litert';
import type { TflModel } from '../../src/tflite/model';

test('a graph input among the taps is fed through a CAST: the tap reads the input, the outputs stay as untapped', async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [2, 8]]],
    outputs: ['y'],
    initializers: [tensor('w', 'float32', [8, 4], Array.from({ length: 32 }, (_, i) => Math.cos(i)))],
    nodes: [node('MatMul', ['x', 'w'], ['h']), node('Relu', ['h'], ['y'])],
  });
  const result = convertModel(model, {});
  const sg = result.model.subgraphs[0];
  const [inp] = sg.inputs;
  const [out] = sg.outputs;
  const x = Float32Array.from({ length: 16 }, (_, i) => Math.sin(i + 1));
  const run = async (taps: number[]) => {
    const copy = debugCopy(result.model, taps);
    const s = await openTflite(copy.bytes);
    try {
      const outs = copy.read(await s.run([{ name: 'x', dtype: 'float32', dims: [2, 8], data: x }]));
      return (i: number) => Array.from(outs.get(i)!.data as Float32Array);
    } finally {
      s.close();
    }
  };
  const plain = await run([out]);
  const withInput = await run([inp, out]);
  assert.deepEqual(withInput(inp), Array.from(x));
  assert.deepEqual(withInput(out), plain(out));
  assert.ok(plain(out).some((v) => v !== 0));
});

/** x [1, 4] + dequantize(reshape(int8 constant c)). A DEQUANTIZE of a constant (an int8 model's weights: the int8
 *  PP-OCRv4 rec's tensors at the float model's indices from op 128 on) or of what ops compute from constants alone is
 *  evaluated when LiteRT prepares the ops, its output read-only. */
function constantReshapeModel(): TflModel {
  const bytes = (a: Int8Array | Int32Array) => new Uint8Array(a.buffer.slice(0));
  const q = { scale: [0.5], zeroPoint: [0] };
  return {
    version: 3, description: 'int8 constant reshaped by an op',
    subgraphs: [{
      name: 'main',
      tensors: [
        { name: 'x', type: 'FLOAT32', shape: [1, 4] },
        { name: 'c', type: 'INT8', shape: [4], data: bytes(Int8Array.of(2, -4, 6, 8)), quantization: q },
        { name: 'shape', type: 'INT32', shape: [2], data: bytes(Int32Array.of(1, 4)) },
        { name: 'r', type: 'INT8', shape: [1, 4], quantization: q },
        { name: 'rf', type: 'FLOAT32', shape: [1, 4] },
        { name: 'y', type: 'FLOAT32', shape: [1, 4] },
      ],
      operators: [
        { opcode: 'RESHAPE', inputs: [1, 2], outputs: [3], options: { newShape: [1, 4] } },
        { opcode: 'DEQUANTIZE', version: 2, inputs: [3], outputs: [4] },
        { opcode: 'ADD', inputs: [0, 4], outputs: [5], options: { fusedActivationFunction: 'NONE' } },
      ],
      inputs: [0],
      outputs: [5],
    }],
    metadata: new Map(),
  };
}

test('int32 constants packed into one output are tapped through CASTs (a CONCATENATION of constants is read-only)', async () => {
  // Over PACK_FROM taps the int32 ones are concatenated into one output; when all of them are constants (the float
  // model's tensor indices read in its int8 model: int32 biases), LiteRT computed that output when it prepared the
  // copy and refused to bind it ("allocation_type != kTfLiteCustom (5 != 6)").
  const model = constantReshapeModel();
  const sg = model.subgraphs[0];
  const extra = Array.from({ length: 40 }, (_, k) => sg.tensors.push({ name: `b${k}`, type: 'INT32', shape: [2], data: new Uint8Array(Int32Array.of(k, -k).buffer) }) - 1);
  const copy = debugCopy(model, [3, 5, ...extra]);
  const s = await openTflite(copy.bytes);
  try {
    const outs = copy.read(await s.run([{ name: 'x', dtype: 'float32', dims: [1, 4], data: Float32Array.of(1, 2, 3, 4) }]));
    assert.deepEqual(Array.from(outs.get(extra[7]!)!.data as ArrayLike<number>), [7, -7]);
    assert.deepEqual(Array.from(outs.get(5)!.data as Float32Array), [2, 0, 6, 8]);
  } finally {
    s.close();
  }
});

test('an int8 constant, or what an op computes from constants alone, is tapped: its DEQUANTIZE, read-only, is copied by a CAST', async () => {
  const model = constantReshapeModel();
  const x = Float32Array.of(1, 2, 3, 4);
  for (const taps of [[1], [2], [3], [1, 2, 3, 4, 5]]) {
    // Without the copy LiteRT refused to allocate the debug copy ("allocation_type != kTfLiteCustom (5 != 6)").
    const copy = debugCopy(model, taps);
    const s = await openTflite(copy.bytes);
    try {
      const outs = copy.read(await s.run([{ name: 'x', dtype: 'float32', dims: [1, 4], data: x }]));
      for (const t of taps.filter((k) => k === 1 || k === 3)) assert.deepEqual(Array.from(outs.get(t)!.data as Float32Array), [1, -2, 3, 4]);
      if (taps.includes(2)) assert.deepEqual(Array.from(outs.get(2)!.data as Float32Array), [1, 4]);
      if (taps.includes(5)) assert.deepEqual(Array.from(outs.get(5)!.data as Float32Array), [2, 0, 6, 8]);
    } finally {
      s.close();
    }
  }
});
