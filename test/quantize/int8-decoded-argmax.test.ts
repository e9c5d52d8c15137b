// A map decoded at its arg-max stays float32 from its layer to the decode (int8-decoded-argmax.ts). FCPE (twenty-sixth
// sweep) was refused at output cosine 0.9576: int8's 1/256 step on the salience ties near-equal bins, the ARG_MAX picks
// another one and the salience-weighted cents around it move. Here FCPE's local-argmax decoding in small: a hidden
// layer, a salience layer with a sigmoid over 64 bins, the ARG_MAX per frame, the ±2 bins around it (clamped) read back
// from the map and from a cents table, their weighted mean, f0 = 10·2^(c/1200); judged per frame against onnxruntime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { decodedArgMaxOps } from '../../src/quantize/int8-decoded-argmax';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { floats, rng } from './helpers';

const T = 32; const D = 16; const B = 64;
const r = rng(12);
const w = (n: number, s: number) => Array.from({ length: n }, () => (2 * r() - 1) * s);

function localArgMax(): Uint8Array {
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, T, D]]], outputs: ['f0'], opset: 13,
    nodes: [
      node('MatMul', ['x', 'w0'], ['h0']), node('Relu', ['h0'], ['h']), node('MatMul', ['h', 'w1'], ['l0']), node('Add', ['l0', 'b1'], ['l']),
      node('Sigmoid', ['l'], ['sal']), node('ArgMax', ['sal'], ['top'], { axis: -1, keepdims: 1 }),
      node('Add', ['top', 'offsets'], ['near']), node('Clip', ['near', 'lo', 'hi'], ['bins']),
      node('GatherElements', ['sal', 'bins'], ['g'], { axis: 2 }), node('Gather', ['cents', 'bins'], ['c']),
      node('Mul', ['g', 'c'], ['gc']), node('ReduceSum', ['gc', 'ax'], ['num'], { keepdims: 1 }), node('ReduceSum', ['g', 'ax'], ['den'], { keepdims: 1 }),
      node('Div', ['num', 'den'], ['mean']), node('Div', ['mean', 'c1200'], ['oct']), node('Pow', ['two', 'oct'], ['ratio']), node('Mul', ['ratio', 'ten'], ['f0']),
    ],
    initializers: [
      tensor('w0', 'float32', [D, D], w(D * D, 0.5)), tensor('w1', 'float32', [D, B], w(D * B, 0.5)), tensor('b1', 'float32', [B], w(B, 0.2)),
      tensor('offsets', 'int64', [5], [-2, -1, 0, 1, 2]), tensor('lo', 'int64', [], [0]), tensor('hi', 'int64', [], [B - 1]),
      tensor('cents', 'float32', [B], Array.from({ length: B }, (_, i) => 1997 + 100 * i)), tensor('ax', 'int64', [1], [2]),
      tensor('c1200', 'float32', [], [1200]), tensor('two', 'float32', [], [2]), tensor('ten', 'float32', [], [10]),
    ],
  }));
}

test('a salience map decoded at its arg-max keeps float32 from its layer: the decoded pitch is onnxruntime\'s', async () => {
  const bytes = localArgMax();
  const { result } = await quantizeModelBytes(bytes, 'fcpe.onnx', {}, { mode: 'int8', int16: 'off', weightRounding: 'nearest', allowDegraded: true });
  const lite = await openConverted(serializeTflite(result.model));
  const x = rng(44);
  let within = 0, frames = 0;
  try {
    for (let s = 0; s < 8; s++) {
      const input = tensor('x', 'float32', [1, T, D], Array.from({ length: T * D }, () => x()));
      const want = floats((await runOnnx(bytes, [input])).get('f0')!);
      const got = floats((await lite.run([input])).get('f0')!);
      for (let i = 0; i < T; i++) { frames++; if (Math.abs(1200 * Math.log2(got[i] / want[i])) < 10) within++; }
    }
  } finally { lite.close(); }
  // Without the rule (int8 salience, ARG_MAX and decode): 116 / 256 frames within 10 cents; with it 255.
  assert.ok(within >= frames - 4, `${within} / ${frames} frames within 10 cents of onnxruntime's f0`);
  const sg = result.model.subgraphs[0];
  const arg = sg.operators.find((op) => op.opcode === 'ARG_MAX')!;
  assert.equal(sg.tensors[arg.inputs[0]].type, 'FLOAT32', 'the ARG_MAX reads a float map');
});

test('an arg-max whose index is not read back from its map (a class id) is left alone', () => {
  const f = (name: string, shape: number[], type = 'FLOAT32') => ({ name, shape, type });
  const c = (name: string, shape: number[], type = 'FLOAT32') => ({ name, shape, type, data: new Uint8Array(4 * shape.reduce((a, b) => a * b, 1)) });
  const sg = (readBack: boolean) => ({
    tensors: [f('x', [1, 4]), c('w', [8, 4]), f('m', [1, 8]), f('s', [1, 8]), c('axis', [], 'INT32'), f('i', [1], 'INT32'), f('g', [1])],
    operators: [{ opcode: 'FULLY_CONNECTED', inputs: [0, 1, -1], outputs: [2] }, { opcode: 'LOGISTIC', inputs: [2], outputs: [3] },
      { opcode: 'ARG_MAX', inputs: [3, 4], outputs: [5] }, ...readBack ? [{ opcode: 'GATHER', inputs: [3, 5], outputs: [6] }] : []],
    inputs: [0], outputs: readBack ? [6] : [5],
  });
  assert.deepEqual([...decodedArgMaxOps(sg(true) as never)].sort(), [0, 1, 2, 3]);
  assert.equal(decodedArgMaxOps(sg(false) as never).size, 0);
});
