// 3-D pooling (two 2-D pools over reshaped NDHWC tensors) and dilated pooling (strided slices) against
// onnxruntime-node on LiteRT, including the pad / ceil_mode / count_include_pad cases the suites do not cover.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { toNumbers } from '../../src/ir/tensor';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

const CASES: { name: string; op: 'MaxPool' | 'AveragePool'; x: number[]; attrs: Record<string, number | number[]>; opset?: number }[] = [
  { name: '3-D max, pads, strides', op: 'MaxPool', x: [1, 3, 5, 6, 7], attrs: { kernel_shape: [3, 3, 3], strides: [2, 1, 2], pads: [1, 0, 1, 1, 1, 0] } },
  { name: '3-D max, ceil_mode', op: 'MaxPool', x: [1, 2, 5, 5, 6], attrs: { kernel_shape: [2, 2, 2], strides: [2, 2, 2], ceil_mode: 1 } },
  { name: '3-D average, pads, count_include_pad=0', op: 'AveragePool', x: [1, 3, 4, 6, 5], attrs: { kernel_shape: [3, 3, 3], pads: [1, 1, 1, 1, 1, 1] } },
  { name: '3-D average, asymmetric pads, count_include_pad=1', op: 'AveragePool', x: [1, 2, 5, 6, 6],
    attrs: { kernel_shape: [2, 3, 3], strides: [1, 2, 2], pads: [0, 1, 0, 1, 1, 2], count_include_pad: 1 } },
  { name: '3-D average, temporal only', op: 'AveragePool', x: [1, 4, 6, 3, 3], attrs: { kernel_shape: [3, 1, 1], strides: [2, 1, 1] } },
  { name: '1-D max, dilation 3, pads', op: 'MaxPool', x: [2, 3, 17], attrs: { kernel_shape: [3], dilations: [3], pads: [2, 1], strides: [2] } },
  { name: '2-D max, dilations, ceil_mode', op: 'MaxPool', x: [1, 3, 9, 10], attrs: { kernel_shape: [2, 3], dilations: [2, 2], strides: [2, 2], ceil_mode: 1 } },
  { name: '3-D max, dilations', op: 'MaxPool', x: [1, 2, 6, 7, 7], attrs: { kernel_shape: [2, 2, 2], dilations: [2, 1, 3], pads: [1, 1, 1, 0, 1, 1] } },
  { name: '2-D average, dilations, pads', op: 'AveragePool', x: [1, 2, 8, 9], attrs: { kernel_shape: [3, 2], dilations: [2, 3], pads: [2, 1, 1, 1] }, opset: 19 },
  { name: '2-D average, dilations, count_include_pad=1', op: 'AveragePool', x: [1, 2, 8, 9],
    attrs: { kernel_shape: [3, 3], dilations: [2, 2], pads: [1, 1, 2, 2], count_include_pad: 1 }, opset: 19 },
];

for (const c of CASES) {
  test(`${c.op} ${c.name}: LiteRT matches onnxruntime`, async () => {
    const rank = c.x.length;
    const k = rank - 2;
    // A Conv in front so that the pool's input is stored channel-last, as in real models.
    const w = tensor('w', 'float32', [c.x[1], c.x[1], ...new Array<number>(k).fill(1)], seq(c.x[1] ** 2, (i) => ((i * 3) % 5) / 2 - 0.7));
    const model = buildModel({ inputs: [['x', 'float32', c.x]], outputs: ['y'], opset: c.opset ?? 13,
      nodes: [node('Conv', ['x', 'w'], ['c']), node(c.op, ['c'], ['y'], c.attrs)], initializers: [w] });
    const n = c.x.reduce((a, b) => a * b, 1);
    const x = tensor('x', 'float32', c.x, seq(n, (i) => Math.sin(i * 0.91) * 3 + Math.cos(i * 0.13)));
    const want = (await runOnnx(encodeModel(model), [x])).get('y')!;
    const r = convertModel(model);
    assert.equal(r.transposeCount, 0);
    const lite = await openConverted(serializeTflite(r.model));
    try {
      const got = (await lite.run([x])).get('y')!;
      assert.deepEqual(got.dims, want.dims);
      const g = toNumbers(got);
      toNumbers(want).forEach((v, i) => assert.ok(Math.abs(g[i] - v) <= 1e-5 + 1e-5 * Math.abs(v), `element ${i}: ${g[i]} vs ${v}`));
    } finally {
      lite.close();
    }
  });
}

const INDICES: { name: string; x: number[]; attrs: Record<string, number | number[]> }[] = [
  { name: '2-D, pads, strides, ceil_mode, batch 2', x: [2, 3, 7, 6], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 0], ceil_mode: 1 } },
  { name: '2-D, storage_order 1', x: [1, 2, 6, 5], attrs: { kernel_shape: [2, 2], strides: [2, 1], storage_order: 1 } },
  { name: '1-D, dilation 2', x: [1, 3, 11], attrs: { kernel_shape: [3], dilations: [2], pads: [1, 1] } },
  { name: '3-D', x: [1, 2, 4, 5, 5], attrs: { kernel_shape: [2, 3, 3], strides: [2, 2, 2], pads: [0, 1, 1, 0, 1, 1] } },
];

for (const c of INDICES) {
  test(`MaxPool with Indices, ${c.name}: values and indices match onnxruntime on LiteRT`, async () => {
    const model = buildModel({ inputs: [['x', 'float32', c.x]], outputs: ['y', 'z'], opset: 12,
      nodes: [node('Relu', ['x'], ['r']), node('MaxPool', ['r'], ['y', 'z'], c.attrs)] });
    const n = c.x.reduce((a, b) => a * b, 1);
    // Distinct values, so that the index of the maximum is well defined (ties are kept by onnxruntime's first).
    const x = tensor('x', 'float32', c.x, seq(n, (i) => Math.sin(i * 1.37) * 5 + i * 1e-3));
    const want = await runOnnx(encodeModel(model), [x]);
    const lite = await openConverted(serializeTflite(convertModel(model).model));
    try {
      const got = await lite.run([x]);
      for (const k of ['y', 'z']) {
        assert.deepEqual(got.get(k)!.dims, want.get(k)!.dims);
        assert.deepEqual(toNumbers(got.get(k)!), toNumbers(want.get(k)!), k);
      }
    } finally {
      lite.close();
    }
  });
}
