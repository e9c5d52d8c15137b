// STFT with a frame_step known only at run time (a graph input, or computed from one): the frame count is measured
// when the model runs ((length − L) // step + 1 frames at RANGE · step), the output sized then, and matches
// onnxruntime-node on LiteRT for several steps of one converted model. A computed frame_length (it sizes the DFT)
// stays refused in one line. Before: "STFT with a computed frame_step is not supported".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeModel } from '../../src/onnx/writer';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { convertModel } from '../../src/convert/convert';
import { convertAndMatch, waveValues } from '../helpers/match';

const signal = tensor('x', 'float32', [2, 50, 1], waveValues(100, 3).map((v, i) => v + Math.cos(i * 0.37)));
const window = tensor('win', 'float32', [8], waveValues(8, 1).map((v) => v + 1));

function stftModel(computedStep: boolean) {
  return buildModel({
    opset: 17,
    inputs: [['x', 'float32', [2, 50, 1]], ['k', 'int64', []], ['win', 'float32', [8]]],
    outputs: ['y'],
    initializers: [tensor('one', 'int64', [], [1])],
    nodes: computedStep
      ? [node('Add', ['k', 'one'], ['step']), node('STFT', ['x', 'step', 'win'], ['y'])]
      : [node('STFT', ['x', 'k', 'win'], ['y'])],
  });
}

for (const computed of [false, true]) {
  test(`STFT with a run-time frame_step (${computed ? 'computed from an input' : 'a graph input'}) matches onnxruntime at several steps`, async () => {
    const model = stftModel(computed);
    const bytes = encodeModel(model);
    for (const k of [1, 3, 7]) {
      const step = tensor('k', 'int64', [], [k]);
      const m = await convertAndMatch(bytes, stftModel(computed), [signal, step, window]);
      assert.ok(m.worst <= 1e-5, `step ${k}: rel ${m.worst}`);
      assert.ok(m.outputs[0]!.maxRef > 0.1);
    }
  });
}

test('STFT with a computed frame_length and no window is refused in one line', () => {
  const m = buildModel({
    opset: 17, inputs: [['x', 'float32', [1, 64, 1]], ['step', 'int64', []], ['len', 'int64', []]], outputs: ['y'],
    nodes: [node('STFT', ['x', 'step', '', 'len'], ['y'])],
  });
  assert.throws(() => convertModel(m), (e: Error) => /STFT with a computed frame_length is not supported \(it sizes the DFT\)/.test(e.message) && !e.message.includes('\n'));
});
