// Seventh model sweep (docs/model-sweep.md): fixtures made by test/fixtures/sweep7/make_sweep7.py. Each test holds a
// fix the sweep needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModelFile } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { convertAndMatch, seededInputs } from '../helpers/match';

const FIX = 'test/fixtures/sweep7';

/** The fixture converted and run on LiteRT beside onnxruntime (seeded inputs in [-1, 1)). */
async function matched(name: string, seed: number) {
  const file = `${FIX}/${name}.onnx`;
  const model = readModelFile(file);
  return convertAndMatch(file, model, seededInputs(model, seed, -1, 1));
}

test('a 3-D U-Net\'s trilinear and nearest upsampling converts: 4-D RESIZE_* passes on channel-last volumes, matrices for odd scales', async () => {
  // Was refused: "Resize of a rank-5 tensor is not supported; only 4-D NCHW images".
  const m = await matched('volume_upsampling', 7);
  assert.ok(m.worst <= 1e-6, `rel ${m.worst}`);
  assert.equal(m.result.transposeCount, 0);
  const h = m.result.opHistogram;
  // ×2 trilinear: H·W then D (2); to a size with align_corners: 2; nearest (1, 2, 2): H·W only; ×1.5: 3 matrices.
  assert.equal(h.RESIZE_BILINEAR, 4);
  assert.equal(h.RESIZE_NEAREST_NEIGHBOR, 1);
  assert.equal(h.BATCH_MATMUL, 3);
});

test('a 5-D resize the converter cannot write is refused with one line', () => {
  const g = buildModel({
    inputs: [['x', 'float32', [1, 2, 3, 4, 5]]],
    outputs: ['y'],
    initializers: [tensor('roi', 'float32', [10], [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]),
      tensor('scales', 'float32', [5], [1, 1, 2, 2, 2])],
    nodes: [node('Resize', ['x', 'roi', 'scales'], ['y'], { mode: 'linear', coordinate_transformation_mode: 'tf_crop_and_resize' })],
    opset: 13,
  });
  assert.throws(() => convertModel(g), /Resize of a 5-D volume with tf_crop_and_resize is not supported/);
});

test('RT-DETR\'s rank-6 sampling grids: a slice over 5 dims merges the whole axes around a STRIDED_SLICE', async () => {
  // Was refused: "Slice of a rank-6 tensor is not supported: TFLite's STRIDED_SLICE takes at most 5 dims".
  const m = await matched('rank6_slices_op16', 3);
  assert.ok(m.worst <= 1e-6, `rel ${m.worst}`);
  const sg = m.result.model.subgraphs[0];
  for (const op of sg.operators.filter((o) => o.opcode === 'STRIDED_SLICE')) assert.ok(sg.tensors[op.inputs[0]].shape.length <= 5);
});

test('a rank-6 slice of too many axes is refused with one line', () => {
  const g = buildModel({
    inputs: [['x', 'float32', [2, 3, 4, 5, 6, 7]]],
    outputs: ['y'],
    initializers: [tensor('starts', 'int64', [3], [1, 2, 3]), tensor('ends', 'int64', [3], [2, 4, 6]),
      tensor('axes', 'int64', [3], [0, 2, 4])],
    nodes: [node('Slice', ['x', 'starts', 'ends', 'axes'], ['y'])],
    opset: 13,
  });
  // merged: [1 of 2], [3], [2 of 4], [5], [3 of 6], [7]: six axes, none to merge.
  assert.throws(() => convertModel(g), /Slice of a rank-6 tensor is not supported/);
});

test('pixel_unshuffle (Real-ESRGAN x2plus) is SPACE_TO_DEPTH: the Conv reading it takes the channel order, else a GATHER', async () => {
  const m = await matched('pixel_unshuffle', 5);
  assert.ok(m.worst <= 1e-6, `rel ${m.worst}`);
  // Was a rank-6 TRANSPOSE between two RESHAPEs per unshuffle (2 TRANSPOSE, 4 RESHAPE).
  assert.equal(m.result.transposeCount, 0);
  const h = m.result.opHistogram;
  assert.deepEqual([h.SPACE_TO_DEPTH, h.GATHER, h.RESHAPE], [2, 1, undefined]);
});
