// A Reshape whose -1 cannot be worked out (the known element count does not divide by the other dims) is a model
// onnxruntime cannot run: convert says so at the Reshape instead of "the shape of ... is unknown" (twenty-seventh
// sweep: torch 1.13 tracing V-JEPA 2-AC's RoPE with the head width taken from x.shape lost a stack's axis, and the
// flatten(-2) after it asked 8,192 elements for parts of 32,768).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertModel } from '../../src/convert/convert';
import { inferShapes } from '../../src/ir/shapes/index';
import { runOnnx } from '../../src/runtime/ort';
import { convertAndMatch, seededInputs } from '../helpers/match';

function stackThenFlatten(axis: number, tail: boolean) {
  // x [1, 4, 8, 4]: halves (-x2, x1) stacked on `axis`, then flattened by a Reshape to [st.shape[0:-2], -1] (the
  // valid form) or, as the traced export wrote it, [st.shape[0:-2], -1, st.shape[2:5]]: [1, 2, 4, -1, 4, 8, 2] of
  // 128 elements.
  return buildModel({
    inputs: [['x', 'float32', [1, 4, 8, 4]]],
    outputs: ['y'],
    initializers: [
      tensor('s0', 'int64', [1], [0]), tensor('e0', 'int64', [1], [2]), tensor('e1', 'int64', [1], [4]),
      tensor('ax', 'int64', [1], [3]), tensor('at', 'int64', [1], [axis]),
      tensor('h0', 'int64', [1], [0]), tensor('h1', 'int64', [1], [-2]), tensor('t0', 'int64', [1], [2]), tensor('t1', 'int64', [1], [5]),
      tensor('minus', 'int64', [1], [-1]),
    ],
    nodes: [
      node('Slice', ['x', 's0', 'e0', 'ax'], ['a']), node('Slice', ['x', 'e0', 'e1', 'ax'], ['b']),
      node('Neg', ['b'], ['nb']), node('Unsqueeze', ['nb', 'at'], ['u0']), node('Unsqueeze', ['a', 'at'], ['u1']),
      node('Concat', ['u0', 'u1'], ['st'], { axis }, 'stack'),
      node('Shape', ['st'], ['sh']), node('Slice', ['sh', 'h0', 'h1'], ['head']), node('Slice', ['sh', 't0', 't1'], ['tail']),
      node('Concat', tail ? ['head', 'minus', 'tail'] : ['head', 'minus'], ['target'], { axis: 0 }),
      node('Reshape', ['st', 'target'], ['r'], {}, 'flatten/Reshape'),
      node('Relu', ['r'], ['y'], {}, 'after'),
    ],
  });
}

test('a Reshape whose -1 does not divide is recorded as where the model is invalid', () => {
  const { invalid } = inferShapes(stackThenFlatten(1, true));
  assert.match(invalid.get('flatten/Reshape') ?? '', /cannot split 128 elements into parts of 512/);
});

test('convert refuses it saying the file itself is wrong, and onnxruntime cannot run it either', async () => {
  const model = stackThenFlatten(1, true);
  // Was "node after: the shape of "r" is unknown", which reads as a converter limit.
  assert.throws(() => convertModel(model), /the model is invalid at node flatten\/Reshape: cannot split 128 elements into parts of 512|flatten\/Reshape.*cannot split 128 elements into parts of 512 \(the model is invalid there/);
  const x = tensor('x', 'float32', [1, 4, 8, 4], Array.from({ length: 128 }, (_, i) => i / 128));
  await assert.rejects(runOnnx(encodeModel(stackThenFlatten(1, true)), [x]));
});

test('the same stack on the last axis, flattened as torch writes it when the rank is known, converts and matches', async () => {
  const model = stackThenFlatten(-1, false);
  const m = await convertAndMatch(encodeModel(model), model, seededInputs(model));
  assert.ok(m.worst <= 1e-6, `worst ${m.worst}`);
});
