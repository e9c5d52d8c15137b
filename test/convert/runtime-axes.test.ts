// Squeeze / Unsqueeze whose axes are a graph input (PyTorch 1.12's opset-13 export of `x.squeeze(dim)`, onnx2tf's
// Squeeze_var_13 / Unsqueeze_var_13): the converter writes the declared output shape, which fixes the axes, and now
// warns that other axes fed at run time are ignored (src/convert/ops/_runtime-axes.ts); frozen with --input-value, or
// constant, no warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import type { DType } from '../../src/ir/types';

function graph(op: 'Squeeze' | 'Unsqueeze', constant = false) {
  const [x, y] = op === 'Squeeze' ? [[1, 2, 3], [2, 3]] : [[2, 3, 4], [2, 1, 3, 4]];
  return buildModel({
    inputs: [['x', 'float32' as DType, x], ...(constant ? [] : [['axes', 'int64' as DType, [1]] as [string, DType, number[]]])],
    outputs: [['y', 'float32', y]], opset: 13,
    nodes: [node(op, ['x', 'axes'], ['y'])],
    initializers: constant ? [tensor('axes', 'int64', [1], [op === 'Squeeze' ? 0 : 1])] : [],
  });
}

test('Squeeze / Unsqueeze with axes from a graph input: converted to the declared shape, with a warning naming the axes', () => {
  const sq = convertModel(graph('Squeeze'));
  assert.ok(sq.warnings.some((w) => /Squeeze's axes come from the run-time value 'axes': converted as squeezing axes \[0\] \(output shape \[2, 3\]/.test(w)
    && /--input-value axes=/.test(w)), sq.warnings.join('\n'));
  const un = convertModel(graph('Unsqueeze'));
  assert.ok(un.warnings.some((w) => /Unsqueeze's axes .* inserting axes \[1\] \(output shape \[2, 1, 3, 4\]/.test(w)), un.warnings.join('\n'));
});

test('constant axes, or axes frozen with --input-value: no warning', () => {
  for (const op of ['Squeeze', 'Unsqueeze'] as const) {
    assert.deepEqual(convertModel(graph(op, true)).warnings.filter((w) => /axes/.test(w)), []);
    const frozen = convertModel(graph(op), { inputValues: new Map([['axes', [op === 'Squeeze' ? 0 : 1]]]) });
    assert.deepEqual(frozen.warnings.filter((w) => /axes/.test(w)), []);
  }
});
