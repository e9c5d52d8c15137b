// The float32 self-check on a detector whose top-k rows are separate outputs (D-FINE / DEIMv2: labels, boxes, scores
// from one TopK): rows ranked the other way (DEIMv2-femto on noise: two pairs 3e-8 apart, and its 300th row another
// class of equal score) were "NOT verified" by position (a label off by one at max rel 1.3e-2); judged as a set of
// detections (src/core/verify-topk-sets.ts) they verify, a row without a pair at the k-th score's edge allowed, while a
// detection relabelled is still refused by convert. The other side is a real .tflite of the same detector with two
// scores' offsets swapped, or one class id changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertModel } from '../../src/convert/convert';
import { convertFileVerified } from '../../src/core/convert-file';
import { isDegraded, verificationJson, verificationLine, verifyOnLiteRt } from '../../src/core/verify';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { serializeTflite } from '../../src/tflite/writer';

const N = 20;
const K = 8;
const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
/** Class ids, far apart on the rows that swap (79 / 0 at the top, 41 / 7 at the edge). */
const LABELS = seq(N, (i) => (i === 3 ? 79 : i === 7 ? 0 : i === 10 ? 41 : i === 12 ? 7 : (i * 37) % 80));
/** Offsets: rows 3 and 7 rank first and second (2.55, 2.5), rows 10 and 12 K-th and K + 1-th, 2e-6 apart. */
const OFFSETS = seq(N, (i) => (i === 3 ? 2.55 : i === 7 ? 2.5 : i === 10 ? 0.3 : i === 12 ? 0.3 - 2e-6 : i < 6 ? 1 + 0.2 * i : -2 + 0.1 * i));
const swap = (o: number[], a: number, b: number) => o.map((c, i) => (i === a ? o[b]! : i === b ? o[a]! : c));

/** x [1, 1] (one shift for every row: the ranking is the offsets') → scores sigmoid(0.01 x + offsets) [1, N] → TopK K:
 *  scores, boxes [1, K, 4] and labels [1, K] gathered at its indices from constant tables (boxes apart). */
function detector(offsets: number[], labels = LABELS) {
  return buildModel({
    inputs: [['x', 'float32', [1, 1]]], outputs: ['labels', 'boxes', 'scores'], opset: 13,
    nodes: [
      node('Mul', ['x', 'w'], ['m']), node('Add', ['m', 'offsets'], ['logit']),
      node('Sigmoid', ['logit'], ['prob']), node('TopK', ['prob', 'k'], ['scores', 'idx'], { axis: 1 }),
      node('Gather', ['table', 'idx'], ['boxes'], { axis: 0 }), node('Gather', ['classes', 'idx'], ['labels'], { axis: 0 }),
    ],
    initializers: [tensor('w', 'float32', [1, 1], [0.01]), tensor('offsets', 'float32', [1, N], offsets), tensor('k', 'int64', [1], [K]),
      tensor('table', 'float32', [N, 4], seq(4 * N, (i) => 10 * Math.floor(i / 4) + (i % 4 >= 2 ? 8 : 0))),
      tensor('classes', 'int64', [N], labels)],
  });
}
const check = (ref: number[], got: number[], labels = LABELS) =>
  verifyOnLiteRt(encodeModel(detector(ref)), serializeTflite(convertModel(detector(got, labels)).model));

test('float32: top detections ranked the other way are verified as a set', async () => {
  const v = await check(OFFSETS, swap(OFFSETS, 3, 7));
  assert.ok(!isDegraded(v), verificationLine(v));
  assert.ok(v.cosine >= 0.999 && v.maxRel < 1e-2, `cosine ${v.cosine}, max rel ${v.maxRel}`);
  assert.deepEqual(v.topk?.sets, { paired: K, missing: 0, extra: 0, edge: 0 });
  assert.match(verificationLine(v), /^verified on LiteRT: .*top-k detections compared as a set \(8\/8 paired\)/);
  assert.deepEqual(verificationJson(v).topk?.sets, v.topk?.sets);
});

test('float32: the K-th row another detection of a near-equal score (the edge) is verified', async () => {
  const v = await check(OFFSETS, swap(OFFSETS, 10, 12));
  assert.deepEqual(v.topk?.sets, { paired: K - 1, missing: 0, extra: 0, edge: 2 });
  assert.ok(!isDegraded(v) && v.cosine >= 0.999, verificationLine(v));
  assert.match(verificationLine(v), /\(7\/8 paired, 2 at the k-th score's edge\)/);
});

test('float32: a detection relabelled is refused by convert, nothing written', async () => {
  const relabelled = LABELS.map((l, i) => (i === 3 ? l + 1 : l));
  const v = await check(OFFSETS, OFFSETS, relabelled);
  assert.ok(isDegraded(v) && v.cosine < 0.99, verificationLine(v));
  assert.deepEqual(v.topk?.sets, { paired: K - 1, missing: 1, extra: 1, edge: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'onnx2lite-topk-float-'));
  writeFileSync(join(dir, 'det.onnx'), encodeModel(detector(OFFSETS)));
  const out = join(dir, 'det.tflite');
  await assert.rejects(convertFileVerified(join(dir, 'det.onnx'), out, {}, true, () => convertModel(detector(OFFSETS, relabelled))),
    /top-k detections differ from onnxruntime's, top-k detections compared as a set \(7\/8 paired, 1 missing on LiteRT, 1 extra on LiteRT\).*nothing written/);
  assert.ok(!existsSync(out));
  // Two detections' scores exchanged (the K-th and the third): paired, the scores off.
  const moved = await check(OFFSETS, swap(OFFSETS, 10, 2));
  assert.ok(isDegraded(moved), verificationLine(moved));
});
