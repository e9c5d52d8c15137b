// An int64 hash reduced by a divisor known only at run time (the table size a graph input): the dividend's chain runs
// in INT64 as for a constant divisor (_int64-mod.ts), so one converted model gives the int64 rows for 500, 497 and
// 1,000,003 buckets, fmod 0 and 1. Before: computed in INT32 (the hash modulo 2^32, then reduced): another row for
// nearly every window. The reference is the int64 arithmetic itself (BigInt, as torch and numpy compute it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import type { Tensor } from '../../src/ir/types';
import { convertModel } from '../../src/convert/convert';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { makeTensor } from '../../src/ir/tensor';

const N = 24;
const PRIME = 5915587277n;

function int64(name: string, dims: number[], values: bigint[]): Tensor {
  return { name, dtype: 'int64', dims, data: BigInt64Array.from(values) };
}

/** idx = Mod(bytes · prime + bytes, buckets) with bytes = floor(100 x) − 50, buckets an int64 input. */
function hashModel(fmod: 0 | 1) {
  return buildModel({
    inputs: [['x', 'float32', [N]], ['buckets', 'int64', []]], outputs: ['idx'], opset: 13,
    nodes: [
      node('Mul', ['x', 'scale'], ['p']), node('Floor', ['p'], ['p0']), node('Cast', ['p0'], ['b0'], { to: 7 }),
      node('Sub', ['b0', 'fifty'], ['bytes']), node('Mul', ['bytes', 'prime'], ['t']), node('Add', ['t', 'bytes'], ['h']),
      node('Mod', ['h', 'buckets'], ['idx'], { fmod }),
    ],
    initializers: [tensor('scale', 'float32', [], [100]), tensor('fifty', 'int64', [], [50]), int64('prime', [], [PRIME])],
  });
}

for (const fmod of [0, 1] as const) {
  test(`an int64 hash modulo a run-time divisor (fmod ${fmod}) gives the int64 rows on LiteRT`, async () => {
    const r = convertModel(hashModel(fmod), {});
    assert.ok(r.model.subgraphs[0]!.tensors.some((t) => t.type === 'INT64'), 'the hash runs in INT64');
    const lite = await openConverted(serializeTflite(r.model));
    try {
      const x = Float32Array.from({ length: N }, (_, i) => (Math.sin(i * 2.1) + 1) / 2);
      for (const buckets of [500, 497, 1000003]) {
        const out = (await lite.run([makeTensor('x', 'float32', [N], x), makeTensor('buckets', 'int64', [], [buckets])])).get('idx')!;
        const got = Array.from(out.data as ArrayLike<number | bigint>, (v) => BigInt(v));
        const want = Array.from(x, (v) => {
          const bytes = BigInt(Math.floor(v * 100) - 50);
          const h = BigInt.asIntN(64, bytes * PRIME + bytes);
          const m = h % BigInt(buckets);
          return fmod === 1 || m >= 0n ? m : m + BigInt(buckets);
        });
        assert.deepEqual(got, want, `${buckets} buckets`);
      }
    } finally {
      lite.close();
    }
  });
}
