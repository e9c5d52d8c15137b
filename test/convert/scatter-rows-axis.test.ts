// PointRend's write-back (sixteenth sweep): `logits.reshape(N, C, H*W).scatter(2, idx.unsqueeze(1).expand(-1, C, -1),
// point_logits)`, a ScatterElements along the last axis whose indices are one index per point broadcast over the
// channels. It is a row scatter along that axis (_scatter_rows.ts), run on the channel-last [1, H*W, C] logits as
// stored: before, the logits, the indices' updates and the result were moved to ONNX order and back (5 TRANSPOSE in
// the sweep's PointRend, 2 here), now none; the values match onnxruntime's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';
import { runTimeSizedTensor } from '../../src/quantize/int8-kept-float';

const C = 4;
const H = 6;
const W = 5;
const P = 7;
const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

/** Conv → logits [1, C, H, W]; the P most "uncertain" cells by TopK over a per-cell score; a 1x1 Conv1d over the
 *  sampled point features (updates [1, C, P]); the scatter back along axis 2 of [1, C, H*W]; a conv reads the result. */
function pointRendStep(reduction?: string) {
  return buildModel({
    inputs: [['x', 'float32', [1, 3, H, W]], ['feats', 'float32', [1, 3, P]]], outputs: ['y'], opset: 16,
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['logits'], { pads: [1, 1, 1, 1] }),
      node('ReduceMax', ['logits'], ['score'], { axes: [1], keepdims: 0 }),
      node('Reshape', ['score', 'flat1'], ['score_flat']),
      node('TopK', ['score_flat', 'k'], ['top', 'idx'], { axis: 1 }),
      node('Unsqueeze', ['idx', 'axis1'], ['idx1']),
      node('Expand', ['idx1', 'expand_shape'], ['idx2']),
      node('Conv', ['feats', 'w2', 'b2'], ['points']),
      node('Reshape', ['logits', 'flat'], ['logits_flat']),
      node('ScatterElements', ['logits_flat', 'idx2', 'points'], ['sc'], { axis: 2, ...(reduction ? { reduction } : {}) }),
      node('Reshape', ['sc', 'map'], ['refined']),
      node('Conv', ['refined', 'w3', 'b3'], ['y']),
    ],
    initializers: [
      tensor('w1', 'float32', [C, 3, 3, 3], seq(C * 27, (i) => Math.sin(i * 0.37) * 0.4)), tensor('b1', 'float32', [C], seq(C, (i) => i * 0.1)),
      tensor('flat1', 'int64', [2], [1, H * W]), tensor('k', 'int64', [1], [P]), tensor('axis1', 'int64', [1], [1]),
      tensor('expand_shape', 'int64', [3], [1, C, P]),
      tensor('w2', 'float32', [C, 3, 1], seq(C * 3, (i) => Math.cos(i * 0.5))), tensor('b2', 'float32', [C], seq(C, (i) => 1 - i * 0.2)),
      tensor('flat', 'int64', [3], [1, C, H * W]), tensor('map', 'int64', [4], [1, C, H, W]),
      tensor('w3', 'float32', [2, C, 1, 1], seq(2 * C, (i) => Math.sin(i + 1))), tensor('b3', 'float32', [2], [0.1, -0.1]),
    ],
  });
}

for (const reduction of [undefined, 'add']) {
  test(`PointRend's scatter along the points axis (reduction ${reduction ?? 'none'}): no TRANSPOSE, matches onnxruntime`, async () => {
    const m = await matchBuilt(pointRendStep(reduction), 'scatter-rows-axis', 3);
    assert.equal(m.result.transposeCount, 0);
    // Every size is known at conversion (P points by a constant K): no tensor written as sized at run time (before,
    // its row indices, updates, mask and scatter were [-1, 1], [-1, C], [-1], [-1, -1]... and full int8 refused
    // the sweep's PointRend, "tensors sized at run time").
    const sized = m.result.model.subgraphs[0].tensors.filter((t) => t.shapeSignature?.some((d) => d < 0));
    assert.deepEqual(sized.map((t) => `${t.name} [${t.shapeSignature}]`), []);
    assert.equal(runTimeSizedTensor(m.result.model), undefined);
  });
}

