// Op converters on channel-last inputs: each case puts an op after a Conv (so its input is stored NHWC by the
// layout pass) and checks the converted model on LiteRT against onnxruntime-node. The ONNX node tests feed most
// ops in ONNX layout only; these cover the axis remapping of the other path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { toNumbers } from '../../src/ir/tensor';
import type { Node, Tensor } from '../../src/ir/types';

const X = [1, 3, 5, 6];
const C = 4;

function seq(n: number, f: (i: number) => number): number[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

interface Case {
  name: string;
  /** Nodes from 'c' (the Conv output, [1, 4, 5, 6]) to 'y'. */
  nodes: Node[];
  initializers?: Tensor[];
  opset?: number;
}

const vec = (name: string, v: number[]) => tensor(name, 'float32', [v.length], v);

const CASES: Case[] = [
  { name: 'ArgMax axis 1 keepdims', nodes: [node('ArgMax', ['c'], ['y'], { axis: 1, keepdims: 1 })] },
  { name: 'ArgMin axis 3 last index', nodes: [node('ArgMin', ['c'], ['y'], { axis: 3, keepdims: 0, select_last_index: 1 })] },
  { name: 'InstanceNormalization', nodes: [node('InstanceNormalization', ['c', 's', 'b'], ['y'], { epsilon: 1e-5 })],
    initializers: [vec('s', [1, 2, 0.5, -1]), vec('b', [0, 0.1, -0.2, 3])] },
  { name: 'BatchNormalization, computed statistics', nodes: [node('ReduceMean', ['c'], ['m'], { axes: [0, 2, 3], keepdims: 0 }),
    node('BatchNormalization', ['c', 's', 'b', 'm', 'v'], ['y'])], initializers: [vec('s', [1, 2, 0.5, -1]), vec('b', [0, 0.1, -0.2, 3]),
    vec('v', [1, 2, 3, 4])] },
  { name: 'LayerNormalization axis 1', nodes: [node('LayerNormalization', ['c', 'ls'], ['y'], { axis: 1 })], opset: 17,
    initializers: [tensor('ls', 'float32', [C, 5, 6], seq(C * 30, (i) => 1 + (i % 7) / 10))] },
  { name: 'ReduceL2 over H, W', nodes: [node('ReduceL2', ['c'], ['y'], { axes: [2, 3], keepdims: 0 })] },
  { name: 'ReduceLogSumExp over C', nodes: [node('ReduceLogSumExp', ['c'], ['y'], { axes: [1], keepdims: 1 })] },
  { name: 'Hardmax axis 1', nodes: [node('Hardmax', ['c'], ['y'], { axis: 1 })] },
  { name: 'TopK on C, smallest', nodes: [node('TopK', ['c', 'k'], ['y', 'i'], { axis: 1, largest: 0 })],
    initializers: [tensor('k', 'int64', [1], [2])] },
  { name: 'CumSum axis 2 reverse', nodes: [node('CumSum', ['c', 'ax'], ['y'], { reverse: 1 })], initializers: [tensor('ax', 'int64', [], [2])] },
  { name: 'DepthToSpace CRD', nodes: [node('DepthToSpace', ['c'], ['y'], { blocksize: 2, mode: 'CRD' })] },
  { name: 'Softplus then Selu', nodes: [node('Softplus', ['c'], ['t']), node('Selu', ['t'], ['y'])] },
  { name: 'Trilu upper k=1', nodes: [node('Trilu', ['c', 'tk'], ['y'], { upper: 1 })], opset: 14, initializers: [tensor('tk', 'int64', [], [1])] },
  { name: 'Mod fmod=1', nodes: [node('Mod', ['c', 'd'], ['y'], { fmod: 1 })], initializers: [tensor('d', 'float32', [], [0.7])] },
  { name: 'ConvTranspose stride 2, pads', nodes: [node('ConvTranspose', ['c', 'tw'], ['y'], { strides: [2, 2], pads: [1, 0, 0, 1], output_padding: [1, 1] })],
    initializers: [tensor('tw', 'float32', [C, 2, 3, 3], seq(C * 18, (i) => Math.sin(i)))] },
  { name: 'AveragePool asymmetric pads, count_include_pad=0', nodes: [node('AveragePool', ['c'], ['y'], { kernel_shape: [3, 3], pads: [0, 1, 2, 0] })] },
];

for (const c of CASES) {
  test(`${c.name}: on a channel-last input matches onnxruntime`, async () => {
    const w = tensor('w', 'float32', [C, 3, 1, 1], seq(C * 3, (i) => ((i * 7) % 5) / 2 - 1));
    const model = buildModel({
      inputs: [['x', 'float32', X]], outputs: ['y'], opset: c.opset ?? 13,
      nodes: [node('Conv', ['x', 'w'], ['c']), ...c.nodes], initializers: [w, ...(c.initializers ?? [])],
    });
    const x = tensor('x', 'float32', X, seq(90, (i) => Math.cos(i * 1.3) * 3));
    const want = (await runOnnx(encodeModel(model), [x])).get('y')!;
    const result = convertModel(model);
    assert.equal(result.metadata.inputs[0].perm.join(), '0,2,3,1', 'the Conv input should be channel-last');
    const lite = await openConverted(serializeTflite(result.model));
    try {
      const got = (await lite.run([x])).get('y')!;
      assert.deepEqual(got.dims, want.dims);
      const g = toNumbers(got);
      toNumbers(want).forEach((v, i) => assert.ok(Math.abs(g[i] - v) <= 1e-4 + 1e-3 * Math.abs(v), `element ${i}: ${g[i]} vs ${v}`));
    } finally {
      lite.close();
    }
  });
}
