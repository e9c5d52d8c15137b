// Tenth sweep, vision models (docs/model-sweep.md): each test holds a fix the sweep needed.
// Fixtures: test/fixtures/sweep10-vis/make_sweep10_vis.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModelFile } from '../../src/onnx/reader';
import { makeTensor } from '../../src/ir/tensor';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { convertAndMatch, matchBuilt, seededInputs } from '../helpers/match';

const FIX = 'test/fixtures/sweep10-vis';

/** pillar_scatter.onnx converted and run beside onnxruntime on seeded points and 7 pillars at `coords` (b, z, y, x). */
async function pillarsAt(coords: number[], seed: number) {
  const file = `${FIX}/pillar_scatter.onnx`;
  const model = readModelFile(file);
  const [voxels] = seededInputs(model, seed, -1, 1);
  return convertAndMatch(file, model, [voxels, makeTensor('voxel_coords', 'int32', [7, 4], coords)]);
}

test('PointPillars\' scatter of pillars into BEV columns (`canvas[:, idx] = x`) is a row scatter: no TRANSPOSE', async () => {
  // torch exports it as a ScatterND into [C, M] with [C, P, 2] coordinates: the pillars' [P, C] features were moved to
  // [C, P] and the [C, M] canvas back to channel-last for the conv (2 TRANSPOSE); scattered as rows into the
  // canvas's transpose neither moves.
  const m = await pillarsAt([0, 0, 1, 2, 0, 0, 4, 5, 0, 0, 0, 0, 0, 0, 2, 3, 0, 0, 3, 1, 0, 0, 1, 4, 0, 0, 4, 0], 3);
  assert.ok(m.worst <= 1e-6, `rel ${m.worst}`);
  assert.equal(m.result.transposeCount, 0);
  assert.equal(m.result.opHistogram.SCATTER_ND, 1);
  // Each pillar's features land at its cell: the seeded reference is not all zeros there.
  assert.ok(m.outputs.every((o) => o.maxRef > 0));
});

test('pillars sharing a cell (padding pillars all at cell 0): the last one written is kept, as in onnxruntime', async () => {
  // SCATTER_ND adds updates that land on one element: a fixed-size pillar batch padded with pillars at coordinates 0
  // wrote their sum into cell 0 (PointPillars' self-check, every seeded coordinate 0: max rel 658).
  const m = await pillarsAt([0, 0, 1, 2, 0, 0, 4, 5, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 5], 4);
  assert.ok(m.worst <= 1e-6, `rel ${m.worst}`);
  assert.equal(m.result.opHistogram.UNSORTED_SEGMENT_MAX, 1);
});

test('Mask2Former\'s `attn_mask[torch.where(attn_mask.sum(-1) == N)] = False` is a Where: no run-time count', async () => {
  // Exported as NonZero → ... → ScatterND of a run-time number of rows; it was refused (ScatterND on bool, then an
  // empty tensor left by the count). Query 1 hides every pixel (its row becomes all False), query 2 none.
  const file = `${FIX}/masked_attention.onnx`;
  const model = readModelFile(file);
  const [queries, memory] = seededInputs(model, 5, 0, 1);
  const logits = Array.from({ length: 24 }, (_, i) => (i < 6 ? 1 + i : i < 12 ? -1 - (i % 6) : Math.sin(i * 1.7) * 2));
  const m = await convertAndMatch(file, model, [queries, memory, makeTensor('mask_logits', 'float32', [1, 4, 6], logits)]);
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.equal(m.result.opHistogram.WHERE, undefined, JSON.stringify(m.result.opHistogram));
  assert.equal(m.result.opHistogram.SCATTER_ND, undefined);
});

test('ScatterND on a boolean tensor with constant indices matches onnxruntime', async () => {
  const model = buildModel({
    opset: 16, inputs: [['x', 'float32', [3, 4]]], outputs: ['y'],
    initializers: [tensor('idx', 'int64', [2, 1], [2, 0]), tensor('upd', 'bool', [2, 4], [1, 0, 1, 0, 0, 0, 1, 1]), tensor('half', 'float32', [], [0.5])],
    nodes: [node('Less', ['x', 'half'], ['m']), node('ScatterND', ['m', 'idx', 'upd'], ['s']), node('Cast', ['s'], ['y'], { to: 1 })],
  });
  const m = await matchBuilt(model, 'scatter_nd_bool', 2);
  assert.equal(m.worst, 0);
  assert.equal(m.result.opHistogram.SCATTER_ND, 2);
});

