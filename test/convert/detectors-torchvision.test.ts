// torchvision detectors with random weights convert with only --input-shape and give on LiteRT the same boxes,
// scores and labels as onnxruntime-node, on a drawn picture and on noise (tolerances: see sameDetections). The
// models are exported by scripts/export-torchvision-detector.py with Debian's python3-torch / python3-torchvision:
// the tiny RetinaNet, Faster R-CNN, Keypoint R-CNN and Mask R-CNN (torchvision's own detector classes, heads and
// post-processing around a 3-conv backbone, 160×160; keypoints and masks compared per matched detection) into a temporary folder, or every NAME.onnx in $ONNX2LITE_DETECTORS (full-size exports, e.g.
// retinanet_resnet50_fpn).
// Skipped, saying why, when neither is there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readModelFile } from '../../src/onnx/reader';
import { exportDetector, torchvisionSkip } from '../helpers/torchvision-detector';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { runOnnx } from '../../src/runtime/ort';
import { toNumbers } from '../../src/ir/tensor';
import type { Tensor } from '../../src/ir/types';

/** The tiny detectors, the head scale that keeps their scores apart (see the script) and their TRANSPOSE count: the
 *  CHW image input is stored HWC (0); the box head's flatten of [N, C, 7, 7] reads it NHWC, its weight rows permuted
 *  (0); the keypoint loop reads [N, K, 56, 56] heatmaps per keypoint, the mask head flattens [N, classes, 28, 28] (1);
 *  the RPN's box decode takes dx / dy / dw / dh as Gathers of index 0-3 from [1600, 4] deltas, read with the 4 first
 *  (one TRANSPOSE that XNNPack runs, then contiguous copies: ops/Gather.ts `axisFirst`, instead of four GATHERs
 *  copying 1600 single elements each on TFLite's own kernel) (+1 in the R-CNNs). */
const TINY: [string, number, number][] = [['tiny_retinanet', 1, 0], ['tiny_fasterrcnn', 3, 1], ['tiny_keypointrcnn', 3, 2], ['tiny_maskrcnn', 3, 2]];

/** An S×S picture of a few coloured shapes with a little seeded grain, CHW in [0, 1]. Without the grain, flat
 *  regions give many exactly equal scores in onnxruntime that LiteRT's kernels (another summation order at tile
 *  edges) make differ in the last bit, and the order among them is then an accident of each runtime. */
function picture(S: number): Tensor {
  const data = new Float32Array(3 * S * S);
  let seed = 11;
  const grain = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 0.04;
  const k = S / 320;
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const [u, v] = [x / k, y / k];
      let rgb = [0.53, 0.66, 0.42];
      if (u >= 30 && u < 140 && v >= 40 && v < 200) rgb = [0.82, 0.25, 0.19];
      if ((u - 230) ** 2 + (v - 120) ** 2 < 50 ** 2) rgb = [0.19, 0.31, 0.75];
      if (v > 230 && v < 300 && Math.abs(u - 160) < (v - 230) * 1.4) rgb = [0.94, 0.88, 0.25];
      for (let c = 0; c < 3; c++) data[c * S * S + y * S + x] = rgb[c] + grain();
    }
  }
  return { name: 'image', dtype: 'float32', dims: [3, S, S], data };
}

/** Seeded uniform noise in [0, 1), CHW. */
function noise(S: number, seed: number): Tensor {
  let s = seed;
  const data = new Float32Array(3 * S * S).map(() => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648));
  return { name: 'image', dtype: 'float32', dims: [3, S, S], data };
}

/**
 * Element by element within 1e-4 of the largest reference value (`exact`), or (full-size detectors) as sets: every
 * onnxruntime detection has its own LiteRT one with the same label, the score within 1e-4 and the box within 2e-4
 * of the largest. Deep float32 pipelines (backbone, RoI sampling, exp box decoding) differ between runtimes by a few
 * 1e-5; two detections whose scores are that close may come out in either order.
 */
