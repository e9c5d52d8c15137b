// The weight-only modes' guard on a detector whose top-k rows are separate outputs (D-FINE / DEIMv2: labels, boxes,
// scores from one TopK): near-equal scores ranked the other way beyond the ties (DEIMv2-atto under fp16 on noise: 4 of
// 300 rows, the labels output's cosine 0.5806, refused though a photo keeps 66 / 66 detections) are judged as a set of
// detections (src/core/verify-topk-sets.ts, verify.ts topk.setCosine, src/quantize/weight-only-guard.ts); a detection
// relabelled is refused, also when by position its class id off by one passed. The other side here is a real .tflite of the same detector with two scores' offsets
// swapped (rows ranked the other way, as fp16 weights do) or one label changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { isDegraded, verifyOnLiteRt } from '../../src/core/verify';
import { rankedSetCosine } from '../../src/core/verify-topk-sets';
import { weightOnlyGuard } from '../../src/quantize/weight-only-guard';
import { ModelError } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { serializeTflite } from '../../src/tflite/writer';

const N = 20;
const K = 8;
const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
/** Class ids; the two top rows' far apart (79, 0), so that ranking them the other way fails by position. */
const LABELS = seq(N, (i) => (i === 3 ? 79 : i === 7 ? 0 : (i * 37) % 80));

/** x [1, N, 6] → scores sigmoid(x · w + offset) [1, N] → TopK K: scores, boxes [1, K, 4] and labels [1, K] gathered
 *  at its indices from constant tables (boxes apart from each other). */
function detector(offsets: number[], labels = LABELS) {
  return buildModel({
    inputs: [['x', 'float32', [1, N, 6]]], outputs: ['labels', 'boxes', 'scores'], opset: 13,
    nodes: [
      node('MatMul', ['x', 'w'], ['m']), node('Reshape', ['m', 'shape'], ['m2']), node('Add', ['m2', 'offsets'], ['logit']),
      node('Sigmoid', ['logit'], ['prob']), node('TopK', ['prob', 'k'], ['scores', 'idx'], { axis: 1 }),
      node('Gather', ['table', 'idx'], ['boxes'], { axis: 0 }), node('Gather', ['classes', 'idx'], ['labels'], { axis: 0 }),
    ],
    initializers: [tensor('w', 'float32', [6, 1], [0.005, 0, 0, 0, 0, 0]), tensor('shape', 'int64', [2], [1, N]),
      tensor('offsets', 'float32', [N], offsets), tensor('k', 'int64', [1], [K]),
      tensor('table', 'float32', [N, 4], seq(4 * N, (i) => 10 * Math.floor(i / 4) + (i % 4 >= 2 ? 8 : 0))),
      tensor('classes', 'int64', [N], labels)],
  });
}
const OFFSETS = seq(N, (i) => (i === 3 ? 2.5 : i === 7 ? 2.55 : -2 + 0.2 * i));
const SWAPPED = OFFSETS.map((c, i) => (i === 3 ? 2.55 : i === 7 ? 2.5 : c));

test('packed as detections: rows in another order compare as a set, a lost row costs its weight', () => {
  const boxes = new Float32Array(seq(12, (i) => 10 * Math.floor(i / 4) + (i % 4 >= 2 ? 8 : 0)));
  const outs = (labels: number[], scores: number[]) => [
    { ref: new Float32Array([1, 5, 9]), got: new Float32Array(labels), integer: true },
    { ref: boxes, integer: false, got: new Float32Array([...boxes.slice(4, 8), ...boxes.slice(0, 4), ...boxes.slice(8)]) },
    { ref: new Float32Array([0.9, 0.8, 0.1]), got: new Float32Array(scores), integer: false }];
  // LiteRT's rows 0 and 1 swapped, scores within 1e-3: one set.
  assert.ok(rankedSetCosine({ k: 3, values: 2, outs: outs([5, 1, 9], [0.8005, 0.8999, 0.1]) })! > 0.9999);
  // The first detection relabelled: it has no pair.
  assert.ok(rankedSetCosine({ k: 3, values: 2, outs: outs([5, 2, 9], [0.8005, 0.8999, 0.1]) })! < 0.9);
  // Not a detector's rows: labels not whole, ids of a float output (SuperPoint's keypoints), no corner boxes.
  const base = outs([1, 5, 9], [0.9, 0.8, 0.1]);
  const [ids, corners, scores] = [base[0]!, base[1]!, base[2]!];
  assert.equal(rankedSetCosine({ k: 3, values: 2, outs: [{ ...ids, ref: new Float32Array([1.5, 5, 9]) }, corners, scores] }), undefined);
  assert.equal(rankedSetCosine({ k: 3, values: 2, outs: [{ ...ids, integer: false }, corners, scores] }), undefined);
  assert.equal(rankedSetCosine({ k: 3, values: 2, outs: [ids, { ...corners, ref: corners.ref.map((v, i) => (i === 2 ? -1 : v)) }, scores] }), undefined);
});

test('top-k detections ranked the other way: the fp16 / dynamic guard judges them as a set', async () => {
  const v = await verifyOnLiteRt(encodeModel(detector(OFFSETS)), serializeTflite(convertModel(detector(SWAPPED)).model));
  assert.ok(v.topk, 'a top-k group');
  assert.ok(v.topk.setCosine! >= 0.999, `as a set: ${v.topk.setCosine}`);
  // The self-check's own measure is the set's too (by position the labels output read 0.58 on DEIMv2-atto).
  assert.ok(v.cosine >= 0.999 && !isDegraded(v), JSON.stringify(v));
  assert.deepEqual(v.topk.sets, { paired: K, missing: 0, extra: 0, edge: 0 });
  const held = weightOnlyGuard('fp16', v, undefined, false)!;
  assert.ok(held.guard.met && held.guard.cosine === v.topk.setCosine);
});

test('a detection relabelled is still refused by the guard', async () => {
  const relabelled = LABELS.map((l, i) => (i === 3 ? l + 1 : l));
  const v = await verifyOnLiteRt(encodeModel(detector(OFFSETS)), serializeTflite(convertModel(detector(OFFSETS, relabelled)).model));
  assert.ok(v.topk?.setCosine !== undefined && v.topk.setCosine < 0.99, JSON.stringify(v.topk));
  // By position a class id off by one read as cosine >= 0.99; as a set the relabelled row has no pair.
  assert.ok(v.cosine < 0.99 && isDegraded(v), `cosine ${v.cosine}`);
  assert.deepEqual(v.topk.sets, { paired: K - 1, missing: 1, extra: 1, edge: 0 });
  assert.throws(() => weightOnlyGuard('dynamic', v, undefined, false), ModelError);
});
