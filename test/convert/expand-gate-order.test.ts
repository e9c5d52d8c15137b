// A per-channel gate [N, C, 1, 1] expanded to the map it multiplies (CBAM's channel gate:
// `x * sigmoid(mlp(avg) + mlp(max)).unsqueeze(2).unsqueeze(3).expand_as(x)`) in the block before the global pool,
// where no convolution reads the product afterwards: the gate is broadcast in the map's channel-last order (its own
// order moves unit dims only), so the Mul reads both as stored. Before: BROADCAST_TO in ONNX order, then the expanded
// [1, C, H, W] moved whole for the Mul (CBAM ResNet 1 TRANSPOSE -> 0).
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

/** x [1, 3, H, W] → conv (C) → f; gate = sigmoid(Gemm(GlobalAveragePool(f))) expanded to f's shape; f * gate → pool. */
function model(C = 8, H = 6, W = 5): Model {
  return buildModel({
    inputs: [['x', 'float32', [1, 3, H, W]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'wc'], ['f'], { pads: [1, 1, 1, 1] }),
      node('GlobalAveragePool', ['f'], ['g']), node('Flatten', ['g'], ['gf']), node('Gemm', ['gf', 'wg', 'bg'], ['gl'], { transB: 1 }),
      node('Sigmoid', ['gl'], ['gs']), node('Unsqueeze', ['gs', 'ax2'], ['u1']), node('Unsqueeze', ['u1', 'ax3'], ['u2']),
      node('Shape', ['f'], ['fs']), node('Expand', ['u2', 'fs'], ['ge']), node('Mul', ['f', 'ge'], ['m']),
      node('GlobalAveragePool', ['m'], ['p']), node('Flatten', ['p'], ['y']),
    ],
    initializers: [
      tensor('wc', 'float32', [C, 3, 3, 3], seq(27 * C, (i) => Math.sin(i * 1.3))),
      tensor('wg', 'float32', [C, C], seq(C * C, (i) => 0.5 * Math.cos(i * 0.7))),
      tensor('bg', 'float32', [C], seq(C, (i) => 0.1 * i)),
      tensor('ax2', 'int64', [1], [2]), tensor('ax3', 'int64', [1], [3]),
    ],
  });
}

test('a per-channel gate expanded to the map it multiplies before a global pool: no TRANSPOSE, equal to onnxruntime on LiteRT', async () => {
  const m0 = model();
  const file = join(mkdtempSync(join(tmpdir(), 'expand-gate-')), 'gate.onnx');
  writeFileSync(file, encodeModel(m0));
  const m = await convertAndMatch(file, m0, seededInputs(m0, 4, 0, 1));
  for (const o of m.outputs) assert.ok(o.maxRef > 0.05 && o.maxDiff <= 1e-5 * o.maxRef, `${o.name}: max|diff| ${o.maxDiff} of ${o.maxRef}`);
  assert.equal(m.result.transposeCount, 0);
});
