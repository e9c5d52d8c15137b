// ConvTranspose whose weights are computed in the graph (a weight input scaled at run time, as a modulated or
// hyper-network filter) with dilations: the filter is dilated at run time (PAD between its taps, then a
// STRIDED_SLICE) and matches onnxruntime-node on LiteRT, 2-D with strides and pads and 1-D. Before: "ConvTranspose
// with computed weights and dilations is not supported".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';

function model(x: number[], w: number[], attrs: Record<string, number[]>, y: number[]) {
  return buildModel({
    opset: 11,
    inputs: [['x', 'float32', x], ['w', 'float32', w]],
    outputs: [['y', 'float32', y]],
    nodes: [node('Mul', ['w', 'w'], ['w2']), node('Add', ['w', 'w2'], ['wc']), node('ConvTranspose', ['x', 'wc'], ['y'], attrs)],
  });
}

test('ConvTranspose 2-D with computed weights, dilations 2 × 3, strides and pads matches onnxruntime', async () => {
  // H: (5 - 1)·2 + (3 - 1)·2 + 1 - 2 = 11; W: (4 - 1)·1 + (2 - 1)·3 + 1 - 1 = 6.
  const m = await matchBuilt(model([2, 3, 5, 4], [3, 2, 3, 2], { dilations: [2, 3], strides: [2, 1], pads: [1, 0, 1, 1] }, [2, 2, 11, 6]), 'convt-dil-computed-2d', 3, 1e-5);
  assert.ok(m.outputs[0]!.maxRef > 0.1);
  assert.equal(m.result.opHistogram.TRANSPOSE_CONV, 1);
});

test('ConvTranspose 1-D with computed weights and dilation 3 matches onnxruntime', async () => {
  // (6 - 1)·1 + (3 - 1)·3 + 1 = 12.
  const m = await matchBuilt(model([1, 2, 6], [2, 4, 3], { dilations: [3] }, [1, 4, 12]), 'convt-dil-computed-1d', 5, 1e-5);
  assert.ok(m.outputs[0]!.maxRef > 0.1);
});
