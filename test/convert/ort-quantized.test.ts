// Models quantized by onnxruntime's quantize_dynamic (DynamicQuantizeLinear → ConvInteger / MatMulInteger → Cast →
// Mul by the scales → Add the bias): each block converts to one CONV_2D / FULLY_CONNECTED on the float input with its
// weights stored as int8 on the model's own grid (a DEQUANTIZE), no TRANSPOSE, and the result matches onnxruntime on
// the quantized model (which also rounds activations to uint8) closely and the float model on the same weights exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import type { Node, Tensor } from '../../src/ir/types';
import { encodeModel } from '../../src/onnx/writer';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { rng } from '../quantize/helpers';

interface Layer { w: number[]; dims: number[]; zp: number; scale: number; bias: number[] }

/** uint8 weights with a zero point, as quantize_dynamic writes them (values spread over the whole range). */
function layer(r: () => number, dims: number[], zp: number, scale: number): Layer {
  const n = dims.reduce((a, b) => a * b, 1);
  return { w: Array.from({ length: n }, () => Math.floor(r() * 256)), dims, zp, scale, bias: Array.from({ length: dims[0] }, () => r() - 0.5) };
}

/** One ORT block (quantized: true) or the float op on the dequantized weights (false). */
function block(name: string, op: 'Conv' | 'MatMul', x: string, y: string, L: Layer, quantized: boolean, biasDims: number[]): { nodes: Node[]; inits: Tensor[] } {
  const wf = L.w.map((q) => (q - L.zp) * L.scale);
  if (!quantized) {
    const inits = [tensor(`${name}_w`, 'float32', L.dims, wf), tensor(`${name}_b`, 'float32', biasDims, L.bias)];
    const attrs: Record<string, number[]> = op === 'Conv' ? { pads: [1, 1, 1, 1] } : {};
    return { nodes: [node(op, [x, `${name}_w`], [`${name}_o`], attrs), node('Add', [`${name}_o`, `${name}_b`], [y])], inits };
  }
  const inits = [tensor(`${name}_wq`, 'uint8', L.dims, L.w), tensor(`${name}_wzp`, 'uint8', [], [L.zp]),
    tensor(`${name}_ws`, 'float32', [], [L.scale]), tensor(`${name}_b`, 'float32', biasDims, L.bias)];
  const nodes = [
    node('DynamicQuantizeLinear', [x], [`${name}_xq`, `${name}_xs`, `${name}_xzp`]),
    node('Mul', [`${name}_xs`, `${name}_ws`], [`${name}_s`]),
    node(`${op}Integer`, [`${name}_xq`, `${name}_wq`, `${name}_xzp`, `${name}_wzp`], [`${name}_i`], op === 'Conv' ? { pads: [1, 1, 1, 1] } : {} as Record<string, number[]>, `${name}_quant`),
    node('Cast', [`${name}_i`], [`${name}_f`], { to: 1 }),
    node('Mul', [`${name}_f`, `${name}_s`], [`${name}_m`]),
    node('Add', [`${name}_m`, `${name}_b`], [y]),
  ];
  return { nodes, inits };
}

function cnn(quantized: boolean): Uint8Array {
  const r = rng(5);
  const l1 = layer(r, [8, 3, 3, 3], 131, 0.004);
  const l2 = layer(r, [4, 8, 3, 3], 97, 0.002);
  const b1 = block('c1', 'Conv', 'x', 'a1', l1, quantized, [1, 8, 1, 1]);
  const b2 = block('c2', 'Conv', 'r1', 'a2', l2, quantized, [1, 4, 1, 1]);
  return encodeModel(buildModel({
    opset: 13, inputs: [['x', 'float32', [1, 3, 16, 16]]], outputs: [['y', 'float32', [1, 4, 16, 16]]],
    initializers: [...b1.inits, ...b2.inits],
    nodes: [...b1.nodes, node('Relu', ['a1'], ['r1']), ...b2.nodes, node('Sigmoid', ['a2'], ['y'])],
  }));
}

