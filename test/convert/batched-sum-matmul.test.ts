// KPConv's kernel-point convolution (eighteenth sweep): weighted neighbourhood features [n, K, C] moved to [K, n, C]
// (`.permute(1, 0, 2)`), a MatMul by the kernel points' weights [K, C, O], summed over K. It took a TRANSPOSE a layer
// (KPConv 4); as the rows viewed [n, K·C] times the weights viewed [K·C, O] (simplify-batched-sum.ts), none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const [N, K, C, O] = [6, 5, 4, 3];

function model(opset: number) {
  const sum = opset >= 13
    ? node('ReduceSum', ['p', 'axes'], ['y'], { keepdims: 0 })
    : node('ReduceSum', ['p'], ['y'], { axes: [0], keepdims: 0 });
  return buildModel({
    inputs: [['x', 'float32', [N, K, C]]], outputs: ['y'], opset,
    nodes: [node('Relu', ['x'], ['r']), node('Transpose', ['r'], ['t'], { perm: [1, 0, 2] }), node('MatMul', ['t', 'w'], ['p']), sum],
    initializers: [tensor('w', 'float32', [K, C, O], waveValues(K * C * O, 1)), ...(opset >= 13 ? [tensor('axes', 'int64', [1], [0])] : [])],
  });
}

for (const opset of [11, 13]) {
  test(`per-kernel-point products summed over the kernel points (opset ${opset}): one MatMul, no TRANSPOSE, matches onnxruntime`, async () => {
    const m = await matchBuilt(model(opset), `batched-sum-${opset}`, 2);
    assert.equal(m.result.transposeCount, 0);
  });
}
