// The parts of two-stage detectors' RoI heads (Keypoint / Mask R-CNN) that have a size known only at run time, as
// small graphs built here, on LiteRT against onnxruntime-node:
//  - RoI features whose batch comes from the data ([N, C, 7, 7], N from NonZero) through Conv, Relu, ConvTranspose,
//    Resize and Sigmoid, channel-last with no TRANSPOSE, and one converted model run at two different N;
//  - torchvision's ONNX paste loop: a Loop whose trip count is an input (TFLite WHILE) grows a carried [0, 4] by a
//    row per item, each row from a heatmap resized (cubic, then linear) to an item's size given at run time.
// The full-size torchvision models (scripts/export-torchvision-detector.py tiny_keypointrcnn / tiny_maskrcnn, or
// keypointrcnn_resnet50_fpn / maskrcnn_resnet50_fpn) are in test/convert/detectors-torchvision.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { buildGraph, buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { toNumbers } from '../../src/ir/tensor';
import type { Model, Tensor } from '../../src/ir/types';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
const size = (d: number[]) => d.reduce((a, b) => a * b, 1);

async function sameOnBoth(model: Model, feedsList: Tensor[][], outputs: string[]): Promise<number> {
  const bytes = encodeModel(model);
  const r = convertModel(model);
  const lite = await openConverted(serializeTflite(r.model));
  try {
    for (const feeds of feedsList) {
      const want = await runOnnx(bytes, feeds);
      const got = await lite.run(feeds);
      for (const o of outputs) {
        const w = want.get(o)!;
        const g = got.get(o)!;
        assert.deepEqual(g.dims, w.dims, `${o}: dims`);
        const wv = toNumbers(w);
        const gv = toNumbers(g);
        const max = wv.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-12);
        const bad = wv.findIndex((v, i) => !(Math.abs(gv[i] - v) <= 1e-4 * max));
        assert.ok(bad < 0, `${o}[${bad}]: ${gv[bad]} vs ${wv[bad]} (max|ref| ${max})`);
      }
    }
  } finally {
    lite.close();
  }
  return r.transposeCount;
}

test('RoI features with a data-dependent batch through Conv, ConvTranspose, Resize: LiteRT matches onnxruntime at two N, no TRANSPOSE', async () => {
  const F = [6, 4, 7, 7];
  const w1 = [8, 4, 3, 3];
  const w2 = [8, 3, 4, 4];
  const model = buildModel({
    opset: 13,
    inputs: [['feats', 'float32', F], ['scores', 'float32', [6]]],
    outputs: ['y'],
    initializers: [
      tensor('thr', 'float32', [], [0.5]), tensor('ax0', 'int64', [1], [0]),
      tensor('w1', 'float32', w1, seq(size(w1), (i) => Math.sin(i * 0.37) * 0.3)), tensor('b1', 'float32', [8], seq(8, (i) => i * 0.05 - 0.2)),
      tensor('w2', 'float32', w2, seq(size(w2), (i) => Math.cos(i * 0.53) * 0.3)), tensor('b2', 'float32', [3], [0.1, -0.1, 0.05]),
      tensor('scales', 'float32', [4], [1, 1, 2, 2]),
    ],
    nodes: [
      node('Greater', ['scores', 'thr'], ['keep']),
      node('NonZero', ['keep'], ['nz']),
      node('Squeeze', ['nz', 'ax0'], ['idx']),
      node('Gather', ['feats', 'idx'], ['rois'], { axis: 0 }),
      node('Conv', ['rois', 'w1', 'b1'], ['c1'], { pads: [1, 1, 1, 1] }),
      node('Relu', ['c1'], ['r1']),
      node('ConvTranspose', ['r1', 'w2', 'b2'], ['up'], { strides: [2, 2], pads: [1, 1, 1, 1] }),
      node('Resize', ['up', '', 'scales'], ['big'], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }),
      node('Sigmoid', ['big'], ['y']),
    ],
  });
  const feats = tensor('feats', 'float32', F, seq(size(F), (i) => Math.sin(i * 0.11) * 1.5));
  const two = tensor('scores', 'float32', [6], [0.9, 0.1, 0.2, 0.7, 0.3, 0.4]);
  const five = tensor('scores', 'float32', [6], [0.9, 0.6, 0.2, 0.7, 0.8, 0.95]);
  const transposes = await sameOnBoth(model, [[feats, two], [feats, five]], ['y']);
  assert.equal(transposes, 0);
});

