// Unique along an axis (TFLite's UNIQUE is 1-D) as pairwise comparisons of the slices: sorted (lexicographically,
// as numpy) and in first-occurrence order, first / middle / last axis, int64 and float slices with repeats, match
// onnxruntime-node on LiteRT in all four outputs, each sized at run time. Before: "Unique along an axis has no TFLite
// builtin (UNIQUE is 1-D)".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { convertModel } from '../../src/convert/convert';
import { matchBuilt } from '../helpers/match';

/** Seeded int64 inputs are 0 or 1, floats floored to -2..1 after ×1.5: slices repeat. */
function uniqueModel(type: 'int64' | 'float32', dims: number[], axis: number, sorted: number) {
  return buildModel({
    opset: 11,
    inputs: [['x', type, dims]],
    outputs: ['y', 'first', 'inverse', 'counts'],
    initializers: type === 'float32' ? [tensor('s', 'float32', [], [1.5])] : [],
    nodes: [
      ...(type === 'float32' ? [node('Mul', ['x', 's'], ['xs']), node('Floor', ['xs'], ['v'])] : [node('Identity', ['x'], ['v'])]),
      node('Unique', ['v'], ['y', 'first', 'inverse', 'counts'], { axis, sorted }),
    ],
  });
}

for (const [type, dims, axis, sorted] of [['int64', [6, 2], 0, 1], ['int64', [6, 2], 0, 0], ['int64', [2, 5, 1], 1, 1], ['int64', [2, 6], -1, 1],
  ['float32', [7, 1, 2], 0, 1], ['float32', [2, 3, 6], 2, 0]] as const) {
  test(`Unique along axis ${axis} of ${type} [${dims.join(', ')}], sorted=${sorted}, matches onnxruntime`, async () => {
    const m = await matchBuilt(uniqueModel(type, [...dims], axis, sorted), `unique-axis-${dims.join('x')}-${axis}-${sorted}`, dims.length + sorted, 0);
    assert.equal(m.outputs.length, 4);
    assert.ok(m.outputs.every((o) => o.maxDiff === 0));
  });
}

test('Unique along an axis past the pairwise budget is refused in one line', () => {
  assert.throws(() => convertModel(uniqueModel('int64', [2048, 2], 0, 1)), (e: Error) => /compares every pair of its 2048 slices/.test(e.message) && !e.message.includes('\n'));
});
