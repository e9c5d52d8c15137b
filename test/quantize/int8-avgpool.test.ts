// int8: an AVERAGE_POOL_2D whose windows stay inside the input is written as the equal DEPTHWISE_CONV_2D
// (src/quantize/int8-avgpool.ts): LiteRT's XNNPack delegate takes AVERAGE_POOL_2D in float32 only, so TFLite's own int8
// kernel ran it (0.87 ms against 0.06 ms for an int8 requantization alone, bench/int8-delegation.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { avgPoolsAsDepthwise, poolAsDepthwise, poolOverPadding } from '../../src/quantize/int8-avgpool';
import { uniqueNamer } from '../../src/quantize/graph';
import { integerBinary } from '../../src/quantize/int8-float-binary';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import type { TflModel, TflSubgraph } from '../../src/tflite/model';
import { serializeTflite } from '../../src/tflite/writer';
import { cosine, rng } from './helpers';

/** Conv → AveragePool (2x2 stride 2, or 3x2 stride 3x2 as PP-OCR rec's) → Conv. */
function poolModel(kernel: number[], strides: number[]): Uint8Array {
  const r = rng(31);
  const w = (n: number) => Array.from({ length: n }, () => r() - 0.5);
  const [h, wd] = [12, 16];
  const [oh, ow] = [Math.floor((h - kernel[0]) / strides[0]) + 1, Math.floor((wd - kernel[1]) / strides[1]) + 1];
  return encodeModel(buildModel({
    opset: 13,
    inputs: [['x', 'float32', [1, 8, h, wd]]], outputs: [['y', 'float32', [1, 8, oh, ow]]],
    initializers: [tensor('w0', 'float32', [8, 8, 3, 3], w(576)), tensor('w1', 'float32', [8, 8, 1, 1], w(64))],
    nodes: [node('Conv', ['x', 'w0'], ['c'], { pads: [1, 1, 1, 1] }), node('AveragePool', ['c'], ['p'], { kernel_shape: kernel, strides }),
      node('Conv', ['p', 'w1'], ['y'])],
  }));
}

async function run(model: TflModel, x: { name: string; dtype: 'float32'; dims: number[]; data: Float32Array }): Promise<Float32Array> {
  const s = await openConverted(serializeTflite(model));
  try {
    return (await s.run([x])).get('y')!.data as Float32Array;
  } finally {
    s.close();
  }
}

