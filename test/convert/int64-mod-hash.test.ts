// BLT's hashed byte n-gram embeddings (facebookresearch/blt, byte_group_hash_function): each window of n bytes times
// the powers of a prime (~1e9; prime^i wraps modulo 2^64 as torch computes it), summed, modulo the table size (500:
// not a power of two), indexes an embedding table. int64 is stored as INT32: the sum modulo 2^32 reduced by 500 is
// another row for nearly every window (sweep24 blt_local, cosine 0.67). The chain under such a Mod is emitted in
// INT64 (src/convert/ops/_int64-mod.ts); a power-of-two modulus keeps the INT32 wrap (int64-wrap.test.ts).
// The reference is the int64 arithmetic itself (BigInt, as torch and numpy compute it), not onnxruntime: its int64
// ReduceSum saturates at 2^63 − 1 where torch, numpy and LiteRT wrap (src/runtime/ort-wrapping-sums.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import type { Tensor } from '../../src/ir/types';
import { convertModel } from '../../src/convert/convert';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { seededUniform } from '../../src/core/random';
import { makeTensor } from '../../src/ir/tensor';

const N = 48, W = 4, V = 500n;
const PRIMES = [5915587277n, 1000000007n];

/** An int64 tensor of exact values (the builder's numbers cannot hold 2^63). */
function int64(name: string, dims: number[], values: bigint[]): Tensor {
  return { name, dtype: 'int64', dims, data: BigInt64Array.from(values) };
}

const powersOf = (p: bigint) => Array.from({ length: W }, (_, i) => BigInt.asIntN(64, p ** BigInt(i)));

/** idx = Mod(±Σ_w bytes[:, w] · prime^w, 500) with bytes = floor(128 x) in [-128, 128). */
function ngramHash(prime: bigint, fmod: 0 | 1, neg: boolean) {
  return buildModel({
    inputs: [['x', 'float32', [1, N, W]]], outputs: ['idx'], opset: 13,
    nodes: [
      node('Mul', ['x', 'scale'], ['p']),
      node('Floor', ['p'], ['p0']),
      node('Cast', ['p0'], ['bytes'], { to: 7 }),
      node('Mul', ['bytes', 'powers'], ['terms']),
      node('ReduceSum', ['terms', 'last'], ['h'], { keepdims: 0 }),
      node(neg ? 'Neg' : 'Identity', ['h'], ['h1']),
      node('Mod', ['h1', 'buckets'], ['idx'], { fmod }),
    ],
    initializers: [
      tensor('scale', 'float32', [], [128]),
      int64('powers', [W], powersOf(prime)),
      int64('buckets', [], [V]),
      tensor('last', 'int64', [1], [-1]),
    ],
  });
}

function expected(x: Float32Array, prime: bigint, fmod: 0 | 1, neg: boolean): bigint[] {
  const pw = powersOf(prime);
  return Array.from({ length: N }, (_, i) => {
    let h = 0n;
    for (let w = 0; w < W; w++) h = BigInt.asIntN(64, h + BigInt(Math.floor(x[i * W + w] * 128)) * pw[w]);
    if (neg) h = BigInt.asIntN(64, -h);
    const r = h % V; // BigInt's % takes the dividend's sign (fmod = 1)
    return fmod === 1 || r >= 0n ? r : r + V;
  });
}

async function hashOnLiteRT(prime: bigint, fmod: 0 | 1, neg: boolean, seed: number): Promise<{ got: bigint[]; want: bigint[] }> {
  const model = ngramHash(prime, fmod, neg);
  const rnd = seededUniform(seed);
  const x = Float32Array.from({ length: N * W }, () => 2 * rnd() - 1);
  const lite = await openConverted(serializeTflite(convertModel(model, {}).model));
  try {
    const out = (await lite.run([makeTensor('x', 'float32', [1, N, W], x)])).get('idx')!;
    return { got: Array.from(out.data as ArrayLike<number | bigint>, (v) => BigInt(v)), want: expected(x, prime, fmod, neg) };
  } finally {
    lite.close();
  }
}

test('a byte n-gram hash by wrapped int64 prime powers modulo 500 gives the int64 rows on LiteRT', async () => {
  for (const [k, prime] of PRIMES.entries()) {
    const { got, want } = await hashOnLiteRT(prime, 0, false, 93 + k);
    assert.deepEqual(got, want);
  }
});

test('the same hash negated, with fmod = 1 (C remainder: the dividend\'s sign)', async () => {
  const { got, want } = await hashOnLiteRT(PRIMES[0], 1, true, 95);
  assert.ok(want.some((v) => v < 0n) && want.some((v) => v > 0n));
  assert.deepEqual(got, want);
});
