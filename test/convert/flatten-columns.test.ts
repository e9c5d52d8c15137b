// A flatten of a channel-last map read only by matrix products with constant weights (a classifier's or an R-CNN box
// head's flatten → Gemm / MatMul): src/convert/flatten-columns.ts reads the stored NHWC order and permutes the
// weights' input rows, so no TRANSPOSE (nor the GATHER of permuted columns that reorders a flatten others read too)
// is written; LiteRT matches onnxruntime-node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { storedColumns } from '../../src/convert/flatten-columns';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { toFloat32 } from '../../src/ir/tensor';
import type { Model } from '../../src/ir/types';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

/** Conv [1,3,8,8] → [1,4,6,6] → Relu → `head` nodes reading 'r' (flattened to 144 columns) → 'y'. */
function model(head: ReturnType<typeof node>[], inits: ReturnType<typeof tensor>[], outputs = ['y']): Model {
  return buildModel({
    opset: 13,
    inputs: [['x', 'float32', [1, 3, 8, 8]]],
    outputs,
    initializers: [tensor('w', 'float32', [4, 3, 3, 3], seq(108, (i) => Math.sin(i * 0.7) * 0.4)), ...inits],
    nodes: [node('Conv', ['x', 'w'], ['c']), node('Relu', ['c'], ['r']), ...head],
  });
}

async function movesAndMatch(m: Model): Promise<string> {
  const r = convertModel(m);
  const x = tensor('x', 'float32', [1, 3, 8, 8], seq(192, (i) => Math.cos(i * 0.31)));
  const want = await runOnnx(encodeModel(m), [x]);
  const lite = await openConverted(serializeTflite(r.model));
  try {
    const got = await lite.run([x]);
    for (const [name, w] of want) {
      const a = toFloat32(w);
      const b = toFloat32(got.get(name)!);
      const max = a.reduce((p, v) => Math.max(p, Math.abs(v)), 0);
      a.forEach((v, i) => assert.ok(Math.abs(b[i] - v) <= 1e-5 * max, `${name}[${i}]: ${b[i]} vs ${v}`));
    }
  } finally {
    lite.close();
  }
  return `${r.opHistogram.TRANSPOSE ?? 0} TRANSPOSE, ${r.opHistogram.GATHER ?? 0} GATHER`;
}

test('storedColumns: the ONNX column of each NHWC-ordered element of a [N, 2, 2, 3] map', () => {
  // ONNX flat index c·6 + h·3 + w; stored order h, w, c.
  assert.deepEqual([...storedColumns([1, 2, 2, 3], [0, 2, 3, 1])], [0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11]);
});

test('Flatten → Gemm (transB = 1) and Reshape → MatMul read the NHWC map as stored: no TRANSPOSE or GATHER, same results', async () => {
  const gemm = model([node('Flatten', ['r'], ['f']), node('Gemm', ['f', 'fc', 'fb'], ['y'], { transB: 1 })],
    [tensor('fc', 'float32', [10, 144], seq(1440, (i) => Math.sin(i * 0.013) * 0.2)), tensor('fb', 'float32', [10], seq(10, (i) => i * 0.1))]);
  assert.equal(await movesAndMatch(gemm), '0 TRANSPOSE, 0 GATHER');
  const matmul = model([node('Reshape', ['r', 'shape'], ['f']), node('MatMul', ['f', 'fc'], ['y'])],
    [tensor('shape', 'int64', [2], [1, -1]), tensor('fc', 'float32', [144, 10], seq(1440, (i) => Math.cos(i * 0.017) * 0.2))]);
  assert.equal(await movesAndMatch(matmul), '0 TRANSPOSE, 0 GATHER');
});

test('a flatten also read by another op is reordered by a GATHER of its columns, same results', async () => {
  const both = model([node('Flatten', ['r'], ['f']), node('Gemm', ['f', 'fc'], ['y'], { transB: 1 }), node('Sigmoid', ['f'], ['s'])],
    [tensor('fc', 'float32', [10, 144], seq(1440, (i) => Math.sin(i * 0.013) * 0.2))], ['y', 's']);
  assert.equal(await movesAndMatch(both), '0 TRANSPOSE, 1 GATHER');
});

