// float16 models (onnxconverter-common's convert_float_to_float16, which converts If / Loop bodies too:
// scripts/export/variants.py `to_fp16`) whose control flow stays (an If on a run-time sample rate, as Silero VAD's;
// a Loop with a run-time trip count, as a greedy decoder's): the float16 clean-up (Casts to float16 made float32,
// float16 constants and values float32, the weights stored float16 again) reached only the main graph, so such a
// model was refused at the first op of a body ("Conv on float16 is not supported"); with float16 inputs, a branch
// also read the float16 input itself (MIRROR_PAD FLOAT16 != FLOAT32 in Silero v6). Now the bodies compute in float32,
// their Conv / MatMul weights stay float16 (a DEQUANTIZE in the body), and LiteRT matches onnxruntime's float16 run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DType, Model, Tensor } from '../../src/ir/types';
import { buildGraph, buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { runOnnx } from '../../src/runtime/ort';
import { makeTensor, toFloat32 } from '../../src/ir/tensor';
import { rng } from '../quantize/helpers';

const FLOAT16 = 10;
const FLOAT = 1;

/** y = sr == 16000 ? relu(conv(x)) : sigmoid(x); h = tanh(h·W + z) m times. Float16 inside; the inputs and outputs
 *  float16 (halfIo) or float32 behind Casts (keep_io_types). */
function halfControlFlow(halfIo: boolean): Model {
  const r = rng(7);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  const io: DType = halfIo ? 'float16' : 'float32';
  const x = halfIo ? 'x' : 'x16';
  const z = halfIo ? 'z' : 'z16';
  const thenG = buildGraph({
    name: 'then', inputs: [], outputs: [['t_out', 'float16', [1, 4, 6, 6]]],
    initializers: [tensor('wc', 'float16', [4, 4, 3, 3], w(144, 1)), tensor('bc', 'float16', [4], w(4, 0.5))],
    nodes: [node('Conv', [x, 'wc', 'bc'], ['t_conv'], { pads: [1, 1, 1, 1] }, 'then_conv'), node('Relu', ['t_conv'], ['t_out'])],
  });
  const elseG = buildGraph({
    name: 'else', inputs: [], outputs: [['e_out', 'float16', [1, 4, 6, 6]]],
    nodes: [node('Cast', [x], ['e_x32'], { to: FLOAT }), node('Sigmoid', ['e_x32'], ['e_sig']), node('Cast', ['e_sig'], ['e_out'], { to: FLOAT16 })],
  });
  const body = buildGraph({
    name: 'body', inputs: [['i', 'int64', []], ['c_in', 'bool', []], ['h_in', 'float16', [1, 16]]],
    outputs: [['c_out', 'bool', []], ['h_out', 'float16', [1, 16]]],
    initializers: [tensor('wl', 'float16', [16, 16], w(256, 0.5))],
    nodes: [
      node('Identity', ['c_in'], ['c_out']),
      node('MatMul', ['h_in', 'wl'], ['h_mm'], {}, 'body_matmul'), node('Add', ['h_mm', z], ['h_sum']), node('Tanh', ['h_sum'], ['h_out']),
    ],
  });
  return buildModel({
    opset: 13,
    inputs: [['x', io, [1, 4, 6, 6]], ['z', io, [1, 16]], ['sr', 'int64', []], ['m', 'int64', []]],
    outputs: [['y', io, [1, 4, 6, 6]], ['h', io, [1, 16]]],
    initializers: [tensor('k', 'int64', [], [16000]), tensor('yes', 'bool', [], [1]), tensor('h0', 'float16', [1, 16], new Array(16).fill(0))],
    nodes: [
      ...(halfIo ? [] : [node('Cast', ['x'], ['x16'], { to: FLOAT16 }), node('Cast', ['z'], ['z16'], { to: FLOAT16 })]),
      node('Equal', ['sr', 'k'], ['cond']),
      node('If', ['cond'], [halfIo ? 'y' : 'y16'], { then_branch: thenG, else_branch: elseG }),
      node('Loop', ['m', 'yes', 'h0'], [halfIo ? 'h' : 'h16'], { body }),
      ...(halfIo ? [] : [node('Cast', ['y16'], ['y'], { to: FLOAT }), node('Cast', ['h16'], ['h'], { to: FLOAT })]),
    ],
  });
}

const scalar = (name: string, v: number): Tensor => ({ name, dtype: 'int64', dims: [], data: BigInt64Array.from([BigInt(v)]) });

for (const halfIo of [true, false]) {
  test(`a float16 model with If and Loop kept (${halfIo ? 'float16' : 'float32'} inputs / outputs): bodies compute in float32, weights stay float16, LiteRT matches onnxruntime`, async () => {
    const model = halfControlFlow(halfIo);
    const c = convertModel(model);
    assert.equal(c.opHistogram.IF, 1, JSON.stringify(c.opHistogram));
    assert.equal(c.opHistogram.WHILE, 1, JSON.stringify(c.opHistogram));
    // The branch's conv weights and the loop body's matrix stay float16 in their subgraphs.
    const bodies = c.model.subgraphs.slice(1);
    const half = bodies.flatMap((sg) => sg.tensors.filter((t) => t.type === 'FLOAT16' && t.data).map((t) => t.shape.join('x')));
    assert.ok(half.includes('4x3x3x4') || half.includes('4x4x3x3'), `conv weights float16 in the IF branch: ${half.join(', ')}`);
    assert.ok(half.includes('16x16'), `loop weights float16 in the WHILE body: ${half.join(', ')}`);
    const lite = await openConverted(serializeTflite(c.model));
    const r = rng(3);
    const feed = (name: string, dims: number[]) => makeTensor(name, halfIo ? 'float16' : 'float32', dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1));
    try {
      for (const [sr, m] of [[16000, 3], [8000, 0], [16000, 1]]) {
        const feeds = [feed('x', [1, 4, 6, 6]), feed('z', [1, 16]), scalar('sr', sr), scalar('m', m)];
        const ref = await runOnnx(encodeModel(model), feeds);
        const got = await lite.run(feeds);
        for (const name of ['y', 'h']) {
          const a = toFloat32(ref.get(name)!);
          const b = toFloat32(got.get(name)!);
          assert.equal(b.length, a.length, name);
          let maxRef = 0;
          let maxDiff = 0;
          for (let i = 0; i < a.length; i++) { maxRef = Math.max(maxRef, Math.abs(a[i])); maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i])); }
          // onnxruntime rounds every op's output to float16; LiteRT computes in float32 between the same weights.
          assert.ok(maxDiff <= 2e-3 * Math.max(maxRef, 1e-3), `sr ${sr}, m ${m}, ${name}: max|diff| ${maxDiff}, max|ref| ${maxRef}`);
        }
      }
    } finally {
      lite.close();
    }
  });
}

