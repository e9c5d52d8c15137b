// Ninth sweep, speech / audio / generative audio models (docs/model-sweep.md): each test holds a fix the sweep needed.
// Fixtures: test/fixtures/sweep9-audio/make_sweep9_audio.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModelFile } from '../../src/onnx/reader';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { convertAndMatch, matchBuilt, seededInputs } from '../helpers/match';

const FIX = 'test/fixtures/sweep9-audio';

test('nn.Unfold (GTCRN\'s subband features, strided blocks, a reflect-padded neighbour unfold) is a depthwise conv: no rank-6 TRANSPOSE', async () => {
  // torch's im2col export is Pad → Gather → Gather → Transpose (0, 1, 2, 4, 3, 5) → Reshape: each unfold took a rank-6
  // TRANSPOSE and one more to come back to channel-last (5 in this fixture, 10 of GTCRN's 25).
  const file = `${FIX}/unfold_sfe.onnx`;
  const model = readModelFile(file);
  const m = await convertAndMatch(file, model, seededInputs(model, 3, -1, 1));
  assert.ok(m.worst <= 1e-6, `rel ${m.worst}`);
  assert.equal(m.result.opHistogram.DEPTHWISE_CONV_2D, 3);
  assert.equal(m.result.opHistogram.GATHER, undefined);
  assert.equal(m.result.transposeCount, 0);
});

// ONNX Pad with negative pads crops (EnCodec's SConv1d: the extra padding worked out in Python at the traced length
// is a constant, so at another length the reflect Pad removes samples). It was refused ("Pad with negative pads
// (cropping) is not supported"); it is a SLICE first, then the padding of what is left, as onnxruntime does.
for (const [mode, pads, shape] of [
  ['reflect', [0, 0, 3, 0, 0, -2], [1, 4, 10]],
  ['constant', [0, 0, -1, 0, 0, 2], [1, 4, 10]],
  ['constant', [0, -1, -2, 0, 0, -3], [1, 4, 10]],
  ['edge', [0, 1, -2, 0, -1, 2], [1, 4, 10]],
  ['reflect', [0, 0, -1, 1, 0, 0, 2, -2], [1, 3, 6, 8]],
] as const) {
  test(`Pad ${mode} with negative pads [${pads}] on [${shape}] matches onnxruntime`, async () => {
    const conv = shape.length === 4;
    const model = buildModel({
      opset: 13, inputs: [['x', 'float32', [...shape]]], outputs: ['y'],
      initializers: [tensor('pads', 'int64', [pads.length], [...pads]),
        tensor('w', 'float32', conv ? [2, 3, 1, 1] : [2, 4, 1], Array.from({ length: conv ? 6 : 8 }, (_, i) => Math.sin(i + 1)))],
      // A Conv after the Pad makes it work on the channel-last layout, as in the codec's decoder.
      nodes: [node('Conv', ['x', 'w'], ['c']), node('Pad', ['c', 'pads'], ['y'], { mode })],
    });
    const m = await matchBuilt(model, `pad_crop_${mode}`, 3);
    assert.ok(m.worst <= 1e-6, `rel ${m.worst}`);
    assert.ok((m.result.opHistogram.SLICE ?? 0) >= 1, JSON.stringify(m.result.opHistogram));
  });
}
