// A nearest upsample by integer factors written as views and copies (simplify-upsample-views.ts) converts to one
// RESIZE_NEAREST_NEIGHBOR between channel-last convolutions: no GATHER of index tables, no TRANSPOSE. The forms are
// the fast-neural-style nets' for onnx.js (Reshape [-1, 1] / Concat(x, x + 0) / Reshape, opset 9), Unsqueeze /
// Expand / Reshape, Tile / Reshape and Concat of copies along a new axis; a tiling written with the same ops is
// not an upsample and is left as it is. All match onnxruntime on LiteRT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import type { Node, Tensor } from '../../src/ir/types';
import { matchBuilt, waveValues } from '../helpers/match';

const C = 3, H = 4, W = 5;
const i64 = (name: string, v: number[]) => tensor(name, 'int64', [v.length], v);

/** Conv 1×1 → the views from `u` to `v` → Conv 1×1: the upsample between two channel-last convolutions. */
function between(views: Node[], consts: Tensor[], opset: number) {
  return buildModel({
    inputs: [['x', 'float32', [1, C, H, W]]],
    outputs: ['y'],
    opset,
    initializers: [tensor('w1', 'float32', [C, C, 1, 1], waveValues(C * C, 1)), tensor('w2', 'float32', [C, C, 1, 1], waveValues(C * C, 2)), ...consts],
    nodes: [node('Conv', ['x', 'w1'], ['u']), ...views, node('Conv', ['v', 'w2'], ['y'])],
  });
}

async function check(name: string, model: ReturnType<typeof between>, resized: boolean): Promise<void> {
  const { result } = await matchBuilt(model, name, 3);
  const h = result.opHistogram;
  assert.equal(h.RESIZE_NEAREST_NEIGHBOR ?? 0, resized ? 1 : 0, JSON.stringify(h));
  if (resized) assert.ok(!h.GATHER && !h.TRANSPOSE && !h.CONCATENATION && !h.TILE, JSON.stringify(h));
}

test('the onnx.js form: Reshape [-1, 1], Concat(x, x + 0), Reshape [-1, 2W], Concat(x, x + 0), Reshape (opset 9)', () => check('onnxjs', between([
  node('Reshape', ['u', 'flat'], ['r1']), node('Add', ['r1', 'zero'], ['r1z']), node('Concat', ['r1', 'r1z'], ['c1'], { axis: 1 }),
  node('Reshape', ['c1', 'rows'], ['r2']), node('Add', ['r2', 'zero'], ['r2z']), node('Concat', ['r2', 'r2z'], ['c2'], { axis: 1 }),
  node('Reshape', ['c2', 'back'], ['v']),
], [i64('flat', [-1, 1]), i64('rows', [-1, 2 * W]), i64('back', [-1, C, 2 * H, 2 * W]), tensor('zero', 'float32', [], [0])], 9), true));

test('Unsqueeze (two axes) → Expand → Reshape: factors 2 × 3 (opset 13)', () => check('expand', between([
  node('Unsqueeze', ['u', 'axes'], ['u6']), node('Expand', ['u6', 'to'], ['e']), node('Reshape', ['e', 'back'], ['v']),
], [i64('axes', [3, 5]), i64('to', [1, C, H, 2, W, 3]), i64('back', [1, C, 2 * H, 3 * W])], 13), true));

test('Reshape to [N, C, H, 1, W, 1] → Tile → Reshape (opset 13)', () => check('tile', between([
  node('Reshape', ['u', 'six'], ['u6']), node('Tile', ['u6', 'reps'], ['t']), node('Reshape', ['t', 'back'], ['v']),
], [i64('six', [1, C, H, 1, W, 1]), i64('reps', [1, 1, 1, 2, 1, 2]), i64('back', [1, C, 2 * H, 2 * W])], 13), true));

test('Concat of copies along a new last axis, then along a new axis before W (opset 11)', () => check('stack', between([
  node('Unsqueeze', ['u'], ['u5'], { axes: [4] }), node('Concat', ['u5', 'u5'], ['c1'], { axis: 4 }), node('Reshape', ['c1', 'wide'], ['r1']),
  node('Unsqueeze', ['r1'], ['r5'], { axes: [3] }), node('Concat', ['r5', 'r5'], ['c2'], { axis: 3 }), node('Reshape', ['c2', 'back'], ['v']),
], [i64('wide', [1, C, H, 2 * W]), i64('back', [1, C, 2 * H, 2 * W])], 11), true));

test('a tiling written with the same ops (copies outside H and W) stays a tiling', () => check('tiling', between([
  node('Unsqueeze', ['u', 'axes'], ['u6']), node('Expand', ['u6', 'to'], ['e']), node('Reshape', ['e', 'back'], ['v']),
], [i64('axes', [2, 4]), i64('to', [1, C, 2, H, 2, W]), i64('back', [1, C, 2 * H, 2 * W])], 13), false));

test('a lone Expand of a size-1 W (a gate broadcast over a map) is left to the Expand converter', () => check('gate', between([
  node('ReduceMean', ['u'], ['m'], { axes: [3], keepdims: 1 }), node('Expand', ['m', 'to'], ['v']),
], [i64('to', [1, C, H, W])], 13), false));
