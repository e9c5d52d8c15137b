// Convert's self-check on top-k outputs whose ranked values tie (SuperPoint-style: scores from TopK, keypoints from
// its indices, descriptors gathered at them; "NOT verified, rel 1.5e-1" for two rows swapped at an exact tie of
// onnxruntime's scores). The reference here is the same model with ties broken the other way (TopK over the reversed
// scores, indices mapped back), so every tied pair comes in the other order: paired within the ties, verified. A
// reference whose rows really differ still fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { isDegraded, verificationJson, verificationLine, verifyOnLiteRt } from '../../src/core/verify';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { serializeTflite } from '../../src/tflite/writer';
import { topkOver } from './reversed-topk';

const N = 16;
const K = 6;
const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

/** x [1, N] → scores = top K of concat(x, x) (every value twice: ties in pairs), keypoints [1, K, 1] (the indices
 *  plus `shift`), descriptors [1, K, 4] gathered at them, and `other` [1, K] not computed from the top-k.
 *  `reversed`: the top-k of the reversed scores, indices mapped back (ties broken towards the higher index). */
function model(opts: { reversed?: boolean; shift?: number } = {}) {
  const top = topkOver(2 * N, opts.reversed === true);
  return buildModel({
    inputs: [['x', 'float32', [1, N]]], outputs: ['scores', 'keypoints', 'descriptors', 'other'], opset: 13,
    nodes: [
      node('Concat', ['x', 'x'], ['s'], { axis: 1 }), ...top.nodes,
      node('Cast', ['idx'], ['fi'], { to: 1 }), node('Add', ['fi', 'shift'], ['f']), node('Unsqueeze', ['f', 'ax2'], ['keypoints']),
      node('Gather', ['table', 'idx'], ['descriptors'], { axis: 0 }),
      node('Slice', ['x', 'zero', 'kk', 'ax'], ['other']),
    ],
    initializers: [tensor('k', 'int64', [1], [K]), ...top.initializers,
      tensor('ax', 'int64', [1], [1]),
      tensor('shift', 'float32', [], [opts.shift ?? 0]), tensor('ax2', 'int64', [1], [2]), tensor('zero', 'int64', [1], [0]),
      tensor('kk', 'int64', [1], [K]), tensor('table', 'float32', [2 * N, 4], seq(8 * N, (i) => Math.sin(i * 1.7)))],
  });
}

const tflite = serializeTflite(convertModel(model()).model);

test('top-k rows at tied scores in the other order: paired within the ties, verified', async () => {
  const v = await verifyOnLiteRt(encodeModel(model({ reversed: true })), tflite);
  assert.deepEqual(v.topk, { outputs: ['scores', 'keypoints', 'descriptors'], rows: K, tied: K, reordered: K },
    'every tied pair swapped; `other` has K rows but is not computed from the top-k');
  assert.ok(v.maxRel < 1e-6, `max rel ${v.maxRel}`);
  assert.ok(!isDegraded(v));
  assert.match(verificationLine(v), /^verified on LiteRT: .*top-k rows paired within ties \(6 of 6 reordered\)/);
  assert.deepEqual(verificationJson(v).topk, v.topk);
});

test('the same order on both sides: nothing reordered', async () => {
  const v = await verifyOnLiteRt(encodeModel(model()), tflite);
  assert.deepEqual(v.topk, { outputs: ['scores', 'keypoints', 'descriptors'], rows: K, tied: K, reordered: 0 });
  assert.ok(v.maxRel < 1e-6 && !isDegraded(v));
  assert.doesNotMatch(verificationLine(v), /top-k/);
});

test('rows that differ beyond the tie order still fail the check', async () => {
  const v = await verifyOnLiteRt(encodeModel(model({ reversed: true, shift: 1 })), tflite);
  assert.ok(isDegraded(v), `max rel ${v.maxRel}`);
  assert.match(verificationLine(v), /^NOT verified on LiteRT/);
});

test('a TopK over another axis than the last: no row pairing along the wrong axis, verified as it is', async () => {
  const m = buildModel({
    inputs: [['x', 'float32', [1, N, 3]]], outputs: ['values', 'indices'], opset: 13,
    nodes: [node('TopK', ['x', 'k'], ['values', 'indices'], { axis: 1 })],
    initializers: [tensor('k', 'int64', [1], [4])],
  });
  const v = await verifyOnLiteRt(encodeModel(m), serializeTflite(convertModel(m).model));
  assert.equal(v.topk, undefined);
  assert.ok(!isDegraded(v) && v.maxRel < 1e-6, `max rel ${v.maxRel}`);
});
