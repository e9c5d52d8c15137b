// Ops and forms newer than ONNX 1.12's node tests (opsets 18–21) and common onnxruntime contrib ops:
// inferred output shapes against onnxruntime on small built models.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inferShapes } from '../../src/ir/shapes/index';
import { makeTensor } from '../../src/ir/tensor';
import { DType, Tensor } from '../../src/ir/types';
import { AttrInput, buildModel, node, tensor } from '../../src/onnx/builder';
import { runAllValues } from '../helpers/ort';

interface Case {
  op: string; opset: number; domain?: string;
  inputs: [string, DType, number[]][];
  consts?: Tensor[];
  attrs?: Record<string, AttrInput>;
  outputs?: number;
}

const CASES: Case[] = [
  { op: 'ReduceMean', opset: 18, inputs: [['x', 'float32', [2, 3, 4]]], consts: [tensor('axes', 'int64', [1], [1])], attrs: { keepdims: 0 } },
  { op: 'ReduceMax', opset: 18, inputs: [['x', 'float32', [2, 3, 4]]], consts: [tensor('axes', 'int64', [2], [0, -1])] },
  { op: 'Pad', opset: 18, inputs: [['x', 'float32', [2, 3, 4]]], consts: [tensor('pads', 'int64', [4], [1, 0, 2, 3]), tensor('', 'float32', [], [0]), tensor('axes', 'int64', [2], [0, 2])] },
  { op: 'Split', opset: 18, inputs: [['x', 'float32', [2, 7]]], attrs: { axis: 1, num_outputs: 3 }, outputs: 3 },
  { op: 'Resize', opset: 18, inputs: [['x', 'float32', [1, 1, 4, 6]]], consts: [tensor('', 'float32', [0], []), tensor('', 'float32', [0], []), tensor('sizes', 'int64', [2], [8, 8])], attrs: { axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' } },
  { op: 'CenterCropPad', opset: 18, inputs: [['x', 'float32', [5, 7, 3]]], consts: [tensor('s', 'int64', [2], [4, 9])], attrs: { axes: [0, 1] } },
  { op: 'Col2Im', opset: 18, inputs: [['x', 'float32', [1, 5, 9]]], consts: [tensor('image', 'int64', [2], [3, 7]), tensor('block', 'int64', [2], [1, 5])] },
  { op: 'BitwiseAnd', opset: 18, inputs: [['a', 'int32', [3, 1]], ['b', 'int32', [4]]] },
  { op: 'GroupNormalization', opset: 21, inputs: [['x', 'float32', [2, 4, 3, 3]], ['s', 'float32', [4]], ['b', 'float32', [4]]], attrs: { num_groups: 2 } },
  { op: 'AffineGrid', opset: 20, inputs: [['theta', 'float32', [2, 2, 3]]], consts: [tensor('size', 'int64', [4], [2, 3, 5, 6])] },
  { op: 'DeformConv', opset: 19, inputs: [['x', 'float32', [1, 2, 5, 5]], ['w', 'float32', [3, 2, 3, 3]], ['off', 'float32', [1, 18, 3, 3]]] },
  { op: 'Shape', opset: 15, inputs: [['x', 'float32', [2, 3, 4, 5]]], attrs: { start: -3, end: -1 } },
  { op: 'Gelu', opset: 20, inputs: [['x', 'float32', [2, 3]]] },
  { op: 'Gelu', opset: 13, domain: 'com.microsoft', inputs: [['x', 'float32', [2, 3]]] },
  { op: 'ConvTranspose', opset: 13, inputs: [['x', 'float32', [1, 2, 4, 5]], ['w', 'float32', [2, 3, 3, 3]]], attrs: { strides: [2, 3], pads: [1, 0, 1, 1], output_padding: [1, 2], dilations: [1, 2], group: 1 } },
  { op: 'MaxPool', opset: 13, inputs: [['x', 'float32', [1, 1, 7, 8]]], attrs: { kernel_shape: [3, 2], strides: [2, 3], ceil_mode: 1, dilations: [2, 1] }, outputs: 2 },
  { op: 'AveragePool', opset: 13, inputs: [['x', 'float32', [1, 2, 9, 9]]], attrs: { kernel_shape: [4, 4], strides: [3, 3], auto_pad: 'SAME_LOWER' } },
  { op: 'Einsum', opset: 13, inputs: [['a', 'float32', [2, 3, 4]], ['b', 'float32', [2, 4, 5]]], attrs: { equation: 'bij,bjk->bik' } },
  { op: 'Einsum', opset: 13, inputs: [['a', 'float32', [5, 2, 3]], ['b', 'float32', [3, 4]]], attrs: { equation: '...ij,jk' } },
];

for (const [k, c] of CASES.entries()) {
  test(`case ${k}: ${c.domain ? c.domain + '.' : ''}${c.op} (opset ${c.opset}): inferred shapes equal onnxruntime's`, async () => {
    const consts = (c.consts ?? []).map((t, i) => ({ ...t, name: t.dims.length === 1 && t.dims[0] === 0 && t.dtype === 'float32' && !t.name ? '' : `c${i}` }));
    const outs = Array.from({ length: c.outputs ?? 1 }, (_, i) => `y${i}`);
    const n = node(c.op, [...c.inputs.map((i) => i[0]), ...consts.map((t) => t.name)], outs, c.attrs);
    n.domain = c.domain ?? '';
    const model = buildModel({ opset: c.opset, infer: false, nodes: [n], inputs: c.inputs, outputs: outs, initializers: consts.filter((t) => t.name) });
    if (c.domain) model.opsets.set(c.domain, 1);
    assert.deepEqual(inferShapes(model).warnings, []);
    const values = outs.map((o) => model.graph.values.get(o)!);
    const feeds = Object.fromEntries(c.inputs.map(([name, dtype, dims]) => [name, makeTensor(name, dtype, dims, new Array(dims.reduce((a, b) => a * b, 1)).fill(1))]));
    const actual = await runAllValues(model, feeds, values);
    for (const v of values) assert.deepEqual({ dtype: v.dtype, shape: v.shape }, { dtype: actual.get(v.name)!.dtype, shape: actual.get(v.name)!.dims }, v.name);
  });
}
