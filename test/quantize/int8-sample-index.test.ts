// int8 of a GridSample over a 256-pixel image (UVDoc's page resampled by its unwarping grid, sweep23 uvdoc_op16):
// the corner coordinates run over [0, 256], which int8 holds with a scale of 1. GridSample tested them against the
// image's bounds by float comparisons, which the int8 pass quantized with the coordinates, and LiteRT's int8
// GREATER_EQUAL / LESS_EQUAL mishandle an input scale ≥ 1 (here "LiteRT failed to run the model: Aborted()"). The corners
// are cast to INT32 once and clamped and tested there (src/convert/ops/GridSample.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertModel } from '../../src/convert/convert';
import { decodeModel } from '../../src/onnx/reader';
import { quantizeModelBytes } from '../../src/quantize/file';

function resample(size: number): Uint8Array {
  return encodeModel(buildModel({
    opset: 16,
    inputs: [['page', 'float32', [1, 3, size, size]], ['grid', 'float32', [1, 16, 16, 2]]], outputs: [['out', 'float32', [1, 3, 16, 16]]],
    nodes: [node('GridSample', ['page', 'grid'], ['out'], { mode: 'bilinear', padding_mode: 'zeros', align_corners: 1 })],
  }));
}

test('GridSample compares and clamps its corner indices as INT32, never as floats an int8 pass could quantize', () => {
  const sg = convertModel(decodeModel(resample(64))).model.subgraphs[0];
  const cmp = sg.operators.filter((o) => o.opcode === 'GREATER_EQUAL' || o.opcode === 'LESS_EQUAL');
  assert.ok(cmp.length > 0);
  for (const o of cmp) assert.equal(sg.tensors[o.inputs[0]].type, 'INT32', `${o.opcode} on ${sg.tensors[o.inputs[0]].type}`);
});

test('int8 of a GridSample over a 256-pixel image runs on LiteRT', async () => {
  const { summary } = await quantizeModelBytes(resample(256), 'resample.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true, count: 2 });
  assert.ok(summary.int8Cosine! >= 0.99, `plain int8 cosine ${summary.int8Cosine}`);
});
