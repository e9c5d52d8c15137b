// Symbolic dims: kept through ops, made up where unknown, fixed by --input-shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inferShapes } from '../../src/ir/shapes/index';
import { Model, ModelError } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';

const shapeOf = (m: Model, name: string) => m.graph.values.get(name)?.shape;

function dynamicModel(): Model {
  // x: [batch, 3, h, w] → Conv → Relu → Shape/Gather → Reshape to [batch, -1]; y: [1, 3, 1, 1] added by broadcast.
  return buildModel({
    infer: false,
    inputs: [['x', 'float32', ['batch', 3, 'h', 'w']], ['y', 'float32', [1, 3, 1, 1]]],
    outputs: ['flat', 'sum', 'seq'],
    initializers: [tensor('w', 'float32', [8, 3, 3, 3], new Array(216).fill(0.1)), tensor('zero', 'int64', [1], [0]),
      tensor('minus1', 'int64', [1], [-1])],
    nodes: [
      node('Add', ['x', 'y'], ['sum']),
      node('Conv', ['sum', 'w'], ['conv'], { pads: [1, 1, 1, 1] }),
      node('Shape', ['conv'], ['shape']),
      node('Gather', ['shape', 'zero'], ['b']),
      node('Concat', ['b', 'minus1'], ['target'], { axis: 0 }),
      node('Reshape', ['conv', 'target'], ['flat']),
      node('NonZero', ['x'], ['seq']),
    ],
  });
}

test('symbolic dims pass through broadcasts, convs and Shape→Gather→Concat→Reshape', () => {
  const m = dynamicModel();
  const r = inferShapes(m);
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(shapeOf(m, 'sum'), ['batch', 3, 'h', 'w']);
  assert.deepEqual(shapeOf(m, 'conv'), ['batch', 8, 'h', 'w']);
  assert.deepEqual(shapeOf(m, 'target'), [2]);
  const flat = shapeOf(m, 'flat');
  assert.equal(flat?.[0], 'batch');
  assert.match(String(flat?.[1]), /^unk_\d+$/);
  assert.deepEqual(shapeOf(m, 'seq')?.[0], 4);
  assert.match(String(shapeOf(m, 'seq')?.[1]), /^unk_\d+$/);
});

test('--input-shape fixes symbolic dims everywhere they flow', () => {
  const m = dynamicModel();
  const r = inferShapes(m, { inputShapes: new Map([['x', [2, 3, 32, 32]]]) });
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(shapeOf(m, 'conv'), [2, 8, 32, 32]);
  assert.deepEqual(shapeOf(m, 'flat'), [2, 8 * 32 * 32]);
  assert.deepEqual(m.graph.inputs[0].shape, [2, 3, 32, 32]);
  assert.deepEqual(r.constants.get('target') && Array.from(r.constants.get('target')!.data as BigInt64Array, Number), [2, -1]);
});

test('--input-shape errors: unknown input, wrong rank; changing a fixed dim warns', () => {
  assert.throws(() => inferShapes(dynamicModel(), { inputShapes: new Map([['nope', [1]]]) }),
    (e: Error) => e instanceof ModelError && /"nope", which is not an input of the model \(inputs: x, y\)/.test(e.message));
  assert.throws(() => inferShapes(dynamicModel(), { inputShapes: new Map([['x', [1, 3, 4]]]) }),
    (e: Error) => e instanceof ModelError && /rank 3, but input "x" has rank 4/.test(e.message));
  const changed = inferShapes(dynamicModel(), { inputShapes: new Map([['y', [1, 3, 2, 1]]]) });
  assert.match(changed.warnings.join('\n'), /changes dim 2 of input "y" from 1 to 2/);
});

test('unknown ops get unknown shapes and a warning, never a crash; bad shapes warn', () => {
  const m = buildModel({
    infer: false,
    inputs: [['x', 'float32', [2, 3]], ['z', 'float32', [4, 5]]],
    outputs: ['y', 'bad'],
    nodes: [{ ...node('MyOp', ['x'], ['t']), domain: 'com.example' }, node('Relu', ['t'], ['y']), node('Add', ['x', 'z'], ['bad'])],
  });
  const r = inferShapes(m);
  assert.equal(m.graph.values.get('y')?.shape, undefined);
  assert.ok(r.warnings.some((w) => /no shape inference for com.example.MyOp/.test(w)));
  assert.ok(r.warnings.some((w) => /cannot broadcast shapes \[2,3\] and \[4,5\]/.test(w)));
  // The node the model is invalid at comes back as data (compat marks it, convert names it), not only as warning text.
  const addName = m.graph.nodes.find((n) => n.opType === 'Add')?.name;
  assert.deepEqual([...r.invalid], [[addName, 'cannot broadcast shapes [2,3] and [4,5]']]);
});

test('a Loop body gets shapes; carried values keep theirs, scan outputs stack by the trip count', () => {
  const body = {
    name: 'body', nodes: [node('Identity', ['cond_in'], ['cond_out']), node('Add', ['acc_in', 'step'], ['acc_out']),
      node('Unsqueeze', ['acc_out', 'ax'], ['scan_out'])],
    inputs: [{ name: 'i', dtype: undefined, shape: undefined }, { name: 'cond_in', dtype: undefined, shape: undefined },
      { name: 'acc_in', dtype: undefined, shape: undefined }],
    outputs: [{ name: 'cond_out', dtype: undefined, shape: undefined }, { name: 'acc_out', dtype: undefined, shape: undefined },
      { name: 'scan_out', dtype: undefined, shape: undefined }],
    initializers: new Map([['ax', tensor('ax', 'int64', [1], [0])]]), values: new Map(),
  };
  const m = buildModel({
    infer: false,
    inputs: [['acc', 'float32', ['n', 4]], ['step', 'float32', [4]]],
    initializers: [tensor('trips', 'int64', [], [5]), tensor('yes', 'bool', [], [1])],
    outputs: ['final', 'stacked'],
    nodes: [node('Loop', ['trips', 'yes', 'acc'], ['final', 'stacked'], { body })],
  });
  assert.deepEqual(inferShapes(m).warnings, []);
  assert.deepEqual(shapeOf(m, 'final'), ['n', 4]);
  assert.deepEqual(shapeOf(m, 'stacked'), [5, 1, 'n', 4]);
  assert.deepEqual(body.values.get('acc_out')?.shape, ['n', 4]);
});

test('computed dims that are not sizes (infinite, negative, overflowing) become unknown with a warning', () => {
  const m = buildModel({
    infer: false,
    inputs: [['x', 'float32', [2 ** 40, 2 ** 40]]],
    initializers: [tensor('a', 'int64', [], [0]), tensor('b', 'int64', [], [5]), tensor('shape', 'int64', [2], [3, -7])],
    outputs: ['flat', 'c'],
    nodes: [node('Flatten', ['x'], ['flat'], { axis: 0 }), node('ConstantOfShape', ['shape'], ['c'])],
  });
  const r = inferShapes(m);
  assert.match(String(shapeOf(m, 'flat')?.[1]), /^unk_\d+$/);
  assert.equal(shapeOf(m, 'c')?.[0], 3);
  assert.match(String(shapeOf(m, 'c')?.[1]), /^unk_\d+$/);
  assert.equal(r.warnings.length, 2, r.warnings.join('\n'));
});
