// FOMM's keypoint detector (First Order Motion Model, twentieth vision sweep): a conv's heatmap [1, K, H, W] viewed
// [1, K, H·W] (stored [1, H·W, K]: channel-last), softmaxed over the positions, viewed back; its expectation against a
// coordinate grid (keypoints [1, K, 2]) and its weighted sum of the jacobian conv's map viewed [1, K, 4, H, W]. The
// keypoints then make gaussian heatmaps for a conv (the dense motion). With SOFTMAX (last axis only) the heatmap
// moved to [1, K, H·W] and the jacobian map to its ONNX order: 2 TRANSPOSE. Written out along the stored axis
// (`ops/_softmax-stored.ts`) the heatmap stays channel-last, and the keypoints' sum keeps ONNX order
// (`reduced-order.ts`) where they meet other run-time values (main: 3 TRANSPOSE each).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const [C, K, H, W] = [6, 5, 8, 8];

function grid(): number[] {
  const g: number[] = [];
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) g.push((2 * x) / (W - 1) - 1, (2 * y) / (H - 1) - 1);
  return g;
}

function keypointDetector(after?: 'gaussians' | 'both') {
  const outputs = after === 'gaussians' ? ['kp', 'jac', 'motion'] : after === 'both' ? ['motion', 'moved'] : ['kp', 'jac'];
  return buildModel({
    inputs: [['x', 'float32', [1, C, H, W]]], outputs, opset: 13,
    nodes: [
      node('Conv', ['x', 'wkp', 'bkp'], ['heat'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
      node('Reshape', ['heat', 'flat'], ['hf']),
      node('Div', ['hf', 'temp'], ['hs']),
      node('Softmax', ['hs'], ['p'], { axis: 2 }),
      node('Reshape', ['p', 'maps'], ['pm']),
      node('Unsqueeze', ['pm', 'last'], ['pu']),
      node('Mul', ['pu', 'grid'], ['pg']),
      node('ReduceSum', ['pg', 'hw'], ['kp'], { keepdims: 0 }),
      node('Conv', ['x', 'wjac', 'bjac'], ['jm'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
      node('Reshape', ['jm', 'jshape'], ['j5']),
      node('Unsqueeze', ['pm', 'two'], ['pj']),
      node('Mul', ['pj', 'j5'], ['pjm']),
      node('Reshape', ['pjm', 'jflat'], ['pjf']),
      node('ReduceSum', ['pjf', 'three'], ['jac'], { keepdims: 0 }),
      ...(after === 'both' ? [
        node('Reshape', ['jac', 'j22'], ['jk']),
        node('Unsqueeze', ['d', 'last'], ['du']),
        node('MatMul', ['jk', 'du'], ['moved']),
      ] : []),
      ...(after ? [
        node('Reshape', ['kp', 'kp5'], ['kpu']),
        node('Sub', ['grid', 'kpu'], ['d']),
        node('Mul', ['d', 'd'], ['d2']),
        node('ReduceSum', ['d2', 'minus1'], ['r2'], { keepdims: 0 }),
        node('Mul', ['r2', 'neg'], ['g0']),
        node('Exp', ['g0'], ['g']),
        node('Conv', ['g', 'wm', 'bm'], ['motion'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
      ] : []),
    ],
    initializers: [
      tensor('wkp', 'float32', [K, C, 3, 3], waveValues(K * C * 9, 1)),
      tensor('bkp', 'float32', [K], waveValues(K, 2)),
      tensor('flat', 'int64', [3], [1, K, H * W]),
      tensor('temp', 'float32', [], [0.1]),
      tensor('maps', 'int64', [4], [1, K, H, W]),
      tensor('last', 'int64', [1], [-1]),
      tensor('grid', 'float32', [1, 1, H, W, 2], grid()),
      tensor('hw', 'int64', [2], [2, 3]),
      tensor('wjac', 'float32', [4 * K, C, 3, 3], waveValues(4 * K * C * 9, 3)),
      tensor('bjac', 'float32', [4 * K], waveValues(4 * K, 4)),
      tensor('jshape', 'int64', [5], [1, K, 4, H, W]),
      tensor('two', 'int64', [1], [2]),
      tensor('jflat', 'int64', [4], [1, K, 4, H * W]),
      tensor('three', 'int64', [1], [3]),
      tensor('j22', 'int64', [6], [1, K, 1, 1, 2, 2]),
      tensor('kp5', 'int64', [5], [1, K, 1, 1, 2]),
      tensor('minus1', 'int64', [1], [-1]),
      tensor('neg', 'float32', [], [-10]),
      tensor('wm', 'float32', [3, K, 3, 3], waveValues(3 * K * 9, 5)),
      tensor('bm', 'float32', [3], waveValues(3, 6)),
    ],
  });
}

test('a heatmap softmax over a conv map stored channel-last, read with the jacobian map: no TRANSPOSE', async () => {
  const m = await matchBuilt(keypointDetector(), 'softmax-stored-axis', 281);
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
});

test('gaussians of the keypoints around a constant grid into a conv: no TRANSPOSE', async () => {
  const m = await matchBuilt(keypointDetector('gaussians'), 'softmax-stored-gaussians', 282);
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
});

test('keypoints into gaussians and transformed by the jacobians: summed in ONNX order, the product moves nothing', async () => {
  // FOMM's dense motion: gaussians of `grid - kp` into a conv and `jacobian @ (grid - kp)`, a product of run-time
  // values. Summed from a channel-last product the keypoints would come out [1, 2, K] and `grid - kp` move for the
  // product (`reduced-order.ts`).
  // Left: the gaussians' move into the conv ([1, K, H, W]); not `grid - kp` ([1, K, H, W, 2]) for the product.
  const m = await matchBuilt(keypointDetector('both'), 'softmax-stored-jacobian', 283);
  assert.equal(m.result.transposeCount, 1, JSON.stringify(m.result.opHistogram));
  const moves = m.result.model.subgraphs[0].operators.filter((op) => op.opcode === 'TRANSPOSE').map((op) => op.onnxNode);
  assert.ok(moves.every((n) => n?.startsWith('Conv')), moves.join(', '));
});