// A static KV cache written at its sequence axis (Hugging Face's StaticCache: `k_cache.index_copy_(2, cache_position,
// k)`, exported as ScatterElements along axis 2 of [B, H, S, d] with cache_position expanded over the rest): neither
// the updates' order nor ONNX order has that axis first, so the row scatter moved the cache and the new rows
// axis-first and the result back (llama_static_cache 4 -> 20 TRANSPOSE after the row scatter took every axis). It
// takes the element-wise scatter in ONNX order again: no TRANSPOSE.
test('a [1, 2, 16, 8] cache written at 3 positions of axis 2: no TRANSPOSE, matches onnxruntime', async () => {
  const model = buildModel({
    inputs: [['cache', 'float32', [1, 2, 16, 8]], ['k', 'float32', [1, 2, 3, 8]], ['start', 'int64', [1]]], outputs: ['y'], opset: 16,
    nodes: [
      // Three distinct positions from the run-time start (seeded -1 or 0; -1 wraps to the last slot).
      node('Add', ['start', 'steps'], ['pos']),
      node('Reshape', ['pos', 'pos_shape'], ['pos4']),
      node('Expand', ['pos4', 'k_shape'], ['idx']),
      node('ScatterElements', ['cache', 'idx', 'k'], ['written'], { axis: 2 }),
      node('MatMul', ['written', 'wt'], ['y']),
    ],
    initializers: [tensor('steps', 'int64', [3], [0, 1, 2]), tensor('pos_shape', 'int64', [4], [1, 1, 3, 1]), tensor('k_shape', 'int64', [4], [1, 2, 3, 8]),
      tensor('wt', 'float32', [8, 4], seq(32, (i) => Math.sin(i * 0.7)))],
  });
  const m = await matchBuilt(model, 'scatter-cache-axis', 5);
  assert.equal(m.result.transposeCount, 0);
});

// The other side of the static shapes above: rows chosen at run time (NonZero of a mask, as torchvision's multi-scale
// RoI pooling picks each level's RoIs) stay sized at run time: the row coordinates and the mask's FILL keep their -1.
test('a row scatter of the rows NonZero picks keeps its run-time sizes, matches onnxruntime', async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [6, 4]], ['s', 'float32', [6]]], outputs: ['y'], opset: 16,
    nodes: [
      node('Greater', ['s', 'zero'], ['m']), node('NonZero', ['m'], ['nz']),
      node('Reshape', ['nz', 'col'], ['idx']), node('Reshape', ['nz', 'flat'], ['rows']),
      node('Expand', ['idx', 'wide'], ['idx2']),
      node('Neg', ['x'], ['nx']), node('Gather', ['nx', 'rows'], ['upd'], { axis: 0 }),
      node('ScatterElements', ['x', 'idx2', 'upd'], ['y'], { axis: 0 }),
    ],
    initializers: [tensor('zero', 'float32', [], [0]), tensor('col', 'int64', [2], [-1, 1]), tensor('flat', 'int64', [1], [-1]),
      tensor('wide', 'int64', [2], [1, 4])],
  });
  const m = await matchBuilt(model, 'scatter-rows-nonzero', 4);
  const t = m.result.model.subgraphs[0].tensors;
  const sized = t.filter((x) => x.name.startsWith('y__') && x.shapeSignature?.some((d) => d < 0)).map((x) => x.name);
  assert.ok(sized.some((n) => n.includes('floor_mod')) && sized.some((n) => n.includes('fill')), `run-time sized: ${sized}`);
  assert.ok(runTimeSizedTensor(m.result.model));
});
