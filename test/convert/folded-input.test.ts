// Multi-camera images [B, N, C, H, W] folded into the batch of 2-D convs (PETR, DETR3D, Fast-BEV, Lift-Splat-Shoot:
// `imgs.flatten(0, 1)`, its size read by Shape) are stored [B, N, H, W, C]: the fold is a RESHAPE, no TRANSPOSE of
// every image (src/convert/folded-input.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertAndMatch, seededInputs } from '../helpers/match';
import type { Model } from '../../src/ir/types';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

/** imgs [1, N, 3, H, W] → Reshape to [N, 3, H, W] (the shape from Shape(imgs) as torch's flatten writes it, or a
 *  constant) → 3×3 Conv to 4 channels → Relu; a second reader of the input when `other` is set. */
function camerasModel(N: number, H: number, W: number, fromShape: boolean, other = false): Model {
  const shapeNodes = fromShape
    ? [node('Shape', ['imgs'], ['s']), node('Slice', ['s', 'two', 'five', 'zero1'], ['chw']), node('Concat', ['minus1', 'chw'], ['target'], { axis: 0 })]
    : [];
  return buildModel({
    inputs: [['imgs', 'float32', [1, N, 3, H, W]]], outputs: other ? ['y', 'm'] : ['y'], opset: 13,
    nodes: [
      ...shapeNodes,
      node('Reshape', ['imgs', fromShape ? 'target' : 'fixed'], ['x']),
      node('Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 1, 1, 1] }), node('Relu', ['c'], ['y']),
      ...(other ? [node('ReduceMean', ['imgs'], ['m'], { axes: [2], keepdims: 0 })] : []),
    ],
    initializers: [
      tensor('w', 'float32', [4, 3, 3, 3], seq(108, (i) => Math.sin(i * 0.37))), tensor('b', 'float32', [4], [0.1, -0.2, 0.3, 0]),
      tensor('two', 'int64', [1], [2]), tensor('five', 'int64', [1], [5]), tensor('zero1', 'int64', [1], [0]),
      tensor('minus1', 'int64', [1], [-1]), tensor('fixed', 'int64', [4], [N, 3, H, W]),
    ],
  });
}

for (const fromShape of [true, false]) {
  test(`multi-camera images folded into the batch (${fromShape ? 'Shape-read size' : 'constant shape'}) are stored [B, N, H, W, C]: 0 TRANSPOSE, equal to onnxruntime`, async () => {
    const model = camerasModel(3, 8, 10, fromShape);
    const file = join(mkdtempSync(join(tmpdir(), 'folded-input-')), 'cams.onnx');
    writeFileSync(file, encodeModel(model));
    const m = await convertAndMatch(file, camerasModel(3, 8, 10, fromShape), seededInputs(model, 2, 0, 1));
    for (const o of m.outputs) assert.ok(o.maxRef > 0.1 && o.maxDiff <= 1e-5 * o.maxRef, `${o.name}: max|diff| ${o.maxDiff} of ${o.maxRef}`);
    // Was 1: the whole [3, 3, 8, 10] image stack moved to NHWC.
    assert.equal(m.result.transposeCount, 0);
    const sg = m.result.model.subgraphs[0];
    assert.deepEqual(Array.from(sg.tensors[sg.inputs[0]].shape), [1, 3, 8, 10, 3]);
  });
}

test('an input also read by something other than the fold keeps its ONNX order', async () => {
  const model = camerasModel(2, 6, 6, true, true);
  const file = join(mkdtempSync(join(tmpdir(), 'folded-input-')), 'cams2.onnx');
  writeFileSync(file, encodeModel(model));
  const m = await convertAndMatch(file, camerasModel(2, 6, 6, true, true), seededInputs(model, 3, 0, 1));
  for (const o of m.outputs) assert.ok(o.maxDiff <= 1e-5 * Math.max(o.maxRef, 1e-3), `${o.name}: max|diff| ${o.maxDiff} of ${o.maxRef}`);
  const sg = m.result.model.subgraphs[0];
  assert.notDeepEqual(Array.from(sg.tensors[sg.inputs[0]].shape), [1, 2, 6, 6, 3]);
});

test("one batch row of multi-camera images (BEVFormer's `imgs[0]`, a Gather) into a conv: stored [B, N, H, W, C], 1 -> 0 TRANSPOSE", async () => {
  const build = () => buildModel({
    inputs: [['imgs', 'float32', [1, 3, 3, 6, 7]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Gather', ['imgs', 'zero'], ['x'], { axis: 0 }),
      node('Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 1, 1, 1] }), node('Relu', ['c'], ['y']),
    ],
    initializers: [
      tensor('w', 'float32', [4, 3, 3, 3], seq(108, (i) => Math.sin(i * 0.37))), tensor('b', 'float32', [4], [0.1, -0.2, 0.3, 0]),
      tensor('zero', 'int64', [], [0]),
    ],
  });
  const model = build();
  const file = join(mkdtempSync(join(tmpdir(), 'folded-input-')), 'cams-row.onnx');
  writeFileSync(file, encodeModel(model));
  const m = await convertAndMatch(file, build(), seededInputs(model, 4, 0, 1));
  for (const o of m.outputs) assert.ok(o.maxRef > 0.1 && o.maxDiff <= 1e-5 * o.maxRef, `${o.name}: max|diff| ${o.maxDiff} of ${o.maxRef}`);
  assert.equal(m.result.transposeCount, 0);
  const sg = m.result.model.subgraphs[0];
  assert.deepEqual(Array.from(sg.tensors[sg.inputs[0]].shape), [1, 3, 6, 7, 3]);
});
