// A video restoration model's clip input [B, T, C, H, W], each frame Gathered (`lrs[:, i]`), normalized and fed to
// convolutions / pools (BasicVSR's SpyNet and propagation branches, eighteenth sweep): the normalization ran in the
// frame's ONNX order and each result was moved channel-last for its conv (one TRANSPOSE a frame; BasicVSR 7). A frame
// that sibling Gathers slice from the same clip is Gathered again from the clip moved once (regather.ts), so the
// elementwise layout rule counts it as free to move: the normalization runs channel-last, one TRANSPOSE for the
// clip (BasicVSR 7 -> 2, the other its [B, T, 3, H, W] output stacked back to ONNX order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const [T, C, H, W, O] = [3, 3, 8, 8, 4];

function clipModel() {
  const frames = Array.from({ length: T }, (_, i) => [
    node('Gather', ['clip', `i${i}`], [`f${i}`], { axis: 1 }),
    node('Sub', [`f${i}`, 'mean'], [`n${i}`]),
    node('Conv', [`n${i}`, 'w', 'b'], [`c${i}`], { pads: [1, 1, 1, 1] }),
  ]).flat();
  return buildModel({
    inputs: [['clip', 'float32', [1, T, C, H, W]]], outputs: ['y'], opset: 13,
    nodes: [...frames, node('Add', ['c0', 'c1'], ['s01']), node('Add', ['s01', 'c2'], ['s']), node('GlobalAveragePool', ['s'], ['y'])],
    initializers: [
      ...Array.from({ length: T }, (_, i) => tensor(`i${i}`, 'int64', [], [i])),
      tensor('mean', 'float32', [1, C, 1, 1], [0.485, 0.456, 0.406]),
      tensor('w', 'float32', [O, C, 3, 3], waveValues(O * C * 9, 1)),
      tensor('b', 'float32', [O], waveValues(O, 2)),
    ],
  });
}

test('frames Gathered from a clip and normalized before convs: the clip moves once, matches onnxruntime', async () => {
  const m = await matchBuilt(clipModel(), 'regather-frames-layout', 4);
  assert.equal(m.result.transposeCount, 1);
});
