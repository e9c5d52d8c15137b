// NonMaxSuppression on LiteRT keeps the boxes onnxruntime keeps. Boxes of zero area (torchvision clips boxes to the
// image, so boxes flattened on its border reach NMS) are kept once and suppress nothing in onnxruntime; TFLite's
// NON_MAX_SUPPRESSION_V4 puts a kept box back on its queue and drops it again only by its IoU with itself, which it
// counts as 0 for a zero-area box, so that box was selected again and again up to max_output_size and hid every box
// scored below it (RetinaNet gave the same flat box 290 times).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { runOnnx } from '../../src/runtime/ort';
import { toNumbers } from '../../src/ir/tensor';
import type { Model, Tensor } from '../../src/ir/types';

/** [y1, x1, y2, x2] boxes with their scores, some of zero area (flat or thin), one suppressed by another. */
const BOXES = [
  [0, 0, 10, 10], // kept
  [5, 5, 5, 20], // flat: kept once, suppresses nothing
  [20, 20, 30, 30], // kept
  [0, 0, 10, 9], // suppressed by the first
  [7, 40, 2, 40], // thin (x1 == x2), corners in either order: kept once
  [5, 5, 5, 20], // the same flat box again: kept too (zero area never suppresses)
  [21, 21, 30, 30], // suppressed by the third
  [50, 50, 60, 61], // kept, scored last
];
const SCORES = [0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55];

async function compare(model: Model, feeds: Tensor[]): Promise<number[]> {
  const want = toNumbers((await runOnnx(encodeModel(model), feeds)).get('sel')!);
  const lite = await openConverted(serializeTflite(convertModel(model).model));
  try {
    const got = (await lite.run(feeds)).get('sel')!;
    assert.deepEqual(Array.from(toNumbers(got)), Array.from(want));
  } finally {
    lite.close();
  }
  return Array.from(want);
}

test('NonMaxSuppression: zero-area boxes are kept once and suppress nothing, as in onnxruntime', async () => {
  const n = BOXES.length;
  const model = buildModel({
    inputs: [['boxes', 'float32', [1, n, 4]], ['scores', 'float32', [1, 1, n]]], outputs: ['sel'], opset: 13,
    nodes: [node('NonMaxSuppression', ['boxes', 'scores', 'max', 'iou'], ['sel'])],
    initializers: [tensor('max', 'int64', [1], [100]), tensor('iou', 'float32', [1], [0.5])],
  });
  const want = await compare(model, [
    tensor('boxes', 'float32', [1, n, 4], BOXES.flat()), tensor('scores', 'float32', [1, 1, n], SCORES)]);
  // The reference itself: every box but the two suppressed ones, in score order.
  assert.deepEqual(want.filter((_, i) => i % 3 === 2), [0, 1, 2, 4, 5, 7]);
});

test('NonMaxSuppression: zero-area boxes in a box count known only at run time (after a NonZero filter)', async () => {
  const n = BOXES.length;
  // Boxes whose score passes 0.58 are gathered first (a computed count, as torchvision's score filter), then NMS.
  const model = buildModel({
    inputs: [['boxes', 'float32', [n, 4]], ['scores', 'float32', [n]]], outputs: ['sel'], opset: 13,
    nodes: [
      node('Greater', ['scores', 'thr'], ['keep']),
      node('NonZero', ['keep'], ['nz']),
      node('Squeeze', ['nz', 'ax0'], ['idx']),
      node('Gather', ['boxes', 'idx'], ['kb']),
      node('Gather', ['scores', 'idx'], ['ks']),
      node('Unsqueeze', ['kb', 'ax0'], ['b3']),
      node('Unsqueeze', ['ks', 'ax01'], ['s3']),
      node('NonMaxSuppression', ['b3', 's3', 'max', 'iou'], ['sel']),
    ],
    initializers: [tensor('thr', 'float32', [], [0.58]), tensor('ax0', 'int64', [1], [0]), tensor('ax01', 'int64', [2], [0, 1]),
      tensor('max', 'int64', [1], [100]), tensor('iou', 'float32', [1], [0.5])],
  });
  const want = await compare(model, [tensor('boxes', 'float32', [n, 4], BOXES.flat()), tensor('scores', 'float32', [n], SCORES)]);
  assert.deepEqual(want.filter((_, i) => i % 3 === 2), [0, 1, 2, 4, 5]);
});

test('NonMaxSuppression: equal scores are taken in index order and IoU equal to the threshold does not suppress', async () => {
  // Eight boxes of one score: 0/1 and 4/5 overlap (IoU 0.81), so whichever comes first wins; 2 and 3 have IoU
  // exactly 0.5 = the threshold (onnxruntime suppresses above it only); 6 and 7 are apart.
  const boxes = [[0, 10, 10, 20], [1, 11, 10, 20], [20, 0, 30, 10], [20, 0, 30, 5], [40, 40, 50, 50], [40, 40, 49, 49],
    [60, 0, 61, 1], [70, 0, 71, 1]];
  const n = boxes.length;
  const model = buildModel({
    inputs: [['boxes', 'float32', [1, n, 4]], ['scores', 'float32', [1, 1, n]]], outputs: ['sel'], opset: 13,
    nodes: [node('NonMaxSuppression', ['boxes', 'scores', 'max', 'iou'], ['sel'])],
    initializers: [tensor('max', 'int64', [1], [100]), tensor('iou', 'float32', [1], [0.5])],
  });
  const want = await compare(model, [
    tensor('boxes', 'float32', [1, n, 4], boxes.flat()), tensor('scores', 'float32', [1, 1, n], new Array<number>(n).fill(0.5))]);
  assert.deepEqual(want.filter((_, i) => i % 3 === 2), [0, 2, 3, 4, 6, 7]);
});
