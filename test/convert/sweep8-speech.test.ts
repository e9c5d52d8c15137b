// Eighth sweep, speech / audio / text models (docs/model-sweep.md): each test holds a fix the sweep needed.
// Fixtures: test/fixtures/sweep8-speech/make_sweep8.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTensor } from '../../src/ir/tensor';
import { readModelFile } from '../../src/onnx/reader';
import { encodeModel } from '../../src/onnx/writer';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { convertAndMatch, matchBuilt, seededInputs, waveValues } from '../helpers/match';

const FIX = 'test/fixtures/sweep8-speech';
const rnd = waveValues;

test('StyleTTS / Kokoro AdainResBlk1d upsampling: depthwise ConvTranspose1d and 1-D interpolate convert and match', async () => {
  // Both were refused: "ConvTranspose with groups is not supported", "Resize of a rank-3 tensor is not supported".
  const file = `${FIX}/adain_upsample.onnx`;
  const model = readModelFile(file);
  const m = await convertAndMatch(file, model, seededInputs(model, 3, -1, 1));
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.equal(m.outputs.length, 2);
  assert.equal(m.result.opHistogram.TRANSPOSE_CONV, 1);
  assert.equal(m.result.opHistogram.RESIZE_NEAREST_NEIGHBOR, 1);
});

for (const [mode, ct, nearest, sizes] of [
  ['linear', 'half_pixel', 'round_prefer_floor', [1, 4, 14]],
  ['linear', 'align_corners', 'round_prefer_floor', [1, 4, 11]],
  ['nearest', 'asymmetric', 'floor', [1, 4, 10]],
  ['nearest', 'pytorch_half_pixel', 'round_prefer_ceil', [1, 4, 12]],
] as const) {
  test(`Resize of a 3-D signal [1, 4, 7] → ${sizes[2]} (${mode}, ${ct}) matches onnxruntime`, async () => {
    const model = buildModel({
      opset: 13, inputs: [['x', 'float32', [1, 4, 7]]], outputs: ['y'],
      initializers: [tensor('sizes', 'int64', [3], [...sizes])],
      nodes: [node('Resize', ['x', '', '', 'sizes'], ['y'], { mode, coordinate_transformation_mode: ct, nearest_mode: nearest })],
    });
    const m = await matchBuilt(model, `resize1d_${mode}`, 5);
    assert.equal(m.result.transposeCount, 0);
  });
}

test('a Conv1d between 1-D resizes keeps channel-last: no TRANSPOSE but at the ends', async () => {
  const model = buildModel({
    opset: 13, inputs: [['x', 'float32', [1, 4, 6]]], outputs: ['y'],
    initializers: [tensor('scales', 'float32', [3], [1, 1, 2]), tensor('w', 'float32', [4, 4, 3], rnd(48, 2))],
    nodes: [node('Conv', ['x', 'w'], ['c'], { pads: [1, 1] }), node('Resize', ['c', '', 'scales'], ['r'], { mode: 'nearest' }),
      node('Conv', ['r', 'w'], ['y'], { pads: [1, 1] })],
  });
  const m = await matchBuilt(model, 'conv_resize1d', 6);
  assert.equal(m.result.transposeCount, 0);
});

for (const [rank, group, cin, coutG] of [[3, 2, 4, 3], [3, 6, 6, 1], [4, 2, 4, 2]] as const) {
  test(`ConvTranspose ${rank - 2}-D with group ${group} (${cin} → ${coutG * group} channels, stride 2, pads) matches onnxruntime`, async () => {
    const k = rank === 3 ? [3] : [3, 3];
    const xs = rank === 3 ? [1, cin, 5] : [1, cin, 4, 5];
    const n = cin * coutG * k.reduce((a, b) => a * b, 1);
    const model = buildModel({
      opset: 13, inputs: [['x', 'float32', xs]], outputs: ['y'],
      initializers: [tensor('w', 'float32', [cin, coutG, ...k], rnd(n, 3)), tensor('b', 'float32', [coutG * group], rnd(coutG * group, 4))],
      nodes: [node('ConvTranspose', ['x', 'w', 'b'], ['y'], {
        group, strides: k.map(() => 2), pads: k.flatMap(() => [1]).concat(k.map(() => 1)), output_padding: k.map(() => 1) })],
    });
    const m = await matchBuilt(model, `convT_g${group}`, 7);
    assert.equal(m.result.opHistogram.TRANSPOSE_CONV, 1);
  });
}

test('BC-ResNet\'s SubSpectralNorm (Reshape, BatchNorm over channels × sub-bands, Reshape) is a Mul and an Add: 0 TRANSPOSE', async () => {
  const file = `${FIX}/bc_resnet.onnx`;
  const model = readModelFile(file);
  const m = await convertAndMatch(file, model, seededInputs(model, 4, -1, 1));
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  // Was 28: each block's Reshape of the channel-last value went to ONNX order and back.
  assert.equal(m.result.transposeCount, 0);
});

test('a flip of the channels of a signal sized at run time keeps the channel count: a Split of the channels follows', async () => {
  // Before: the computed Slice's output had every dim -1 and Split refused "an axis sized at run time".
  const model = buildModel({
    opset: 13, inputs: [['x', 'float32', [1, 4, 6]], ['k', 'int64', [1]]], outputs: ['a', 'b'],
    initializers: [tensor('s0', 'int64', [1], [0]), tensor('ax2', 'int64', [1], [2]), tensor('m1', 'int64', [1], [-1]),
      tensor('big', 'int64', [1], [-1000]), tensor('ax1', 'int64', [1], [1]), tensor('two', 'int64', [2], [2, 2])],
    nodes: [node('Slice', ['x', 's0', 'k', 'ax2'], ['y']), node('Slice', ['y', 'm1', 'big', 'ax1', 'm1'], ['f']),
      node('Split', ['f', 'two'], ['a', 'b'], { axis: 1 })],
  });
  const file = join(mkdtempSync(join(tmpdir(), 'flip-')), 'flip.onnx');
  writeFileSync(file, encodeModel(model));
  const ins = seededInputs(model, 8, -1, 1).map((t) => (t.name === 'k' ? makeTensor('k', 'int64', [1], [4]) : t));
  const m = await convertAndMatch(file, model, ins);
  assert.ok(m.worst <= 1e-6, `rel ${m.worst}`);
  assert.deepEqual(m.outputs.map((o) => o.name), ['a', 'b']);
});

test('EmbeddingBag mean with an empty bag (the self-check\'s offsets 0, 0, 0): 0 as onnxruntime and torch, not NaN', async () => {
  // Was "NOT verified" (rel Infinity): TFLite's MEAN over a run-time sized axis of length 0 is NaN.
  const file = `${FIX}/fasttext_bag.onnx`;
  const model = readModelFile(file);
  for (const offsets of [[0, 0, 0], [0, 0, 12], [0, 7, 19]]) {
    const ins = seededInputs(model, 5, -1, 1).map((t) => (t.name === 'offsets' ? makeTensor('offsets', 'int64', [3], offsets)
      : makeTensor(t.name, 'int64', t.dims, Array.from({ length: 30 }, (_, i) => (i * 37) % 100))));
    const m = await convertAndMatch(file, model, ins);
    assert.ok(m.worst <= 1e-5, `offsets ${offsets}: rel ${m.worst}`);
  }
});
