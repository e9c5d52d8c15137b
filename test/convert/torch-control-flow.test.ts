// Control flow as PyTorch exports it (torch.jit.script'ed modules, test/fixtures/control-flow/make_control_flow.py):
// a data-dependent If (TFLite IF), an If on a shape (folded), a Loop over an input trip count (WHILE) and one over a
// dim (unrolled). Each converted, run on LiteRT beside onnxruntime-node: max|diff| ≤ 1e-4 × max|ref|.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Tensor } from '../../src/ir/types';
import { readModelFile } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { runOnnx } from '../../src/runtime/ort';
import { toFloat32 } from '../../src/ir/tensor';

const DIR = 'test/fixtures/control-flow';

function rand(name: string, dims: number[], seed: number): Tensor {
  let s = seed;
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1)).map(() => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
  return { name, dtype: 'float32', dims, data };
}

async function check(file: string, feeds: Tensor[], inputShapes?: Map<string, number[]>): Promise<Record<string, number>> {
  const p = path.join(DIR, file);
  const r = convertModel(readModelFile(p), { inputShapes });
  const ref = await runOnnx(fs.readFileSync(p), feeds);
  const lite = await openConverted(serializeTflite(r.model));
  try {
    const got = await lite.run(feeds);
    for (const [name, t] of ref) {
      const a = toFloat32(t);
      const b = toFloat32(got.get(name)!);
      assert.equal(b.length, a.length, name);
      let maxRef = 0;
      let maxDiff = 0;
      for (let i = 0; i < a.length; i++) { maxRef = Math.max(maxRef, Math.abs(a[i])); maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i])); }
      assert.ok(maxDiff <= 1e-4 * maxRef, `${file} ${name}: max|diff| ${maxDiff}, max|ref| ${maxRef}`);
    }
  } finally {
    lite.close();
  }
  return r.opHistogram;
}

test('torch If on data (gate.sum() > 0): TFLite IF, both ways', async () => {
  for (const g of [1, -1]) {
    const ops = await check('gated_conv.onnx', [rand('x', [1, 4, 8, 8], 1), { name: 'gate', dtype: 'float32', dims: [1], data: Float32Array.from([g]) }]);
    assert.equal(ops.IF, 1);
    assert.equal(ops.TRANSPOSE ?? 0, 0, JSON.stringify(ops));
  }
});

test('torch If on a shape (x.shape[0] == 1): folded once --input-shape fixes the batch', async () => {
  for (const batch of [1, 3]) {
    const ops = await check('shape_if.onnx', [rand('x', [batch, 8], 2)], new Map([['x', [batch, 8]]]));
    assert.equal(ops.IF, undefined);
    assert.equal(ops.FULLY_CONNECTED ?? 0, batch === 1 ? 1 : 0, JSON.stringify(ops));
  }
});

test('torch for-loop over an input count: TFLite WHILE', async () => {
  for (const n of [0, 1, 5]) {
    const ops = await check('recurrence.onnx', [rand('x', [1, 16], 3), { name: 'n', dtype: 'int64', dims: [], data: BigInt64Array.from([BigInt(n)]) }]);
    assert.equal(ops.WHILE, 1);
  }
});

test('torch for-loop over a dim: unrolled once --input-shape fixes it', async () => {
  const ops = await check('fixed_recurrence.onnx', [rand('x', [4, 1, 16], 4)], new Map([['x', [4, 1, 16]]]));
  assert.equal(ops.WHILE, undefined);
  assert.equal(ops.FULLY_CONNECTED, 4, JSON.stringify(ops));
});
