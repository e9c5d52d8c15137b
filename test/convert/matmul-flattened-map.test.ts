// A channel-last map flattened to [N, C, H·W] and multiplied by constant weights along H·W (RTMPose's SimCC head:
// the 7×7 conv's [1, K, H, W] flattened, ScaleNorm'd, then Linear(H·W, 256)): the flattened value is stored
// [N, H·W, C], its last two dims swapped, and BATCH_MATMUL reads it as it is (adj_x) instead of a TRANSPOSE before a
// FULLY_CONNECTED. RTMPose-style 1 → 0 TRANSPOSE.
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

/** x [1, 3, 4, 5] → 3×3 Conv to 6 channels → Reshape [1, 6, 20] → ÷ its L2 norm over the 20 → MatMul by [20, 7]. */
function simccHead(): Model {
  return buildModel({
    inputs: [['x', 'float32', [1, 3, 4, 5]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'w'], ['c'], { pads: [1, 1, 1, 1] }), node('Reshape', ['c', 'flat'], ['f']),
      node('ReduceL2', ['f'], ['norm'], { axes: [-1], keepdims: 1 }), node('Div', ['f', 'norm'], ['n']),
      node('MatMul', ['n', 'proj'], ['y']),
    ],
    initializers: [
      tensor('w', 'float32', [6, 3, 3, 3], seq(162, (i) => Math.sin(i * 0.41))), tensor('flat', 'int64', [3], [1, 6, 20]),
      tensor('proj', 'float32', [20, 7], seq(140, (i) => Math.cos(i * 0.23))),
    ],
  });
}

test('MatMul by constant weights of a flattened channel-last map: BATCH_MATMUL adj_x, 0 TRANSPOSE, equal to onnxruntime', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'matmul-map-')), 'simcc.onnx');
  writeFileSync(file, encodeModel(simccHead()));
  const model = simccHead();
  const m = await convertAndMatch(file, model, seededInputs(model, 2, 0, 1));
  assert.ok(m.worst <= 1e-5, `max rel ${m.worst}`);
  assert.equal(m.result.transposeCount, 0);
  const bmm = m.result.model.subgraphs[0].operators.filter((o) => o.opcode === 'BATCH_MATMUL');
  assert.equal(bmm.length, 1);
  assert.equal((bmm[0].options as { adjX?: boolean }).adjX, true);
});
