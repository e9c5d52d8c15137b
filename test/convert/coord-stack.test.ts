// A sampling grid built from a conv's offset map c [N, 2, H, W] by per-coordinate arithmetic and stacked last:
// `torch.stack([2·c[:, 0] / (W − 1) − 1, 2·c[:, 1] / (H − 1) − 1], -1)` before grid_sample (NeuFlow's warp, NLSPN's
// propagation offsets, sweep22). Each Gather of one coordinate from the channel-last map was moved channel-first
// (Gather.ts `axisFirst`) only to be stacked last again: one TRANSPOSE per grid (NLSPN 8). The stack is now the map
// moved with the coordinate axis last (free for a channel-last map) and the arithmetic once with [2]-vector constants
// (src/convert/simplify-coord-stack.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const H = 16, W = 24;

function warp(secondDiv: 'Div' | 'Mul') {
  const coord = (i: number, div: string) => [
    node('Gather', ['c', `i${i}`], [`g${i}`], { axis: 1 }),
    node('Mul', [`g${i}`, 'two'], [`m${i}`]),
    node(div, [`m${i}`, `s${i}`], [`d${i}`]),
    node('Sub', [`d${i}`, 'one'], [`n${i}`]),
    node('Unsqueeze', [`n${i}`, 'last'], [`u${i}`]),
  ];
  return buildModel({
    inputs: [['x', 'float32', [1, 3, H, W]]], outputs: ['y'], opset: 16,
    nodes: [
      node('Conv', ['x', 'w', 'b'], ['off'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
      node('Add', ['off', 'grid'], ['c']),
      ...coord(0, 'Div'), ...coord(1, secondDiv),
      node('Concat', ['u0', 'u1'], ['gr'], { axis: -1 }),
      node('GridSample', ['x', 'gr'], ['y'], { align_corners: 1 }),
    ],
    initializers: [
      tensor('w', 'float32', [2, 3, 3, 3], waveValues(54, 4)), tensor('b', 'float32', [2], [0.3, -0.2]),
      tensor('grid', 'float32', [1, 2, H, W], Array.from({ length: 2 * H * W }, (_, i) => (i < H * W ? i % W : Math.floor((i - H * W) / W)))),
      tensor('i0', 'int64', [], [0]), tensor('i1', 'int64', [], [1]), tensor('last', 'int64', [1], [-1]),
      tensor('two', 'float32', [], [2]), tensor('one', 'float32', [], [1]),
      tensor('s0', 'float32', [], [W - 1]), tensor('s1', 'float32', [], [secondDiv === 'Div' ? H - 1 : 1 / (H - 1)]),
    ],
  });
}

test('a grid normalised per coordinate and stacked last for grid_sample: no TRANSPOSE', async () => {
  const m = await matchBuilt(warp('Div'), 'coord-stack', 91);
  assert.equal(m.result.transposeCount, 0);
});

test('coordinates through different arithmetic (a Div and a Mul) are left as written, with their values', async () => {
  await matchBuilt(warp('Mul'), 'coord-stack-mixed', 92);
});

// FILM's warps (sweep23): the flow's coordinates each add their own constant meshgrid [H, W] before the scalar
// normalisation; the meshes are stacked into one [H, W, 2] constant (FILM 10 -> 0 TRANSPOSE).
function meshWarp() {
  const coord = (i: number) => [
    node('Gather', ['off', `i${i}`], [`g${i}`], { axis: 1 }),
    node('Add', [`mesh${i}`, `g${i}`], [`a${i}`]),
    node('Div', [`a${i}`, `s${i}`], [`d${i}`]),
    node('Mul', [`d${i}`, 'two'], [`m${i}`]),
    node('Sub', [`m${i}`, 'one'], [`n${i}`]),
    node('Unsqueeze', [`n${i}`, 'last'], [`u${i}`]),
  ];
  return buildModel({
    inputs: [['x', 'float32', [1, 3, H, W]]], outputs: ['y'], opset: 16,
    nodes: [
      node('Conv', ['x', 'w', 'b'], ['off'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
      ...coord(0), ...coord(1),
      node('Concat', ['u0', 'u1'], ['gr'], { axis: -1 }),
      node('GridSample', ['x', 'gr'], ['y'], { align_corners: 1 }),
    ],
    initializers: [
      tensor('w', 'float32', [2, 3, 3, 3], waveValues(54, 4)), tensor('b', 'float32', [2], [0.3, -0.2]),
      tensor('mesh0', 'float32', [H, W], Array.from({ length: H * W }, (_, i) => i % W)),
      tensor('mesh1', 'float32', [H, 1], Array.from({ length: H }, (_, i) => i)),
      tensor('i0', 'int64', [], [0]), tensor('i1', 'int64', [], [1]), tensor('last', 'int64', [1], [-1]),
      tensor('two', 'float32', [], [2]), tensor('one', 'float32', [], [1]),
      tensor('s0', 'float32', [], [W - 1]), tensor('s1', 'float32', [], [H - 1]),
    ],
  });
}

test('coordinates offset by their own constant meshgrids and stacked last: no TRANSPOSE', async () => {
  const m = await matchBuilt(meshWarp(), 'coord-stack-mesh', 93);
  assert.equal(m.result.transposeCount, 0);
});
