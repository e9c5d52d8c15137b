// ONNX Pad with negative pads crops (EnCodec's SConv1d: the extra padding worked out in Python at the traced length
// is a constant, so at another length the reflect Pad removes samples). It was refused ("Pad with negative pads
// (cropping) is not supported"); it is a SLICE first, then the padding of what is left, as onnxruntime does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';

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
