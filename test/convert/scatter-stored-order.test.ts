// RangeNet++'s kNN vote (PRBonn/lidar-bonnetal): the k nearest of each pixel's window by TopK over axis 1 of
// [1, S², P], their labels scattered as votes into zeros [1, C, P] (`scatter_add_(1, votes, ones)`, opset 16
// reduction add), then the arg-max over the classes. TopK takes its axis last, so the votes are stored [1, P, k];
// the scatter read them in ONNX order (one TRANSPOSE). A summing scatter whose indices, updates and data share one
// stored order now runs in it, and its output keeps that order, which the arg-max reads as stored
// (src/convert/ops/ScatterElements.ts `storedOrder`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';

const S = 6, P = 40, K = 3;

function vote(updates: 'weights' | 'values', outputs = ['label', 'best']) {
  return buildModel({
    inputs: [['d', 'float32', [1, S, P]]], outputs, opset: 16,
    nodes: [
      node('Abs', ['d'], ['dist']),
      node('TopK', ['dist', 'k'], ['near', 'idx'], { axis: 1, largest: 0 }),
      node('Mul', ['near', 'w'], ['wv']),
      node('ScatterElements', ['zeros', 'idx', updates === 'weights' ? 'wv' : 'near'], ['counts'], { axis: 1, reduction: 'add' }),
      node('ArgMax', ['counts'], ['label'], { axis: 1, keepdims: 0 }),
      node('ReduceMax', ['counts'], ['best'], { axes: [1], keepdims: 0 }),
    ],
    initializers: [
      tensor('k', 'int64', [1], [K]), tensor('zeros', 'float32', [1, S, P], new Array<number>(S * P).fill(0)),
      tensor('w', 'float32', [1, K, 1], [3, 2.5, 2]),
    ],
  });
}

test('a kNN vote scattered (add) from TopK indices stored with k last: only the TopK input\'s move (3 TRANSPOSE → 1)', async () => {
  const m = await matchBuilt(vote('weights'), 'scatter-stored-order', 81);
  assert.equal(m.result.transposeCount, 1);
});

test('the vote counts as a graph output (ONNX order) keep their values', async () => {
  await matchBuilt(vote('values', ['counts', 'label']), 'scatter-stored-counts', 82);
});
