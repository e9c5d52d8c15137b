// onnxruntime-node 1.30 saturates an overflowing int64 ReduceSum at 2^63 − 1 (microsoft/onnxruntime#28743) where
// PyTorch, NumPy and LiteRT wrap modulo 2^64: BLT's byte n-gram hash was another table row on onnxruntime, and
// convert's self-check refused the correct LiteRT model (cosine 0.67). openOnnx gives onnxruntime such a sum as CumSum
// and the last element (src/runtime/ort-wrapping-sums.ts); these runs compare with BigInt arithmetic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import type { Tensor } from '../../src/ir/types';
import { runOnnx } from '../../src/runtime/ort';
import { withWrappingSums } from '../../src/runtime/ort-wrapping-sums';
import { decodeModel } from '../../src/onnx/reader';

const ROWS = 6, W = 4;
const POWERS = [0n, 1n, 2n, 3n].map((i) => BigInt.asIntN(64, 5915587277n ** i));

function int64(name: string, dims: number[], values: bigint[]): Tensor {
  return { name, dtype: 'int64', dims, data: BigInt64Array.from(values) };
}

function hashSum(keepdims: 0 | 1) {
  return buildModel({
    inputs: [['bytes', 'int64', [ROWS, W]]], outputs: ['h'], opset: 13,
    nodes: [node('Mul', ['bytes', 'powers'], ['terms']), node('ReduceSum', ['terms', 'last'], ['h'], { keepdims })],
    initializers: [int64('powers', [W], POWERS), int64('last', [1], [-1n])],
  });
}

const bytes = Array.from({ length: ROWS * W }, (_, i) => BigInt((i * 37 + 11) % 256));
const want = Array.from({ length: ROWS }, (_, r) => POWERS.reduce((h, p, w) => BigInt.asIntN(64, h + bytes[r * W + w] * p), 0n));

for (const keepdims of [0, 1] as const) {
  test(`an int64 hash sum past 2^63 wraps on onnxruntime as in PyTorch (keepdims ${keepdims})`, async () => {
    assert.ok(want.some((h, r) => h !== POWERS.reduce((s, p, w) => s + bytes[r * W + w] * p, 0n)), 'the sums overflow');
    const out = await runOnnx(encodeModel(hashSum(keepdims)), [int64('bytes', [ROWS, W], bytes)]);
    const h = out.get('h')!;
    assert.deepEqual(h.dims, keepdims ? [ROWS, 1] : [ROWS]);
    assert.deepEqual(Array.from(h.data as BigInt64Array), want);
  });
}

test('models without an int64 hash sum reach onnxruntime as given (the same bytes)', () => {
  const plain = encodeModel(buildModel({
    inputs: [['ids', 'int64', [ROWS, W]]], outputs: ['n'], opset: 13,
    nodes: [node('Mul', ['ids', 'two'], ['d']), node('ReduceSum', ['d', 'last'], ['n'], { keepdims: 0 })],
    initializers: [int64('two', [], [2n]), int64('last', [1], [-1n])],
  }));
  assert.equal(withWrappingSums(plain), plain);
  const hashed = encodeModel(hashSum(0));
  const rewritten = withWrappingSums(hashed);
  assert.notEqual(rewritten, hashed);
  assert.ok(!decodeModel(rewritten as Uint8Array).graph.nodes.some((n) => n.opType === 'ReduceSum'));
});