test('a float16 LSTM keeps its weights float16 (exact slices of W and R); its summed bias stays float32 unless exact', async () => {
  const r = rng(9);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  const H = 8;
  const model = buildModel({
    opset: 14,
    inputs: [['x', 'float16', [3, 1, 6]]], outputs: [['y', 'float16', [3, 1, 1, H]]],
    initializers: [tensor('W', 'float16', [1, 4 * H, 6], w(4 * H * 6, 1)), tensor('R', 'float16', [1, 4 * H, H], w(4 * H * H, 1)),
      tensor('B', 'float16', [1, 8 * H], w(8 * H, 0.5))],
    nodes: [node('LSTM', ['x', 'W', 'R', 'B'], ['y'], { hidden_size: H }, 'lstm')],
  });
  const c = convertModel(model);
  const sg = c.model.subgraphs[0];
  const deq = new Map(sg.operators.filter((op) => op.opcode === 'DEQUANTIZE').map((op) => [op.outputs[0], sg.tensors[op.inputs[0]].type]));
  const fc = sg.operators.filter((op) => op.opcode === 'FULLY_CONNECTED');
  const weightTypes = new Set(fc.map((op) => deq.get(op.inputs[1]) ?? sg.tensors[op.inputs[1]].type));
  assert.deepEqual([...weightTypes], ['FLOAT16'], `LSTM weights: ${[...weightTypes]}`);
  // Wb + Rb of random float16 values is no float16 value: rounding it would move the model, so that bias stays
  // float32 (a bias float16 holds exactly is stored float16).
  const biasTypes = fc.filter((op) => op.inputs[2] >= 0).map((op) => deq.get(op.inputs[2]) ?? sg.tensors[op.inputs[2]].type);
  assert.ok(biasTypes.includes('FLOAT32'), `LSTM biases: ${biasTypes}`);
  const x = makeTensor('x', 'float16', [3, 1, 6], w(18, 2));
  const ref = toFloat32((await runOnnx(encodeModel(model), [x])).get('y')!);
  const lite = await openConverted(serializeTflite(c.model));
  try {
    const got = toFloat32((await lite.run([x])).get('y')!);
    let maxRef = 0;
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) { maxRef = Math.max(maxRef, Math.abs(ref[i])); maxDiff = Math.max(maxDiff, Math.abs(ref[i] - got[i])); }
    assert.ok(maxDiff <= 3e-3 * maxRef, `max|diff| ${maxDiff}, max|ref| ${maxRef}`);
  } finally {
    lite.close();
  }
});