function mlp(quantized: boolean): Uint8Array {
  const r = rng(6);
  const l = layer(r, [24, 10], 120, 0.01);
  const b = block('fc', 'MatMul', 'x', 'y', l, quantized, [10]);
  return encodeModel(buildModel({
    opset: 13, inputs: [['x', 'float32', [2, 24]]], outputs: [['y', 'float32', [2, 10]]], initializers: b.inits, nodes: b.nodes,
  }));
}

async function compare(bytes: Uint8Array, floatBytes: Uint8Array, dims: number[], expect: Record<string, number>): Promise<void> {
  const r = convertModel(decodeModel(bytes));
  const h = r.opHistogram;
  for (const [op, n] of Object.entries(expect)) assert.equal(h[op] ?? 0, n, `${op}: ${JSON.stringify(h)}`);
  assert.equal(r.transposeCount, 0, JSON.stringify(h));
  for (const op of ['CAST', 'ROUND', 'REDUCE_MAX', 'REDUCE_MIN', 'DIV']) assert.equal(h[op] ?? 0, 0, `${op}: ${JSON.stringify(h)}`);
  const int8 = r.model.subgraphs[0].tensors.filter((t) => t.type === 'INT8' && t.data);
  assert.equal(int8.length, h.DEQUANTIZE, 'every quantized weight is stored as int8');
  const n = dims.reduce((a, b) => a * b, 1);
  const x = { name: 'x', dtype: 'float32' as const, dims, data: Float32Array.from({ length: n }, rng(11)) };
  const ref = (await runOnnx(bytes, [x])).get('y')!.data as Float32Array;
  const exact = (await runOnnx(floatBytes, [x])).get('y')!.data as Float32Array;
  const s = await openConverted(serializeTflite(r.model));
  try {
    const got = (await s.run([x])).get('y')!.data as Float32Array;
    let refMax = 0, vsQuant = 0, vsFloat = 0, dot = 0, gg = 0, rr = 0;
    for (let i = 0; i < ref.length; i++) {
      refMax = Math.max(refMax, Math.abs(ref[i]));
      vsQuant = Math.max(vsQuant, Math.abs(got[i] - ref[i]));
      vsFloat = Math.max(vsFloat, Math.abs(got[i] - exact[i]) / (1 + Math.abs(exact[i])));
      dot += got[i] * ref[i]; gg += got[i] * got[i]; rr += ref[i] * ref[i];
    }
    // The weights are exact: the float model on the dequantized weights is matched to float rounding.
    assert.ok(vsFloat < 1e-5, `max relative difference to the float model ${vsFloat}`);
    // onnxruntime also rounds each activation to uint8 (1/255 of its range): a few percent at most.
    assert.ok(vsQuant / refMax < 0.05, `max difference to onnxruntime's quantized run ${vsQuant} of ${refMax}`);
    assert.ok(dot / Math.sqrt(gg * rr) > 0.999, `cosine ${dot / Math.sqrt(gg * rr)}`);
  } finally {
    s.close();
  }
}

test('ORT-quantized CNN (ConvInteger): CONV_2D with int8 weights, no TRANSPOSE, matches onnxruntime', async () => {
  await compare(cnn(true), cnn(false), [1, 3, 16, 16], { CONV_2D: 2, DEQUANTIZE: 2, ADD: 0 });
});

test('ORT-quantized MatMulInteger: FULLY_CONNECTED with int8 weights, matches onnxruntime', async () => {
  await compare(mlp(true), mlp(false), [2, 24], { FULLY_CONNECTED: 1, DEQUANTIZE: 1 });
});