test('a WHILE loop grows its result by a row per item from heatmaps resized to run-time sizes (cubic, linear): LiteRT matches onnxruntime', async () => {
  const K = 2;
  const body = buildGraph({
    name: 'paste',
    inputs: [['i', 'int64', []], ['cond_in', 'bool', []], ['acc', 'float32', ['rows', 2 * K]]],
    outputs: ['cond_out', 'acc_out'],
    initializers: [tensor('ax1', 'int64', [1], [1]), tensor('ax0', 'int64', [1], [0]), tensor('kc', 'int64', [2], [K, 1]),
      tensor('flat', 'int64', [2], [K, -1])],
    nodes: [
      node('Identity', ['cond_in'], ['cond_out']),
      node('Gather', ['maps', 'i'], ['map'], { axis: 0 }),
      node('Unsqueeze', ['map', 'ax1'], ['map4']),
      node('Gather', ['sizes', 'i'], ['hw'], { axis: 0 }),
      node('Concat', ['kc', 'hw'], ['size4'], { axis: 0 }),
      node('Resize', ['map4', '', '', 'size4'], ['cub'], { mode: 'cubic', coordinate_transformation_mode: 'half_pixel' }),
      node('Resize', ['map4', '', '', 'size4'], ['lin'], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }),
      node('Reshape', ['cub', 'flat'], ['cflat']),
      node('ArgMax', ['cflat'], ['pos'], { axis: 1, keepdims: 0 }),
      node('Cast', ['pos'], ['posf'], { to: 1 }),
      node('Reshape', ['lin', 'flat'], ['lflat']),
      node('ReduceMax', ['lflat'], ['peak'], { axes: [1], keepdims: 0 }),
      node('Concat', ['posf', 'peak'], ['row'], { axis: 0 }),
      node('Unsqueeze', ['row', 'ax0'], ['row2']),
      node('Concat', ['acc', 'row2'], ['acc_out'], { axis: 0 }),
    ],
  }, new Set(['maps', 'sizes']));
  const M = [3, K, 5, 5];
  const model = buildModel({
    opset: 13,
    inputs: [['maps', 'float32', M], ['sizes', 'int64', [3, 2]], ['n', 'int64', []]],
    outputs: ['rows'],
    initializers: [tensor('go', 'bool', [], [1]), tensor('empty', 'float32', [0, 2 * K], [])],
    nodes: [node('Loop', ['n', 'go', 'empty'], ['rows'], { body })],
  });
  const maps = tensor('maps', 'float32', M, seq(size(M), (i) => Math.sin(i * 0.7) + Math.cos(i * 0.23)));
  const sizes = tensor('sizes', 'int64', [3, 2], [9, 13, 4, 7, 17, 11]);
  await sameOnBoth(model, [[maps, sizes, tensor('n', 'int64', [], [3])], [maps, sizes, tensor('n', 'int64', [], [2])]], ['rows']);
});

test('RoiAlign over regions counted at run time goes through a WHILE in chunks (3 here, and none): LiteRT matches onnxruntime', async () => {
  // 512 channels at 7×7 with 2×2 samples: 83 regions per chunk, so 200 kept regions take 3 chunks.
  const F = [1, 512, 12, 12];
  const R = 240;
  const model = buildModel({
    opset: 16,
    inputs: [['feat', 'float32', F], ['boxes', 'float32', [R, 4]], ['scores', 'float32', [R]]],
    outputs: ['y'],
    initializers: [tensor('thr', 'float32', [], [0.5]), tensor('ax0', 'int64', [1], [0]), tensor('zeros', 'int64', [R], seq(R, () => 0))],
    nodes: [
      node('Greater', ['scores', 'thr'], ['keep']),
      node('NonZero', ['keep'], ['nz']),
      node('Squeeze', ['nz', 'ax0'], ['idx']),
      node('Gather', ['boxes', 'idx'], ['rois'], { axis: 0 }),
      node('Gather', ['zeros', 'idx'], ['batch'], { axis: 0 }),
      node('RoiAlign', ['feat', 'rois', 'batch'], ['y'], { output_height: 7, output_width: 7, sampling_ratio: 2, spatial_scale: 0.25 }),
    ],
  });
  assert.equal(convertModel(model).opHistogram.WHILE, 1);
  const feat = tensor('feat', 'float32', F, seq(size(F), (i) => Math.sin(i * 0.013) + Math.cos(i * 0.0071)));
  const boxes = tensor('boxes', 'float32', [R, 4], seq(R * 4, (i) => {
    const k = Math.floor(i / 4);
    const x0 = (k * 7) % 30;
    const y0 = (k * 11) % 30;
    return [x0, y0, x0 + 4 + (k % 17), y0 + 3 + (k % 13)][i % 4];
  }));
  const many = tensor('scores', 'float32', [R], seq(R, (i) => (i % 6 === 0 ? 0.1 : 0.9)));
  const none = tensor('scores', 'float32', [R], seq(R, () => 0.1));
  await sameOnBoth(model, [[feat, boxes, many], [feat, boxes, none]], ['y']);
});

