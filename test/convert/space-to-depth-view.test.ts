// TResNet's SpaceToDepth module (x.view(N, C, H/4, 4, W/4, 4).permute(0, 3, 5, 1, 2, 4).reshape(N, 16C, H/4, W/4)) puts
// channel c of block position (i, j) at (i·b + j)·C + c: TFLite's SPACE_TO_DEPTH order exactly, so the views are that one
// op, and the image input is stored channel-last like any CNN's. Before: a rank-6 TRANSPOSE of the input (TResNet
// 1 TRANSPOSE -> 0).
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

function model(b: number, C = 3, H = 12, W = 8, K = 5): Model {
  return buildModel({
    inputs: [['x', 'float32', [1, C, H, W]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Reshape', ['x', 's6'], ['v']), node('Transpose', ['v'], ['t'], { perm: [0, 3, 5, 1, 2, 4] }),
      node('Reshape', ['t', 's4'], ['d']), node('Conv', ['d', 'w'], ['y'], { pads: [1, 1, 1, 1] }),
    ],
    initializers: [
      tensor('s6', 'int64', [6], [1, C, H / b, b, W / b, b]), tensor('s4', 'int64', [4], [1, C * b * b, H / b, W / b]),
      tensor('w', 'float32', [K, C * b * b, 3, 3], seq(K * C * b * b * 9, (i) => Math.sin(i * 0.61))),
    ],
  });
}

for (const b of [2, 4]) {
  test(`space-to-depth by views (block ${b}, blocks-first channels) is SPACE_TO_DEPTH: no TRANSPOSE, equal to onnxruntime on LiteRT`, async () => {
    const m0 = model(b);
    const file = join(mkdtempSync(join(tmpdir(), 's2d-view-')), 'm.onnx');
    writeFileSync(file, encodeModel(m0));
    const m = await convertAndMatch(file, m0, seededInputs(m0, 4, 0, 1));
    for (const o of m.outputs) assert.ok(o.maxRef > 0.05 && o.maxDiff <= 1e-5 * o.maxRef, `${o.name}: max|diff| ${o.maxDiff} of ${o.maxRef}`);
    assert.equal(m.result.transposeCount, 0);
    assert.ok(m.result.model.subgraphs[0].operators.some((o) => o.opcode === 'SPACE_TO_DEPTH'));
  });
}
