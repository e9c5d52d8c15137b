// A scalar expanded to a shape known only at run time: torch 1.13's export of `mask[keep] = 1.0` (DDQ-DETR's
// distinct-query mask, keep = the indices NonMaxSuppression kept) expands the constant 1.0 to [len(keep)] before
// its ScatterND. The dynamic path of ops/Expand.ts took SHAPE of the rank-0 input first, an empty [0] tensor, and
// convert refused the whole model ("tensor ... has shape [0] with no elements; LiteRT cannot run empty tensors").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { makeTensor } from '../../src/ir/tensor';
import { convertAndMatch } from '../helpers/match';

test('mask[keep] = 1.0 with keep sized at run time (a scalar Expand to a run-time shape, then ScatterND) converts and matches', async () => {
  const model = buildModel({
    opset: 13, inputs: [['x', 'float32', [8]]], outputs: ['y'],
    initializers: [tensor('zero', 'float32', [], [0]), tensor('one', 'float32', [], [1]), tensor('sq', 'int64', [1], [0]),
      tensor('last', 'int64', [1], [-1]), tensor('mask0', 'float32', [8], new Array(8).fill(0))],
    nodes: [
      node('Greater', ['x', 'zero'], ['pos']), node('NonZero', ['pos'], ['nz']), node('Squeeze', ['nz', 'sq'], ['keep']),
      node('Shape', ['keep'], ['n']),
      node('Expand', ['one', 'n'], ['ones']),
      node('Unsqueeze', ['keep', 'last'], ['idx']),
      node('ScatterND', ['mask0', 'idx', 'ones'], ['mask']),
      node('Mul', ['mask', 'x'], ['y']),
    ],
  });
  const file = join(mkdtempSync(join(tmpdir(), 'expand-scalar-')), 'm.onnx');
  writeFileSync(file, encodeModel(model));
  const m = await convertAndMatch(file, model, [makeTensor('x', 'float32', [8], [0.5, -1, 2, 3, -2, 0.25, -0.5, 1])]);
  assert.equal(m.worst, 0, JSON.stringify(m.outputs));
});
