// 3-D Conv / ConvTranspose (CONV_3D / CONV_3D_TRANSPOSE) against onnxruntime-node on LiteRT, in the cases the
// suites do not cover: auto_pad, asymmetric pads, computed weights and bias, depthwise groups, ConvTranspose with
// output_padding / dilations / output_shape / groups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { toNumbers } from '../../src/ir/tensor';
import type { Tensor } from '../../src/ir/types';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
const size = (d: number[]) => d.reduce((a, b) => a * b, 1);
const X = [1, 4, 5, 6, 7];

interface Case { name: string; op: 'Conv' | 'ConvTranspose'; w: number[]; attrs: Record<string, number | number[] | string>; bias?: boolean;
  computed?: boolean }

const CASES: Case[] = [
  { name: 'auto_pad SAME_UPPER, stride 2', op: 'Conv', w: [6, 4, 3, 3, 3], attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2, 2] }, bias: true },
  { name: 'asymmetric pads, dilations', op: 'Conv', w: [5, 4, 2, 3, 2], attrs: { pads: [0, 1, 2, 1, 0, 1], dilations: [2, 1, 2] } },
  { name: 'depthwise (group 4)', op: 'Conv', w: [8, 1, 3, 1, 3], attrs: { group: 4, pads: [1, 0, 1, 1, 0, 1] }, bias: true },
  { name: 'computed weights and bias', op: 'Conv', w: [3, 4, 1, 3, 3], attrs: { pads: [0, 1, 1, 0, 1, 1] }, bias: true, computed: true },
  { name: 'stride 2, pads, output_padding', op: 'ConvTranspose', w: [4, 3, 3, 3, 3],
    attrs: { strides: [2, 2, 2], pads: [1, 1, 0, 1, 0, 1], output_padding: [1, 0, 1] }, bias: true },
  { name: 'dilations', op: 'ConvTranspose', w: [4, 2, 2, 3, 2], attrs: { dilations: [2, 1, 3] } },
  { name: 'output_shape', op: 'ConvTranspose', w: [4, 2, 3, 3, 3], attrs: { strides: [1, 2, 2], output_shape: [6, 12, 14] } },
  { name: 'computed weights', op: 'ConvTranspose', w: [4, 2, 2, 2, 2], attrs: { strides: [2, 2, 2] }, computed: true },
  // MedNeXt's up block: a depthwise ConvTranspose3d (k 3, stride 2, pads 1); and groups of 2 in / 3 out channels.
  { name: 'depthwise (group 4), stride 2, pads', op: 'ConvTranspose', w: [4, 1, 3, 3, 3],
    attrs: { group: 4, strides: [2, 2, 2], pads: [1, 1, 1, 1, 1, 1] }, bias: true },
  { name: 'group 2, output_padding', op: 'ConvTranspose', w: [4, 3, 2, 3, 2],
    attrs: { group: 2, strides: [1, 2, 2], output_padding: [0, 1, 0] }, bias: true },
];

for (const c of CASES) {
  test(`3-D ${c.op}, ${c.name}: LiteRT matches onnxruntime, no TRANSPOSE on the data path`, async () => {
    const cout = c.op === 'Conv' ? c.w[0] : c.w[1] * (Number(c.attrs.group ?? 1));
    const wv = seq(size(c.w), (i) => Math.sin(i * 0.77) * 0.5);
    const bv = seq(cout, (i) => i / 10 - 0.2);
    const inputs: [string, 'float32', number[]][] = [['x', 'float32', X]];
    if (c.computed) inputs.push(['wi', 'float32', c.w], ['bi', 'float32', [cout]]);
    const nodes = c.computed ? [node('Neg', ['wi'], ['w']), node('Neg', ['bi'], ['b'])] : [];
    nodes.push(node(c.op, ['x', 'w', ...(c.bias ? ['b'] : [])], ['y'], c.attrs));
    const init: Tensor[] = c.computed ? [] : [tensor('w', 'float32', c.w, wv), tensor('b', 'float32', [cout], bv)];
    const model = buildModel({ inputs, outputs: ['y'], opset: 13, nodes, initializers: init });
    const feeds = [tensor('x', 'float32', X, seq(size(X), (i) => Math.cos(i * 0.31) * 2)),
      ...(c.computed ? [tensor('wi', 'float32', c.w, wv), tensor('bi', 'float32', [cout], bv)] : [])];
    const want = (await runOnnx(encodeModel(model), feeds)).get('y')!;
    const r = convertModel(model);
    if (!c.computed) assert.equal(r.transposeCount, 0);
    const lite = await openConverted(serializeTflite(r.model));
    try {
      const got = (await lite.run(feeds)).get('y')!;
      assert.deepEqual(got.dims, want.dims);
      const g = toNumbers(got);
      toNumbers(want).forEach((v, i) => assert.ok(Math.abs(g[i] - v) <= 1e-4 + 1e-4 * Math.abs(v), `element ${i}: ${g[i]} vs ${v}`));
    } finally {
      lite.close();
    }
  });
}