test('no RoI at all (a picture with nothing in it): row ScatterElements, two Convs, ConvTranspose, Resize on 0 rows match onnxruntime (empty)', async () => {
  // torchvision's multi-scale RoI pooling puts rows back with ScatterElements into zeros(K, C, H, W) (FLOOR_MOD of the
  // row indices by K, 0 here), then the heads' convs run one after another (XNNPack fails to reshape a second conv
  // on an empty batch: each conv on a run-time batch gets a zero row appended and dropped).
  const F = [6, 4, 7, 7];
  const w1 = [8, 4, 3, 3];
  const w2 = [8, 8, 3, 3];
  const w3 = [8, 3, 4, 4];
  const model = buildModel({
    opset: 13,
    inputs: [['feats', 'float32', F], ['scores', 'float32', [6]]],
    outputs: ['y'],
    initializers: [
      tensor('thr', 'float32', [], [0.5]), tensor('ax0', 'int64', [1], [0]), tensor('zero', 'int64', [], [0]), tensor('one', 'int64', [], [1]),
      tensor('col', 'int64', [4], [-1, 1, 1, 1]),
      tensor('w1', 'float32', w1, seq(size(w1), (i) => Math.sin(i * 0.37) * 0.3)), tensor('b1', 'float32', [8], seq(8, (i) => i * 0.05 - 0.2)),
      tensor('w2', 'float32', w2, seq(size(w2), (i) => Math.sin(i * 0.29) * 0.2)),
      tensor('w3', 'float32', w3, seq(size(w3), (i) => Math.cos(i * 0.53) * 0.3)), tensor('b3', 'float32', [3], [0.1, -0.1, 0.05]),
      tensor('scales', 'float32', [4], [1, 1, 2, 2]),
    ],
    nodes: [
      node('Greater', ['scores', 'thr'], ['keep']),
      node('NonZero', ['keep'], ['nz']),
      node('Squeeze', ['nz', 'ax0'], ['idx']),
      node('Gather', ['feats', 'idx'], ['rois'], { axis: 0 }),
      node('Shape', ['rois'], ['rshape']),
      node('ConstantOfShape', ['rshape'], ['zeros']),
      node('Gather', ['rshape', 'zero'], ['k']),
      node('Range', ['zero', 'k', 'one'], ['rows']),
      node('Reshape', ['rows', 'col'], ['rows4']),
      node('Expand', ['rows4', 'rshape'], ['index']),
      node('Relu', ['rois'], ['upd']),
      node('ScatterElements', ['zeros', 'index', 'upd'], ['pooled'], { axis: 0 }),
      node('Conv', ['pooled', 'w1', 'b1'], ['c1'], { pads: [1, 1, 1, 1] }),
      node('Relu', ['c1'], ['r1']),
      node('Conv', ['r1', 'w2', 'b1'], ['c2'], { pads: [1, 1, 1, 1] }),
      node('Relu', ['c2'], ['r2']),
      node('ConvTranspose', ['r2', 'w3', 'b3'], ['up'], { strides: [2, 2], pads: [1, 1, 1, 1] }),
      node('Resize', ['up', '', 'scales'], ['big'], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }),
      node('Sigmoid', ['big'], ['y']),
    ],
  });
  const feats = tensor('feats', 'float32', F, seq(size(F), (i) => Math.sin(i * 0.11) * 1.5));
  const none = tensor('scores', 'float32', [6], [0.1, 0.2, 0.3, 0.4, 0.0, 0.5]);
  const two = tensor('scores', 'float32', [6], [0.9, 0.1, 0.2, 0.7, 0.3, 0.4]);
  const r = convertModel(model);
  assert.ok((r.opHistogram.SCATTER_ND ?? 0) >= 1 && r.opHistogram.CONV_2D === 2);
  const want = await runOnnx(encodeModel(model), [feats, none]);
  assert.deepEqual(want.get('y')!.dims, [0, 3, 28, 28]);
  await sameOnBoth(model, [[feats, none], [feats, two], [feats, none]], ['y']);
});
