// ONNX HardSigmoid with any alpha / beta (Paddle's 0.2 / 0.5 in PP-OCR's SE blocks) is MUL, ADD with a fused RELU6,
// MUL by 1/6: no MINIMUM / MAXIMUM, which XNNPack has no int8 kernel for (in an int8 model each split the delegated
// graph and ran on TFLite's kernel). Same values as onnxruntime in float32; in int8 every op stays int8.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { quantizeModelBytes } from '../../src/quantize/file';
import { runOnnx } from '../../src/runtime/ort';
import { cosine, relMaxDiff, rng, runFirstOutput } from '../quantize/helpers';

function seModel(alpha: number, beta: number): Uint8Array {
  const r = rng(3);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 8, 10, 10]]], outputs: [['y', 'float32', [1, 16, 10, 10]]],
    initializers: [tensor('w', 'float32', [16, 8, 3, 3], w(1152, 0.6)), tensor('b', 'float32', [16], w(16, 0.4))],
    nodes: [
      node('Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 1, 1, 1] }),
      node('HardSigmoid', ['c'], ['y'], { alpha, beta }),
    ],
  }));
}

const input = (): Tensor => ({ name: 'x', dtype: 'float32', dims: [1, 8, 10, 10], data: Float32Array.from({ length: 800 }, rng(9)) });
// (uniform [0, 1): what int8's default random calibration samples are)

for (const [alpha, beta] of [[0.2, 0.5], [1 / 6, 0.5], [0.3, 0.1]]) {
  test(`HardSigmoid alpha ${alpha.toFixed(3)} beta ${beta}: no MINIMUM / MAXIMUM, matches onnxruntime; int8 keeps every op int8`, async () => {
    const bytes = seModel(alpha, beta);
    const c = convertModel(decodeModel(bytes));
    assert.equal((c.opHistogram.MINIMUM ?? 0) + (c.opHistogram.MAXIMUM ?? 0), 0, JSON.stringify(c.opHistogram));
    const x = input();
    const ref = (await runOnnx(bytes, [x])).get('y')!.data as Float32Array;
    const got = await runFirstOutput(c.model, [x]);
    assert.ok(relMaxDiff(got, ref) <= 1e-5, `float32: ${relMaxDiff(got, ref)}`);
    const q = await quantizeModelBytes(bytes, 'se.onnx', {}, { mode: 'int8', weightRounding: 'nearest', int16: 'off', allowDegraded: true });
    const sg = q.result.model.subgraphs[0];
    const inner = sg.operators.filter((op) => op.opcode !== 'QUANTIZE' && op.opcode !== 'DEQUANTIZE');
    assert.ok(inner.every((op) => sg.tensors[op.outputs[0]].type === 'INT8'), inner.map((op) => `${op.opcode}:${sg.tensors[op.outputs[0]].type}`).join(' '));
    assert.equal((q.result.opHistogram.MINIMUM ?? 0) + (q.result.opHistogram.MAXIMUM ?? 0), 0);
    const qy = await runFirstOutput(q.result.model, [x]);
    assert.ok(cosine(qy, ref) > 0.99, `int8 cosine ${cosine(qy, ref)}`);
  });
}
