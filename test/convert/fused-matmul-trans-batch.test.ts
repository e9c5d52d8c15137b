// onnxruntime's extended optimizer folds nn.MultiheadAttention's [L, B·H, d] → [B·H, L, d] Transposes into
// com.microsoft FusedMatMul's transBatchA / transBatchB (torchvision's vit_b_16 saved at graphOptimizationLevel
// extended): it was refused ("FusedMatMul with transBatchA / transBatchB is not supported"). The Transposes are put
// back before conversion (src/convert/simplify-fused-matmul.ts); each case matches onnxruntime on LiteRT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertAndMatch, seededInputs } from '../helpers/match';
import { transBatchPerm } from '../../src/convert/simplify-fused-matmul';

const dir = mkdtempSync(join(tmpdir(), 'fused-matmul-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function fused(name: string, a: number[], b: number[], y: number[], attrs: Record<string, number>) {
  const model = buildModel({
    opset: 13, producer: 'onnxruntime optimizer', infer: false, inputs: [['a', 'float32', a], ['b', 'float32', b]],
    outputs: [['y', 'float32', y]],
    nodes: [{ name: 'fmm', opType: 'FusedMatMul', domain: 'com.microsoft', inputs: ['a', 'b'], outputs: ['y'],
      attrs: new Map(Object.entries(attrs).map(([k, v]) => [k, k === 'alpha' ? { type: 'float' as const, value: v } : { type: 'int' as const, value: v }])) }],
  });
  model.opsets.set('com.microsoft', 1);
  return { name, model };
}

test('transBatch perms: [1..r-2, 0, r-1], with trans [1..r-1, 0]', () => {
  assert.deepEqual(transBatchPerm(3, false), [1, 0, 2]);
  assert.deepEqual(transBatchPerm(4, false), [1, 2, 0, 3]);
  assert.deepEqual(transBatchPerm(4, true), [1, 2, 3, 0]);
});

// Scores q·kᵀ of attention over [L, B·H, d] as the optimizer writes them, then transBatchA with transA.
const CASES = [
  fused('mha_scores', [6, 4, 8], [5, 4, 8], [4, 6, 5], { transBatchA: 1, transBatchB: 1, transB: 1, alpha: 0.35 }),
  fused('mha_context', [4, 6, 5], [5, 4, 8], [4, 6, 8], { transBatchB: 1 }),
  fused('trans_a', [5, 4, 6], [4, 5, 7], [4, 6, 7], { transBatchA: 1, transA: 1 }),
];

for (const c of CASES) {
  test(`FusedMatMul ${c.name} (transBatch) matches onnxruntime on LiteRT`, async () => {
    const file = join(dir, `${c.name}.onnx`);
    writeFileSync(file, encodeModel(c.model));
    const m = await convertAndMatch(file, c.model, seededInputs(c.model, 1, -1, 1));
    assert.ok(m.worst <= 1e-5, `max rel ${m.worst}`);
  });
}
