// Convert's self-check on outputs whose rows a TopK inside the model selected (a two-stage DETR's queries: RF-DETR
// under fp16 read 0.65 of max|ref| by position because near-tied proposals came out in another order). The reference
// here is the same model with ties broken the other way (TopK over the reversed scores, indices mapped back): every
// row comes at another position and, with an odd k, one proposal at the k-th score is the other twin. Compared as sets
// of rows: verified. A reference whose boxes really differ still fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { isDegraded, verificationJson, verificationLine, verifyOnLiteRt } from '../../src/core/verify';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { serializeTflite } from '../../src/tflite/writer';
import { topkOver } from './reversed-topk';

const N = 64;
const K = 51;
const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
const frac = (v: number) => v - Math.floor(v);
/** Boxes (cx, cy, w, h) in [0, 1], small and scattered: twins' boxes do not overlap. */
const boxes = Array.from({ length: 2 * N }, (_, i) => [frac(Math.sin(i * 12.9898) * 43758.5), frac(Math.sin(i * 78.233) * 12345.6), 0.02 + 0.03 * frac(i * 0.37), 0.02 + 0.03 * frac(i * 0.61)]).flat();

/** x [1, N] → the top K of concat(x, x) (every score twice: ties in pairs) selects queries; out: their boxes
 *  [1, K, 4] (plus `shift`) and class logits [1, K, 3]; the scores themselves are no output. `reversed`: the top-k of
 *  the reversed scores, indices mapped back (ties broken towards the higher index). */
function model(opts: { reversed?: boolean; shift?: number } = {}) {
  const top = topkOver(2 * N, opts.reversed === true);
  return buildModel({
    inputs: [['x', 'float32', [1, N]]], outputs: ['dets', 'labels'], opset: 13,
    nodes: [
      node('Concat', ['x', 'x'], ['s'], { axis: 1 }), ...top.nodes,
      node('Gather', ['table', 'idx'], ['b'], { axis: 0 }), node('Add', ['b', 'shift'], ['dets']),
      node('Gather', ['logits', 'idx'], ['labels'], { axis: 0 }),
    ],
    initializers: [tensor('k', 'int64', [1], [K]), ...top.initializers,
      tensor('ax', 'int64', [1], [1]),
      tensor('shift', 'float32', [], [opts.shift ?? 0]), tensor('table', 'float32', [2 * N, 4], boxes),
      tensor('logits', 'float32', [2 * N, 3], seq(6 * N, (i) => Math.cos(i * 0.9)))],
  });
}

const tflite = serializeTflite(convertModel(model()).model);

test('rows a top-k selected, in another order and one other twin at the k-th score: paired as sets, verified', async () => {
  const v = await verifyOnLiteRt(encodeModel(model({ reversed: true })), tflite);
  assert.equal(v.topk, undefined, 'the scores are no output: not the ranked-values case');
  assert.deepEqual({ ...v.selected, reordered: undefined }, { outputs: ['dets', 'labels'], rows: K, paired: K - 1, unpaired: 1, reordered: undefined });
  assert.ok(v.selected!.reordered >= K - 1, `${v.selected!.reordered} reordered`);
  assert.ok(v.maxRel < 1e-6, `max rel ${v.maxRel}`);
  assert.ok(!isDegraded(v));
  assert.match(verificationLine(v), /^verified on LiteRT: .*rows a top-k selected compared as sets \(50\/51 paired, \d+ reordered\)/);
  assert.deepEqual(verificationJson(v).selected, v.selected);
});

test('the same order on both sides: every row paired with itself', async () => {
  const v = await verifyOnLiteRt(encodeModel(model()), tflite);
  assert.deepEqual(v.selected, { outputs: ['dets', 'labels'], rows: K, paired: K, reordered: 0, unpaired: 0 });
  assert.ok(v.maxRel < 1e-6 && !isDegraded(v));
  assert.doesNotMatch(verificationLine(v), /top-k/);
});

test('boxes that really differ still fail the check, however the rows are paired', async () => {
  const moved = await verifyOnLiteRt(encodeModel(model({ reversed: true, shift: 0.03 })), tflite);
  assert.ok(isDegraded(moved), `max rel ${moved.maxRel}`);
  assert.match(verificationLine(moved), /^NOT verified on LiteRT/);
  const elsewhere = await verifyOnLiteRt(encodeModel(model({ reversed: true, shift: 0.5 })), tflite);
  assert.ok(isDegraded(elsewhere) && elsewhere.selected!.unpaired > 1, `${elsewhere.selected?.unpaired} unpaired`);
});
