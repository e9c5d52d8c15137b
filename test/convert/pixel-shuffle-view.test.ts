// pixel_shuffle exported below opset 11 (PyTorch's super-resolution tutorial net): Reshape [N, C·r², H, W] → [N, C, r,
// r, H, W], Transpose (0, 1, 4, 2, 5, 3), Reshape [N, C, H·r, W·r] is DepthToSpace in CRD mode: one DEPTH_TO_SPACE, the
// producing Conv's output channels put in DCR order (no GATHER), where a rank-6 TRANSPOSE moved the whole upscaled
// image (superres 1 TRANSPOSE -> 0). An exported CRD DepthToSpace after a Conv loses its channel GATHER the same way.
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
const H = 6, W = 5, CIN = 4;

/** x → Conv (3×3, C·r² channels) → the shuffle, as the views (`views`) or as an exported CRD DepthToSpace. */
function model(C: number, r: number, form: 'crd-views' | 'dcr-views' | 'crd-op'): Model {
  const O = C * r * r;
  const shuffle = form === 'crd-op'
    ? [node('DepthToSpace', ['c'], ['y'], { blocksize: r, mode: 'CRD' })]
    : [node('Reshape', ['c', 's6'], ['v']), node('Transpose', ['v'], ['t'], { perm: form === 'crd-views' ? [0, 1, 4, 2, 5, 3] : [0, 3, 4, 1, 5, 2] }),
      node('Reshape', ['t', 's4'], ['y'])];
  return buildModel({
    inputs: [['x', 'float32', [1, CIN, H, W]]], outputs: ['y'], opset: form === 'crd-op' ? 13 : 10,
    nodes: [node('Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 1, 1, 1] }), ...shuffle],
    initializers: [
      tensor('w', 'float32', [O, CIN, 3, 3], seq(O * CIN * 9, (i) => Math.sin(i * 0.37))),
      tensor('b', 'float32', [O], seq(O, (i) => Math.cos(i * 1.3))),
      ...(form === 'crd-op' ? [] : [tensor('s6', 'int64', [6], form === 'crd-views' ? [1, C, r, r, H, W] : [1, r, r, C, H, W]), tensor('s4', 'int64', [4], [1, C, H * r, W * r])]),
    ],
  });
}

async function converted(m0: Model) {
  const file = join(mkdtempSync(join(tmpdir(), 'shuffle-view-')), 'm.onnx');
  writeFileSync(file, encodeModel(m0));
  const m = await convertAndMatch(file, m0, seededInputs(m0, 4, 0, 1));
  for (const o of m.outputs) assert.ok(o.maxRef > 0.05 && o.maxDiff <= 1e-5 * o.maxRef, `${o.name}: max|diff| ${o.maxDiff} of ${o.maxRef}`);
  return m.result.model.subgraphs[0].operators.map((o) => o.opcode);
}

for (const [C, r] of [[1, 3], [3, 2]]) {
  test(`pixel_shuffle by views (C ${C}, r ${r}) is one DEPTH_TO_SPACE: no TRANSPOSE, no GATHER, equal to onnxruntime on LiteRT`, async () => {
    const ops = await converted(model(C, r, 'crd-views'));
    assert.deepEqual(ops, ['CONV_2D', 'DEPTH_TO_SPACE']);
  });
}

test('the views over [N, r, r, C, H, W] (DCR order) are DEPTH_TO_SPACE alone', async () => {
  assert.deepEqual(await converted(model(2, 2, 'dcr-views')), ['CONV_2D', 'DEPTH_TO_SPACE']);
});

test('an exported CRD DepthToSpace after a Conv reads its channels in DCR order: no GATHER', async () => {
  assert.deepEqual(await converted(model(3, 2, 'crd-op')), ['CONV_2D', 'DEPTH_TO_SPACE']);
});

test('a CRD DepthToSpace whose Conv output is also returned keeps the GATHER', async () => {
  const m0 = model(3, 2, 'crd-op');
  m0.graph.outputs.push({ name: 'c', dtype: 'float32', shape: [1, 12, H, W] });
  assert.deepEqual(await converted(m0), ['CONV_2D', 'GATHER', 'DEPTH_TO_SPACE']);
});