test('float16 model with float32 inputs/outputs: float32 compute, float16 weights kept, matches onnxruntime', async () => {
  const r = rng(8);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  const bytes = encodeModel(buildModel({
    opset: 13, inputs: [['x', 'float32', [1, 3, 8, 8]]], outputs: [['y', 'float32', [1, 4, 8, 8]]],
    initializers: [tensor('w1', 'float16', [6, 3, 3, 3], w(162, 1)), tensor('b1', 'float16', [6], w(6, 0.5)),
      tensor('w2', 'float16', [4, 6, 1, 1], w(24, 1)), tensor('b2', 'float16', [4], w(4, 0.5))],
    nodes: [
      node('Cast', ['x'], ['xh'], { to: 10 }),
      node('Conv', ['xh', 'w1', 'b1'], ['c1'], { pads: [1, 1, 1, 1] }, 'conv1'), node('Relu', ['c1'], ['r1']),
      node('Conv', ['r1', 'w2', 'b2'], ['c2'], {}, 'conv2'), node('Sigmoid', ['c2'], ['yh']),
      node('Cast', ['yh'], ['y'], { to: 1 }),
    ],
  }));
  const c = convertModel(decodeModel(bytes));
  assert.equal(c.opHistogram.CONV_2D, 2, JSON.stringify(c.opHistogram));
  assert.equal(c.opHistogram.CAST ?? 0, 0, JSON.stringify(c.opHistogram));
  assert.equal(c.transposeCount, 0);
  assert.equal(c.model.subgraphs[0].tensors.filter((t) => t.type === 'FLOAT16' && t.data).length, 4, 'weights and biases stay float16');
  const x = { name: 'x', dtype: 'float32' as const, dims: [1, 3, 8, 8], data: Float32Array.from({ length: 192 }, rng(12)) };
  const ref = (await runOnnx(bytes, [x])).get('y')!.data as Float32Array;
  const s = await openConverted(serializeTflite(c.model));
  try {
    const got = (await s.run([x])).get('y')!.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]));
    // onnxruntime computes in float16 (3 decimal digits), LiteRT in float32 on the same weights.
    assert.ok(worst < 2e-3, `max difference ${worst}`);
  } finally {
    s.close();
  }
});

test('a computed scalar broadcast against a channel-last tensor takes a RESHAPE, no TRANSPOSE', async () => {
  const r = rng(4);
  const bytes = encodeModel(buildModel({
    opset: 13, inputs: [['x', 'float32', [1, 3, 6, 6]]], outputs: [['y', 'float32', [1, 4, 6, 6]]],
    initializers: [tensor('w', 'float32', [4, 3, 3, 3], Array.from({ length: 108 }, () => r() - 0.5)), tensor('shape3', 'int64', [3], [1, 1, 1])],
    nodes: [
      node('Conv', ['x', 'w'], ['c'], { pads: [1, 1, 1, 1] }),
      node('ReduceMax', ['c'], ['s'], { keepdims: 0 }), // a computed scalar (as onnxruntime's activation scale)
      node('Mul', ['c', 's'], ['m']),
      node('ReduceMin', ['c'], ['t'], { keepdims: 0 }),
      node('Reshape', ['t', 'shape3'], ['t3']), node('Add', ['m', 't3'], ['y']), // rank 3 against rank 4
    ],
  }));
  const c = convertModel(decodeModel(bytes));
  assert.equal(c.transposeCount, 0, JSON.stringify(c.opHistogram));
  const x = { name: 'x', dtype: 'float32' as const, dims: [1, 3, 6, 6], data: Float32Array.from({ length: 108 }, rng(13)) };
  const ref = (await runOnnx(bytes, [x])).get('y')!.data as Float32Array;
  const s = await openConverted(serializeTflite(c.model));
  try {
    const got = (await s.run([x])).get('y')!.data as Float32Array;
    for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(got[i] - ref[i]) < 1e-5 * (1 + Math.abs(ref[i])), `${i}: ${got[i]} vs ${ref[i]}`);
  } finally {
    s.close();
  }
});