for (const [kernel, strides] of [[[2, 2], [2, 2]], [[3, 2], [3, 2]]]) {
  test(`int8: AveragePool ${kernel.join('x')} stride ${strides.join('x')} is a DEPTHWISE_CONV_2D of 1/${kernel[0] * kernel[1]} weights, within a step of the int8 pool`, async () => {
    const bytes = poolModel(kernel, strides);
    const { result } = await quantizeModelBytes(bytes, 'm.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
    const sg = result.model.subgraphs[0];
    const ops = sg.operators.map((o) => o.opcode);
    assert.ok(!ops.includes('AVERAGE_POOL_2D'), ops.join(' '));
    const k = sg.operators.findIndex((o) => o.opcode === 'DEPTHWISE_CONV_2D');
    assert.ok(k >= 0, ops.join(' '));
    const dw = sg.operators[k];
    assert.deepEqual(sg.tensors[dw.inputs[1]].shape, [1, kernel[0], kernel[1], 8]);
    // One scale for the equal weights and one for the zero bias (per-channel arrays cost 24 bytes a channel).
    assert.deepEqual([sg.tensors[dw.inputs[1]].quantization?.scale.length, sg.tensors[dw.inputs[2]].quantization?.scale.length], [1, 1]);
    assert.deepEqual([dw.options?.strideH, dw.options?.strideW, dw.options?.padding], [strides[0], strides[1], 'VALID']);
    const x = { name: 'x', dtype: 'float32' as const, dims: [1, 8, 12, 16], data: Float32Array.from({ length: 8 * 12 * 16 }, rng(7)) };
    // The same model with TFLite's int8 AVERAGE_POOL_2D in its place.
    const pool = structuredClone(result.model);
    Object.assign(pool.subgraphs[0].operators[k], { opcode: 'AVERAGE_POOL_2D', version: 2, inputs: [dw.inputs[0]],
      options: { padding: 'VALID', strideW: strides[1], strideH: strides[0], filterWidth: kernel[1], filterHeight: kernel[0], fusedActivationFunction: 'NONE' } });
    const [got, viaPool] = [await run(result.model, x), await run(pool, x)];
    const step = sg.tensors[sg.outputs[0]].quantization?.scale[0] ?? sg.tensors[dw.outputs[0]].quantization!.scale[0] * 4;
    const worst = Math.max(...got.map((v, i) => Math.abs(v - viaPool[i])));
    assert.ok(worst <= 2.01 * step, `depthwise vs AVERAGE_POOL_2D: ${worst} (step ${step})`);
    const ref = (await runOnnx(bytes, [x])).get('y')!.data as Float32Array;
    assert.ok(cosine(got, ref) > 0.99, `cosine ${cosine(got, ref)}`);
  });
}

test('int8: an AveragePool over the whole map (tf2onnx\'s global pooling) is an int8 MEAN over H and W, no kh·kw·C weights', async () => {
  const bytes = poolModel([12, 16], [1, 1]);
  const { result } = await quantizeModelBytes(bytes, 'm.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
  const sg = result.model.subgraphs[0];
  const ops = sg.operators.map((o) => `${o.opcode}:${sg.tensors[o.outputs[0]].type}`);
  assert.ok(ops.includes('MEAN:INT8') && !ops.includes('DEPTHWISE_CONV_2D:INT8') && !ops.some((o) => o.startsWith('AVERAGE_POOL_2D')), ops.join(' '));
  const mean = sg.operators.find((o) => o.opcode === 'MEAN')!;
  assert.deepEqual([...new Int32Array(sg.tensors[mean.inputs[1]].data!.slice().buffer)], [1, 2]);
  assert.equal(mean.options?.keepDims, true);
  // No constant of 12·16 values a channel is stored (the depthwise form's 1536 bytes of 127).
  assert.ok(sg.tensors.every((t) => (t.data?.length ?? 0) < 12 * 16 * 8), sg.tensors.map((t) => `${t.name}:${t.data?.length ?? 0}`).join(' '));
  const x = { name: 'x', dtype: 'float32' as const, dims: [1, 8, 12, 16], data: Float32Array.from({ length: 8 * 12 * 16 }, rng(7)) };
  const got = await run(result.model, x);
  const ref = (await runOnnx(bytes, [x])).get('y')!.data as Float32Array;
  assert.ok(cosine(got, ref) > 0.99, `cosine ${cosine(got, ref)}`);
});

test('int8: an AVERAGE_POOL_2D whose windows reach into SAME padding (counting only real pixels) takes the float form', () => {
  const q = { scale: [0.05], zeroPoint: [3] };
  const sg: TflSubgraph = {
    name: 'main', inputs: [0], outputs: [1],
    tensors: [{ name: 'x', type: 'INT8', shape: [1, 9, 9, 4], quantization: q }, { name: 'y', type: 'INT8', shape: [1, 9, 9, 4], quantization: q },
      { name: 'y2', type: 'INT8', shape: [1, 3, 3, 4], quantization: q }],
    operators: [{ opcode: 'AVERAGE_POOL_2D', version: 2, inputs: [0], outputs: [1],
      options: { padding: 'SAME', strideW: 1, strideH: 1, filterWidth: 3, filterHeight: 3, fusedActivationFunction: 'NONE' } },
    { opcode: 'AVERAGE_POOL_2D', version: 2, inputs: [0], outputs: [2],
      options: { padding: 'SAME', strideW: 3, strideH: 3, filterWidth: 3, filterHeight: 3, fusedActivationFunction: 'NONE' } }],
  };
  assert.equal(poolAsDepthwise(sg.operators[0], sg.tensors), false, '3x3 stride 1 SAME pads');
  assert.equal(poolAsDepthwise(sg.operators[1], sg.tensors), true, '3x3 stride 3 SAME on 9 pads nothing');
  assert.equal(poolOverPadding(sg.operators[0], sg.tensors), true);
  assert.equal(poolOverPadding(sg.operators[1], sg.tensors), false);
  assert.equal(avgPoolsAsDepthwise(sg, uniqueNamer(sg)), 2);
  assert.deepEqual(sg.operators.map((o) => `${o.opcode}:${sg.tensors[o.outputs[0]].type}`),
    ['DEQUANTIZE:FLOAT32', 'AVERAGE_POOL_2D:FLOAT32', 'QUANTIZE:INT8', 'DEPTHWISE_CONV_2D:INT8']);
  assert.equal(sg.operators[2].outputs[0], 1, 'the QUANTIZE writes the pool\'s own output');
  // `onnx2lite micro` (TFLite Micro's int8 pool counts only real pixels too) writes the int8 pool back.
  assert.equal(integerBinary(sg), 1);
  assert.deepEqual(sg.operators.map((o) => `${o.opcode}:${o.inputs[0]}>${o.outputs[0]}`).slice(0, 1), ['AVERAGE_POOL_2D:0>1']);
  assert.equal(sg.operators[0].version, 2);
});

/** Conv (positive weights: a map away from 0, so a wrong border divisor shows) → AveragePool 3x3 stride 1 padded by 1
 *  (`countPad`: ONNX's count_include_pad) → the output. */
function paddedPoolModel(countPad: 0 | 1): Uint8Array {
  const r = rng(5);
  return encodeModel(buildModel({
    opset: 13,
    inputs: [['x', 'float32', [1, 4, 10, 12]]], outputs: [['y', 'float32', [1, 4, 10, 12]]],
    initializers: [tensor('w0', 'float32', [4, 4, 1, 1], Array.from({ length: 16 }, () => 0.1 + r()))],
    nodes: [node('Conv', ['x', 'w0'], ['c']),
      node('AveragePool', ['c'], ['y'], { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], count_include_pad: countPad })],
  }));
}

for (const countPad of [0, 1] as const) {
  test(`int8: AveragePool 3x3 over padding (count_include_pad ${countPad}) runs where XNNPack takes it, border divisors as onnxruntime's`, async () => {
    const bytes = paddedPoolModel(countPad);
    const { result } = await quantizeModelBytes(bytes, 'm.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
    const sg = result.model.subgraphs[0];
    const ops = sg.operators.map((o) => `${o.opcode}:${sg.tensors[o.outputs[0]].type}`);
    // No int8 AVERAGE_POOL_2D is left for TFLite's own kernel: SAME padding (count_include_pad 0) is the float form,
    // a PAD and VALID pool (count_include_pad 1) the depthwise form.
    assert.ok(!ops.includes('AVERAGE_POOL_2D:INT8'), ops.join(' '));
    if (countPad === 0) {
      const k = ops.indexOf('AVERAGE_POOL_2D:FLOAT32');
      assert.ok(k > 0 && ops[k - 1] === 'DEQUANTIZE:FLOAT32' && ops[k + 1] === 'QUANTIZE:INT8', ops.join(' '));
      assert.equal(sg.operators[k].options?.padding, 'SAME');
    } else assert.ok(ops.includes('DEPTHWISE_CONV_2D:INT8'), ops.join(' '));
    const x = { name: 'x', dtype: 'float32' as const, dims: [1, 4, 10, 12], data: Float32Array.from({ length: 4 * 10 * 12 }, rng(9)) };
    const got = await run(result.model, x);
    const ref = (await runOnnx(bytes, [x])).get('y')!.data as Float32Array;
    // Every value within two of the output's int8 steps of onnxruntime's (the input's and the output's rounding),
    // the corners (divisor 4 without the padding, 9 with it) and edges (6 / 9) included: a wrong divisor is off by a
    // third to a half of the value.
    const yq = sg.tensors.find((t) => t.type === 'INT8' && sg.operators.some((o) => o.opcode === 'DEQUANTIZE' && sg.outputs.includes(o.outputs[0]) && sg.tensors[o.inputs[0]] === t));
    const step = yq?.quantization?.scale[0] ?? Math.max(...ref) / 127;
    let worst = 0, at = 0;
    for (let i = 0; i < ref.length; i++) if (Math.abs(got[i] - ref[i]) > worst) { worst = Math.abs(got[i] - ref[i]); at = i; }
    assert.ok(worst <= 2.01 * step, `worst ${worst} at ${at} (${got[at]} vs ${ref[at]}), step ${step}`);
    // (The corner of channel 0: ONNX's NCHW index 0.)
    assert.ok(Math.abs(got[0] - ref[0]) <= 2.01 * step && ref[0] > 10 * step, `corner ${got[0]} vs ${ref[0]}`);
  });
}