test('two flattens multiplied into a Gemm, each also read by its own Gemm (SSR-Net\'s stage features): stored order, no GATHER', async () => {
  // r (the Relu of the conv) and s (a second conv's Tanh): flatten(r) · flatten(s) → Gemm, flatten(r) → Gemm,
  // flatten(s) → Gemm; and a Sub of the two flattens (Add / Sub too) into a MatMul.
  const fc = (name: string, rows: number, f: number) => tensor(name, 'float32', [rows, 144], seq(rows * 144, (i) => Math.sin(i * f) * 0.2));
  const m = model([
    node('Conv', ['x', 'w2'], ['c2']), node('Tanh', ['c2'], ['s']),
    node('Reshape', ['r', 'shape'], ['fr']), node('Reshape', ['s', 'shape'], ['fs']),
    node('Mul', ['fr', 'fs'], ['prod']), node('Gemm', ['prod', 'fc1', 'b3'], ['y'], { transB: 1 }),
    node('Gemm', ['fr', 'fc2', 'b3'], ['y2'], { transB: 1 }), node('Gemm', ['fs', 'fc3', 'b3'], ['y3'], { transB: 1 }),
    node('Sub', ['fs', 'fr'], ['diff']), node('MatMul', ['diff', 'fc4'], ['y4']),
  ], [tensor('w2', 'float32', [4, 3, 3, 3], seq(108, (i) => Math.cos(i * 0.3) * 0.4)), tensor('shape', 'int64', [2], [1, -1]),
    fc('fc1', 3, 0.011), fc('fc2', 3, 0.021), fc('fc3', 3, 0.017), tensor('b3', 'float32', [3], [0.1, -0.2, 0.3]),
    tensor('fc4', 'float32', [144, 2], seq(288, (i) => Math.cos(i * 0.05) * 0.2))], ['y', 'y2', 'y3', 'y4']);
  assert.equal(await movesAndMatch(m), '0 TRANSPOSE, 0 GATHER');
});

test('a flatten multiplied with one read by something else than a product keeps the GATHER, same results', async () => {
  const m = model([
    node('Conv', ['x', 'w2'], ['c2']), node('Reshape', ['r', 'shape'], ['fr']), node('Reshape', ['c2', 'shape'], ['fs']),
    node('Mul', ['fr', 'fs'], ['prod']), node('Gemm', ['prod', 'fc1'], ['y'], { transB: 1 }), node('Relu', ['fs'], ['y2']),
  ], [tensor('w2', 'float32', [4, 3, 3, 3], seq(108, (i) => Math.cos(i * 0.3) * 0.4)), tensor('shape', 'int64', [2], [1, -1]),
    tensor('fc1', 'float32', [3, 144], seq(432, (i) => Math.sin(i * 0.011) * 0.2))], ['y', 'y2']);
  assert.match(await movesAndMatch(m), /GATHER/);
});

// onnxruntime's FusedGemm (level extended folds the Relu after Faster R-CNN's box-head Gemm into it) is such a
// product too: it was not, so the box head's flatten moved the pooled map back to ONNX order (1 TRANSPOSE; 0 at op17;
// here, without that fix, a GATHER of the columns).
test('Flatten → com.microsoft FusedGemm (Relu) reads the NHWC map as stored: no TRANSPOSE or GATHER, same results', async () => {
  const fused = model([node('Flatten', ['r'], ['f']), { ...node('FusedGemm', ['f', 'fc', 'fb'], ['y'], { transB: 1, activation: 'Relu' }), domain: 'com.microsoft' }],
    [tensor('fc', 'float32', [10, 144], seq(1440, (i) => Math.sin(i * 0.013) * 0.2)), tensor('fb', 'float32', [10], seq(10, (i) => i * 0.1 - 0.3))]);
  fused.opsets.set('com.microsoft', 1);
  assert.equal(await movesAndMatch(fused), '0 TRANSPOSE, 0 GATHER');
});
