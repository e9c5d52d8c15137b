// Weight norm exported without PyTorch's constant folding (`do_constant_folding=False`; wav2vec2's positional conv):
// the Conv's weight is g · v / ReduceL2(v) over initializers. Every node of that chain has constant inputs, so the
// converter folds it (src/ir/fold.ts: the Reduce* family, and size-keeping ops at any weight size) and the grouped
// Conv reads a constant weight; before, ReduceL2 did not fold and the grouped Conv was refused ("computed weights").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const C = 8, G = 4, K = 5, T = 20;

for (const [label, opset] of [['axes attribute', 17], ['axes input', 18]] as const) {
  test(`weight-norm grouped Conv1d (opset ${opset}, ReduceL2 ${label}): the weight folds, converts and matches onnxruntime`, async () => {
    const axes = opset >= 18 ? [tensor('axes', 'int64', [2], [0, 1])] : [];
    const model = buildModel({
      opset, inputs: [['x', 'float32', [1, C, T]]], outputs: ['y'],
      initializers: [
        tensor('v', 'float32', [C, C / G, K], waveValues(C * (C / G) * K, 3)),
        tensor('g', 'float32', [1, 1, K], waveValues(K, 7).map((a) => a + 1)),
        tensor('b', 'float32', [C], waveValues(C, 11)), ...axes,
      ],
      nodes: [
        node('ReduceL2', opset >= 18 ? ['v', 'axes'] : ['v'], ['norm'], opset >= 18 ? { keepdims: 1 } : { axes: [0, 1], keepdims: 1 }),
        node('Div', ['v', 'norm'], ['dir']), node('Mul', ['dir', 'g'], ['w']),
        node('Conv', ['x', 'w', 'b'], ['y'], { group: G, kernel_shape: [K], pads: [K >> 1, K >> 1] }),
      ],
    });
    const m = await matchBuilt(model, `weight-norm-${opset}`, 5);
    const h = m.result.opHistogram;
    assert.equal((h.DIV ?? 0) + (h.MUL ?? 0) + (h.SQRT ?? 0) + (h.SUM ?? 0), 0, JSON.stringify(h));
  });
}
