// A Transpose whose output is only split: done once in ONNX order when the lazy layout would be neither ONNX order
// nor channel-last (attention's stacked q, k, v), left lazy otherwise — an NHWC input transposed to NCHW and split
// into two Convs needs no TRANSPOSE at all. Both match onnxruntime on LiteRT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { toNumbers } from '../../src/ir/tensor';
import type { Model, Tensor } from '../../src/ir/types';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

async function check(model: Model, x: Tensor, transposes: number): Promise<void> {
  const want = await runOnnx(encodeModel(model), [x]);
  const r = convertModel(model);
  assert.equal(r.transposeCount, transposes, JSON.stringify(r.opHistogram));
  const lite = await openConverted(serializeTflite(r.model));
  try {
    const got = await lite.run([x]);
    for (const [name, w] of want) {
      const g = toNumbers(got.get(name)!);
      toNumbers(w).forEach((v, i) => assert.ok(Math.abs(g[i] - v) <= 1e-5 + 1e-4 * Math.abs(v), `${name}[${i}]: ${g[i]} vs ${v}`));
    }
  } finally {
    lite.close();
  }
}

test('NHWC input → Transpose to NCHW → Split → two Convs: no TRANSPOSE', async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [1, 4, 5, 6]]], outputs: ['y0', 'y1'], opset: 13,
    nodes: [node('Transpose', ['x'], ['t'], { perm: [0, 3, 1, 2] }), node('Split', ['t', 'sp'], ['a', 'b'], { axis: 1 }),
      node('Conv', ['a', 'w'], ['y0']), node('Conv', ['b', 'w'], ['y1'])],
    initializers: [tensor('sp', 'int64', [2], [3, 3]), tensor('w', 'float32', [2, 3, 1, 1], seq(6, (i) => i / 3 - 0.7))],
  });
  await check(model, tensor('x', 'float32', [1, 4, 5, 6], seq(120, (i) => Math.sin(i))), 0);
});

test('stacked q, k, v [L, 3, H, d] → Transpose [1, 2, 0, 3] → Gather each → MatMul: one TRANSPOSE for the three', async () => {
  const [L, H, d] = [5, 2, 3];
  const model = buildModel({
    inputs: [['x', 'float32', [L, 3, H, d]]], outputs: ['y'], opset: 13,
    nodes: [node('Transpose', ['x'], ['t'], { perm: [1, 2, 0, 3] }),
      node('Gather', ['t', 'i0'], ['q'], { axis: 0 }), node('Gather', ['t', 'i1'], ['k'], { axis: 0 }),
      node('Gather', ['t', 'i2'], ['v'], { axis: 0 }), node('Transpose', ['k'], ['kt'], { perm: [0, 2, 1] }),
      node('MatMul', ['q', 'kt'], ['s']), node('Softmax', ['s'], ['p'], { axis: -1 }), node('MatMul', ['p', 'v'], ['y'])],
    initializers: [tensor('i0', 'int64', [], [0]), tensor('i1', 'int64', [], [1]), tensor('i2', 'int64', [], [2])],
  });
  await check(model, tensor('x', 'float32', [L, 3, H, d], seq(L * 3 * H * d, (i) => Math.cos(i * 0.7))), 1);
});
