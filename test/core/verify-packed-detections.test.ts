// Convert's self-check on an end-to-end detector (YOLOv10's NMS-free export, ultralytics' end2end): its detections
// are one [1, K, 6] output (x1, y1, x2, y2, score, label) sorted by a TopK, and near-equal scores come out in either
// order on two runtimes (yolov10n_style: 30 of 100 rows, and onnxruntime against itself as much). They are compared
// as sets (src/compare/detection-sets.ts isPackedDetections). The fixture is test/fixtures/sweep7/make_sweep7.py's;
// LiteRT's side is converted from copies whose rows were reversed (verifies) or whose first box was moved (fails).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeModel, readModelFile } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { isDegraded, verificationLine, verifyOnLiteRt } from '../../src/core/verify';
import { isPackedDetections } from '../../src/compare/detection-sets';
import { edited, firstRowsMoved, reversed } from '../helpers/edit-outputs';

const ONNX = 'test/fixtures/sweep7/end_to_end_detector.onnx';
const tfliteOf = (bytes: Uint8Array) => serializeTflite(convertModel(decodeModel(bytes), {}).model);

test('an end-to-end detector\'s packed rows are verified as sets: reordered rows pass, a moved box fails', async () => {
  const same = await verifyOnLiteRt(ONNX, tfliteOf(readFileSync(ONNX)));
  assert.deepEqual(same.detections && [same.detections.outputs, same.detections.refRows, same.detections.paired, same.detections.missing],
    [['detections'], 20, 20, 0], JSON.stringify(same.detections));
  assert.ok(same.maxRel < 1e-5 && !isDegraded(same), verificationLine(same));

  // LiteRT's rows in reverse order: element by element every row differs (was NOT verified); as sets all pair.
  const rev = await verifyOnLiteRt(ONNX, tfliteOf(edited(ONNX, ['detections'], (f, t) => reversed(f, t, 1))));
  assert.deepEqual(rev.detections && [rev.detections.paired, rev.detections.reordered, rev.detections.missing, rev.detections.extra],
    [20, 20, 0, 0], JSON.stringify(rev.detections));
  assert.ok(rev.maxRel < 1e-5 && !isDegraded(rev), verificationLine(rev));
  assert.match(verificationLine(rev), /^verified on LiteRT: .*detections compared as sets \(20\/20 paired\)/);

  // LiteRT's first box 40 px over (of a 64 px picture): it pairs with nothing, the check fails.
  const moved = await verifyOnLiteRt(ONNX, tfliteOf(edited(ONNX, ['detections'], firstRowsMoved(1, [1, 1, 6], [40, 40, 40, 40, 0, 0], 1))));
  assert.ok(isDegraded(moved), verificationLine(moved));
  assert.deepEqual(moved.detections && [moved.detections.missing, moved.detections.extra], [1, 1]);
});

test('packed detection rows are told apart by whole labels and probabilities sorted down', () => {
  const rows = (r: number[][]) => new Float32Array(r.flat());
  assert.ok(isPackedDetections([1, 2, 6], rows([[0, 0, 4, 4, 0.9, 3], [1, 1, 5, 5, 0.8, 0]])));
  assert.ok(!isPackedDetections([1, 2, 6], rows([[0, 0, 4, 4, 0.8, 3], [1, 1, 5, 5, 0.9, 0]])), 'scores rising');
  assert.ok(!isPackedDetections([1, 2, 6], rows([[0, 0, 4, 4, 0.9, 0.5], [1, 1, 5, 5, 0.8, 0]])), 'a label that is no whole number');
  assert.ok(!isPackedDetections([1, 2, 5], rows([[0, 0, 4, 4, 0.9], [1, 1, 5, 5, 0.8]])), 'no label column');
  assert.ok(!isPackedDetections([1, 2, 6], rows([[0, 0, 4, 4, 1, 3], [1, 1, 5, 5, 0, 0]])), 'whole scores (a class-id map)');
  assert.ok(!isPackedDetections([1, 2, 6], rows([[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]])), 'all zero');
  assert.ok(!isPackedDetections([1, 2, 6], rows([[0, 0, 4, 4, 7.5, 3], [1, 1, 5, 5, 2.5, 0]])), 'scores beyond [0, 1]');
  assert.ok(!isPackedDetections([2, 2, 6], rows([[0, 0, 4, 4, 0.9, 3], [1, 1, 5, 5, 0.8, 0], [0, 0, 4, 4, 0.9, 3], [1, 1, 5, 5, 0.8, 0]])), 'a batch');
});
