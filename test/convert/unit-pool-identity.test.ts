// A pool of one element, stride 1, no padding (torch's AdaptiveAvgPool2d((None, 1)) over a map already one wide, as
// clovaai's TPS-ResNet-BiLSTM-Attn and EasyOCR pool the permuted [B, W, C, 1] features before their BiLSTM) is its
// input: the permute before it and the LSTM's sequence view after it are one free move of the channel-last map.
// Before: the pool ran NHWC on the permuted map, and the LSTM's input was moved back (TRBA 2 TRANSPOSE -> 0).
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

/** x [1, 3, 1, W] → conv (C channels) → permute(0, 3, 1, 2) → `pool` 1×1 → squeeze → [W, 1, C] → LSTM (hidden H). */
function model(pool: 'AveragePool' | 'MaxPool', C = 8, W = 12, H = 4): Model {
  return buildModel({
    inputs: [['x', 'float32', [1, 3, 1, W]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'wc'], ['f']), node('Relu', ['f'], ['r']), node('Transpose', ['r'], ['t'], { perm: [0, 3, 1, 2] }),
      node(pool, ['t'], ['p'], { kernel_shape: [1, 1], strides: [1, 1] }), node('Squeeze', ['p', 'ax3'], ['s']),
      node('Transpose', ['s'], ['tm'], { perm: [1, 0, 2] }), node('LSTM', ['tm', 'w', 'rr', 'b'], ['y'], { hidden_size: H }),
    ],
    initializers: [
      tensor('wc', 'float32', [C, 3, 1, 1], seq(3 * C, (i) => Math.sin(i * 1.3))),
      tensor('ax3', 'int64', [1], [3]),
      tensor('w', 'float32', [1, 4 * H, C], seq(4 * H * C, (i) => 0.5 * Math.sin(i * 0.37))),
      tensor('rr', 'float32', [1, 4 * H, H], seq(4 * H * H, (i) => 0.5 * Math.cos(i * 0.51))),
      tensor('b', 'float32', [1, 8 * H], seq(8 * H, (i) => 0.1 * Math.sin(i))),
    ],
  });
}

for (const pool of ['AveragePool', 'MaxPool'] as const) {
  test(`${pool} of one element before an LSTM's sequence view: no TRANSPOSE, equal to onnxruntime on LiteRT`, async () => {
    const m0 = model(pool);
    const file = join(mkdtempSync(join(tmpdir(), 'unit-pool-')), 'pool.onnx');
    writeFileSync(file, encodeModel(m0));
    const m = await convertAndMatch(file, m0, seededInputs(m0, 4, 0, 1));
    for (const o of m.outputs) assert.ok(o.maxRef > 0.05 && o.maxDiff <= 1e-5 * o.maxRef, `${o.name}: max|diff| ${o.maxDiff} of ${o.maxRef}`);
    assert.equal(m.result.transposeCount, 0);
  });
}
