// MelWeightMatrix (opset 17) of inputs known only at run time: the matrix is computed on LiteRT and sized when it
// runs, so one converted model gives onnxruntime-node's matrices for several bank sizes, FFT lengths and rates.
// Before: "MelWeightMatrix has no TFLite builtin equivalent in onnx2lite yet" (only constant inputs, folded).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeModel } from '../../src/onnx/writer';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { convertAndMatch } from '../helpers/match';

const melModel = () => buildModel({
  opset: 17,
  inputs: [['mel', 'int64', []], ['dft', 'int64', []], ['rate', 'int64', []], ['lo', 'float32', []], ['hi', 'float32', []]],
  outputs: ['y'],
  nodes: [node('MelWeightMatrix', ['mel', 'dft', 'rate', 'lo', 'hi'], ['y'])],
});

test('MelWeightMatrix of run-time inputs matches onnxruntime for several banks from one converted model', async () => {
  const bytes = encodeModel(melModel());
  for (const [mel, dft, rate, lo, hi] of [[8, 16, 8192, 0, 4096], [10, 64, 16000, 20, 7600], [40, 512, 16000, 0, 8000], [64, 400, 22050, 125, 7500]]) {
    const inputs = [tensor('mel', 'int64', [], [mel]), tensor('dft', 'int64', [], [dft]), tensor('rate', 'int64', [], [rate]),
      tensor('lo', 'float32', [], [lo]), tensor('hi', 'float32', [], [hi])];
    const m = await convertAndMatch(bytes, melModel(), inputs);
    assert.ok(m.worst <= 1e-6, `${mel} bins, dft ${dft}: rel ${m.worst}`);
    assert.equal(m.outputs[0]!.maxRef, 1);
  }
});