async function sameDetections(onnx: string, exact: boolean): Promise<number> {
  const model = readModelFile(onnx);
  const dims = model.graph.inputs[0].shape as number[];
  const S = dims[dims.length - 1];
  const r = convertModel(model, { inputShapes: new Map([['image', [3, S, S]]]) });
  const lite = await openConverted(serializeTflite(r.model));
  try {
    for (const [what, x] of [['picture', picture(S)], ['noise', noise(S, 7)]] as const) {
      const ref = await runOnnx(onnx, [x]);
      const got = await lite.run([x]);
      assert.ok(ref.get('scores')!.dims[0] > 0, `${what}: onnxruntime found nothing, the test would not compare boxes`);
      const [bo, so, lo] = ['boxes', 'scores', 'labels'].map((n) => toNumbers(ref.get(n)!));
      const [bl, sl, ll] = ['boxes', 'scores', 'labels'].map((n) => toNumbers(got.get(n)!));
      for (const name of ['boxes', 'scores', 'labels']) assert.deepEqual(got.get(name)!.dims, ref.get(name)!.dims, `${what}: ${name}`);
      const maxB = Math.max(1e-12, ...bo.map(Math.abs));
      const maxS = Math.max(1e-12, ...so.map(Math.abs));
      const boxTol = (exact ? 1e-4 : 2e-4) * maxB;
      const close = (i: number, j: number) => lo[i] === ll[j] && Math.abs(so[i] - sl[j]) <= 1e-4 * maxS
        && [0, 1, 2, 3].every((k) => Math.abs(bo[4 * i + k] - bl[4 * j + k]) <= boxTol);
      const used = new Set<number>();
      const match: number[] = [];
      for (let i = 0; i < so.length; i++) {
        const j = exact ? (close(i, i) ? i : -1) : [i, ...so.map((_, k) => k)].find((k) => !used.has(k) && close(i, k)) ?? -1;
        assert.ok(j >= 0, `${what}: detection ${i} (label ${lo[i]}, score ${so[i]}, box ${bo.slice(4 * i, 4 * i + 4)}) not on LiteRT`
          + ` (row ${i} there: label ${ll[i]}, score ${sl[i]}, box ${bl.slice(4 * i, 4 * i + 4)})`);
        used.add(j);
        match.push(j);
      }
      // Keypoint R-CNN's keypoints / keypoints_scores, Mask R-CNN's masks: row by row of the matched detections.
      for (const name of [...ref.keys()].filter((n) => !['boxes', 'scores', 'labels'].includes(n))) {
        const r = toNumbers(ref.get(name)!);
        const g = toNumbers(got.get(name)!);
        assert.deepEqual(got.get(name)!.dims, ref.get(name)!.dims, `${what}: ${name}`);
        const row = so.length ? r.length / so.length : 0;
        const max = r.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-12);
        match.forEach((j, i) => {
          for (let k = 0; k < row; k++) {
            const [a, b] = [r[i * row + k], g[j * row + k]];
            assert.ok(Math.abs(a - b) <= 1e-4 * max, `${what}: ${name} of detection ${i}, element ${k}: ${b} on LiteRT vs ${a} (max|ref| ${max})`);
          }
        });
      }
    }
  } finally {
    lite.close();
  }
  return r.transposeCount;
}

const DIR = process.env.ONNX2LITE_DETECTORS ?? '';
if (DIR) {
  const models = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => f.endsWith('.onnx')).sort() : [];
  test('ONNX2LITE_DETECTORS holds detectors', () => assert.ok(models.length > 0, `no .onnx file in ${DIR}`));
  for (const file of models) {
    test(`${file}: same boxes, scores and labels on LiteRT as on onnxruntime`, async () => { await sameDetections(path.join(DIR, file), false); });
  }
} else {
  const skip = torchvisionSkip();
  for (const [name, scale, transposes] of TINY) {
    test(`${name} (torchvision, random weights): same boxes, scores, labels (keypoints, masks) on LiteRT as on onnxruntime`, { skip }, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-det-'));
      try {
        const onnx = path.join(dir, `${name}.onnx`);
        exportDetector(name, 160, onnx, scale);
        assert.equal(await sameDetections(onnx, true), transposes);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
  // A picture with nothing in it: box_score_thresh 1 keeps no detection, so the RoI heads run on 0 boxes (XNNPack's
  // convs on an empty batch, FLOOR_MOD by a row count of 0, the keypoint / paste loops run 0 times). `convert` (the
  // CLI, with its self-check on LiteRT) writes the model, and LiteRT's outputs are onnxruntime's: empty.
  const CLI = path.join(__dirname, '..', '..', 'bin', 'onnx2lite.js');
  for (const name of ['tiny_fasterrcnn', 'tiny_keypointrcnn', 'tiny_maskrcnn']) {
    test(`${name} with no detections: convert verifies, LiteRT's outputs are empty like onnxruntime's`, { skip }, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-det0-'));
      try {
        const onnx = path.join(dir, `${name}.onnx`);
        const out = path.join(dir, `${name}.tflite`);
        exportDetector(name, 160, onnx, 3, 'box_score_thresh=1.0');
        const report = JSON.parse(execFileSync(process.execPath, [CLI, 'convert', onnx, '-o', out, '--json'], { encoding: 'utf8' }));
        const v = report.models[0].verification;
        assert.ok(v.maxRel === 0 && v.cosine >= 0.999, `self-check: ${JSON.stringify(v)}`);
        const lite = await openConverted(new Uint8Array(fs.readFileSync(out)));
        try {
          for (const x of [picture(160), noise(160, 7)]) {
            const ref = await runOnnx(onnx, [x]);
            const got = await lite.run([x]);
            assert.ok(ref.size >= 3);
            for (const [o, w] of ref) {
              assert.equal(w.dims[0], 0, `${o}: onnxruntime found something, the test would not run an empty batch`);
              assert.deepEqual(got.get(o)!.dims, w.dims, o);
            }
          }
        } finally {
          lite.close();
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}