test('FasterNet\'s slicing PConv (`x[:, :dc] = conv(x[:, :dc])`) is a Concat: no TRANSPOSE', async () => {
  // torch exports slice assignment as a ScatterND of the box's constant coordinates, which ran in ONNX order (3
  // TRANSPOSE a FasterNet block). One range of one axis (the first channels, or 3:5) is Slice / update / Slice
  // concatenated (also when torch writes coordinates of the leading axes only); a strided one (`y[:, :, ::2]`) is no box
  // and stays a ScatterND, in ONNX order.
  const file = `${FIX}/partial_conv_slicing.onnx`;
  const model = readModelFile(file);
  const m = await convertAndMatch(file, model, seededInputs(model, 4, 0, 1));
  assert.ok(m.worst <= 1e-6, `rel ${m.worst}`);
  assert.equal(m.result.opHistogram.CONCATENATION, 2, JSON.stringify(m.result.opHistogram));
  assert.equal(m.result.opHistogram.SCATTER_ND, 2);
  // The strided one's data and updates, moved to ONNX order.
  assert.equal(m.result.transposeCount, 2);
});

test('InstanceNormalization of a 480×640 image takes its mean one axis at a time: within 1e-5 of onnxruntime', async () => {
  // XFeat normalizes the grey input image by InstanceNorm2d(1). LiteRT sums a MEAN over H and W in one float32 pass;
  // at 307,200 elements the normalized image was 4.4e-5 off (6.3e-4 at XFeat's outputs).
  const model = buildModel({
    opset: 17, inputs: [['x', 'float32', [1, 1, 480, 640]]], outputs: ['y'],
    initializers: [tensor('two', 'float32', [], [2]), tensor('s', 'float32', [1], [1]), tensor('b', 'float32', [1], [0]),
      tensor('w', 'float32', [2, 1, 1, 1], [1, -0.5])],
    nodes: [node('Add', ['x', 'two'], ['x2']), node('InstanceNormalization', ['x2', 's', 'b'], ['n']), node('Conv', ['n', 'w'], ['y'])],
  });
  const m = await matchBuilt(model, 'instance_norm_large', 6);
  assert.equal(m.result.opHistogram.MEAN, 4, JSON.stringify(m.result.opHistogram));
});

test('pixel_unshuffle as torch 1.13 exports it at opset 17 (views around the 6-D Transpose) is SPACE_TO_DEPTH', async () => {
  // XFeat's unshuffled keypoint branch: the rank-6 TRANSPOSE was left (only the opset-11 Reshape / Transpose / Reshape
  // form was recognised).
  const file = `${FIX}/unshuffle_op17.onnx`;
  const model = readModelFile(file);
  const shapes = new Map([['images', [1, 3, 48, 64]]]);
  const m = await convertAndMatch(file, model, seededInputs(model, 2, 0, 1, shapes), { inputShapes: shapes });
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.equal(m.result.opHistogram.SPACE_TO_DEPTH, 1, JSON.stringify(m.result.opHistogram));
  assert.equal(m.result.transposeCount, 0);
});

test('LoFTR\'s linear attention: Z = 1 / (einsum + eps) stays in the einsum\'s order for the next einsum (6 -> 4 TRANSPOSE)', async () => {
  // The product 'nlhd,nhd->nlh' comes out [n, h, l]; it was moved to ONNX order and back for the einsum that reads it
  // (through the Add and the Div): now left as stored when every reader chain ends in an Einsum / MatMul.
  const file = `${FIX}/linear_attention.onnx`;
  const model = readModelFile(file);
  const m = await convertAndMatch(file, model, seededInputs(model, 7, 0, 1));
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.equal(m.result.transposeCount, 4);
});
