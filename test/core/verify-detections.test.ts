// Convert's self-check on a detector (src/core/verify.ts with src/compare/detection-sets.ts): outputs that are
// detection rows (a run-time row count; boxes [N, 4] beside labels, scores, keypoints sharing N) are compared as sets.
// The tiny Keypoint R-CNN (torchvision's classes, random weights, scripts/export-torchvision-detector.py, up to 60
// detections) is converted once; the .tflite is then checked against its own ONNX model and against copies of it whose
// outputs were changed after the fact: rows reversed (the same detections in another order: verifies), one
// detection's keypoints moved (one row in 50 may be off in keypoints / masks, as a box at a step of ceil(box size)
// gives Keypoint R-CNN at torchvision's defaults: verifies, counted), every detection's keypoints moved, the first row
// dropped (an extra detection on LiteRT), a duplicated row (a detection missing on LiteRT) and the first box moved (a
// box off). The last four must fail the check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readModelFile } from '../../src/onnx/reader';
import { exportDetector, torchvisionSkip } from '../helpers/torchvision-detector';
import { edited, firstRowsMoved, i64, reversed } from '../helpers/edit-outputs';
import { node } from '../../src/onnx/builder';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { isDegraded, verificationJson, verificationLine, verifyOnLiteRt } from '../../src/core/verify';

const ROWS = ['boxes', 'labels', 'scores', 'keypoints', 'keypoints_scores'];

/** Rows from the second on. */
function dropFirst(from: string, to: string) {
  const p = `${to}_drop`;
  return {
    nodes: [node('Slice', [from, `${p}_s`, `${p}_e`, `${p}_a`], [to])],
    consts: [i64(`${p}_s`, [1], [1]), i64(`${p}_e`, [1], [2 ** 31 - 1]), i64(`${p}_a`, [1], [0])],
  };
}

/** The first row given twice. */
function firstTwice(from: string, to: string) {
  const p = `${to}_dup`;
  return {
    nodes: [
      node('Slice', [from, `${p}_s`, `${p}_e`, `${p}_a`], [`${p}_first`]),
      node('Concat', [`${p}_first`, from], [to], { axis: 0 }),
    ],
    consts: [i64(`${p}_s`, [1], [0]), i64(`${p}_e`, [1], [1]), i64(`${p}_a`, [1], [0])],
  };
}

/** The first `rows` detections' keypoints 8 px right and down. */
const keypointsOff = (rows: number) => firstRowsMoved(rows, [1, 1, 3], [8, 8, 0]);

/** The first box's right and bottom edges 6 px further (of a 160 px picture). */
const firstBoxOff = firstRowsMoved(1, [1, 4], [0, 0, 6, 6]);

const skip = torchvisionSkip();

test('a detector\'s rows are verified as sets: reordered rows pass, a missing, extra or moved detection fails', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-verify-det-'));
  try {
    const onnx = path.join(dir, 'tiny_keypointrcnn.onnx');
    exportDetector('tiny_keypointrcnn', 160, onnx, 3, 'box_detections_per_img=60');
    const tflite = serializeTflite(convertModel(readModelFile(onnx), {}).model);

    const same = await verifyOnLiteRt(onnx, tflite);
    const d = same.detections;
    assert.ok(d, 'the outputs are recognised as detection rows');
    assert.deepEqual(d.outputs, ROWS);
    assert.ok(d.refRows >= 50, `the check compares enough detections that one may be off in its keypoints (${d.refRows})`);
    assert.deepEqual([d.rows, d.paired, d.reordered, d.missing, d.extra, d.headRowsOff], [d.refRows, d.refRows, 0, 0, 0, 0]);
    assert.ok(same.maxRel < 1e-4 && !isDegraded(same), verificationLine(same));
    assert.match(verificationLine(same), new RegExp(`^verified on LiteRT: .*detections compared as sets \\(${d.refRows}/${d.refRows} paired\\)`));
    const json = verificationJson(same);
    assert.deepEqual(Object.keys(json).sort(), ['cosine', 'detections', 'maxRel', 'ms', 'seeds']);
    const n = d.refRows;

    // The same detections in reverse order: element by element every row would differ; as sets they all pair.
    const rev = await verifyOnLiteRt(edited(onnx, ROWS, reversed), tflite);
    assert.deepEqual(rev.detections && [rev.detections.paired, rev.detections.reordered, rev.detections.missing, rev.detections.extra],
      [n, n - (n % 2), 0, 0], JSON.stringify(rev.detections));
    assert.ok(rev.maxRel < 1e-4 && !isDegraded(rev), verificationLine(rev));

    // One detection's keypoints 8 px over: left out of the measure and counted; every detection's: the check fails.
    const oneOff = await verifyOnLiteRt(edited(onnx, ['keypoints'], keypointsOff(1)), tflite);
    assert.equal(oneOff.detections?.headRowsOff, 1, JSON.stringify(oneOff.detections));
    assert.ok(oneOff.maxRel < 1e-4 && !isDegraded(oneOff), verificationLine(oneOff));
    assert.match(verificationLine(oneOff), /^verified on LiteRT: .*1 with keypoints \/ masks beyond the bar \(left out/);
    const allOff = await verifyOnLiteRt(edited(onnx, ['keypoints'], keypointsOff(n)), tflite);
    assert.equal(allOff.detections?.headRowsOff, n);
    assert.ok(allOff.maxRel > 1e-2 && isDegraded(allOff), verificationLine(allOff));

    // onnxruntime without its best detection: LiteRT has one extra.
    const extra = await verifyOnLiteRt(edited(onnx, ROWS, dropFirst), tflite);
    assert.deepEqual(extra.detections && [extra.detections.refRows, extra.detections.rows, extra.detections.extra, extra.detections.missing],
      [n - 1, n, 1, 0], JSON.stringify(extra.detections));
    assert.ok(isDegraded(extra));
    assert.match(verificationLine(extra), /^NOT verified on LiteRT: .*1 extra on LiteRT/);
    assert.equal(verificationJson(extra).degraded, true);

    // onnxruntime with its first detection twice: one missing on LiteRT.
    const missing = await verifyOnLiteRt(edited(onnx, ROWS, firstTwice), tflite);
    assert.deepEqual(missing.detections && [missing.detections.paired, missing.detections.missing, missing.detections.extra], [n, 1, 0]);
    assert.ok(isDegraded(missing));
    assert.match(verificationLine(missing), /1 missing on LiteRT/);

    // The first box moved by 6 px: paired or not, the check fails.
    const off = await verifyOnLiteRt(edited(onnx, ['boxes'], firstBoxOff), tflite);
    assert.ok(isDegraded(off), verificationLine(off));
    assert.ok(off.maxRel > 1e-2 || off.detections!.missing > 0, JSON.stringify(off));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
