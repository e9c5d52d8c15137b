// Outputs sized at run time on the real LiteRT runtime: LiteRT.js's CompiledModel cannot hand one out directly,
// so the session measures and reshapes them (src/runtime/litert-dynamic.ts). A WHERE (the coordinates of the true
// elements) gives a different size for each input, including none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serializeTflite } from '../../src/tflite/writer';
import { openTflite, type LiteRtOptions, type Prefixes } from '../../src/runtime/litert';
import { dynamicOutputs, openDynamicTflite } from '../../src/runtime/litert-dynamic';
import type { Tensor } from '../../src/ir/types';
import type { TflModel } from '../../src/tflite/model';

function whereModel(): TflModel {
  return {
    version: 3, description: 'where', metadata: new Map(),
    subgraphs: [{
      name: 'main', inputs: [0], outputs: [1, 2],
      operators: [{ opcode: 'WHERE', inputs: [0], outputs: [1] }, { opcode: 'LOGICAL_NOT', inputs: [0], outputs: [2] }],
      tensors: [
        { name: 'x', type: 'BOOL', shape: [2, 3] },
        { name: 'coords', type: 'INT64', shape: [1, 2], shapeSignature: [-1, 2] },
        { name: 'not_x', type: 'BOOL', shape: [2, 3] },
      ],
    }],
  };
}

test('outputs sized at run time are read with the size of each run, static outputs beside them', async () => {
  const s = await openTflite(serializeTflite(whereModel()));
  try {
    const cases: [number[], number[][]][] = [
      [[1, 0, 1, 0, 0, 1], [[0, 0], [0, 2], [1, 2]]],
      [[1, 1, 1, 1, 1, 1], [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]],
      [[0, 1, 0, 0, 0, 0], [[0, 1]]],
      [[1, 0, 1, 0, 0, 1], [[0, 0], [0, 2], [1, 2]]],
    ];
    for (const [x, want] of cases) {
      const [coords, notX] = await s.run([{ name: 'x', dtype: 'bool', dims: [2, 3], data: Uint8Array.from(x) }]);
      assert.deepEqual(coords.dims, [want.length, 2]);
      assert.deepEqual(Array.from(coords.data as BigInt64Array, Number), want.flat());
      assert.deepEqual(Array.from(notX.data as Uint8Array), x.map((v) => 1 - v));
    }
  } finally {
    s.close();
  }
});

test('an output sized empty at run time is returned empty', async () => {
  const s = await openTflite(serializeTflite(whereModel()));
  try {
    const [coords, notX] = await s.run([{ name: 'x', dtype: 'bool', dims: [2, 3], data: new Uint8Array(6) }]);
    assert.deepEqual(coords.dims, [0, 2]);
    assert.equal(coords.data.length, 0);
    assert.deepEqual(Array.from(notX.data as Uint8Array), [1, 1, 1, 1, 1, 1]);
  } finally {
    s.close();
  }
});

/** WHERE's coordinates of `x` [n], transposed to [1, -1] (a run-time axis after a static one) beside [-1, 1]. */
function coordsModel(n: number): TflModel {
  return {
    version: 3, description: 'coords', metadata: new Map(),
    subgraphs: [{
      name: 'main', inputs: [0], outputs: [1, 3],
      operators: [{ opcode: 'WHERE', inputs: [0], outputs: [1] }, { opcode: 'TRANSPOSE', inputs: [1, 2], outputs: [3] }],
      tensors: [
        { name: 'x', type: 'BOOL', shape: [n] },
        { name: 'coords', type: 'INT64', shape: [1, 1], shapeSignature: [-1, 1] },
        { name: 'perm', type: 'INT32', shape: [2], data: new Uint8Array(new Int32Array([1, 0]).buffer) },
        { name: 'row', type: 'INT64', shape: [1, 1], shapeSignature: [1, -1] },
      ],
    }],
  };
}

/** A session over `model` that counts the LiteRT sessions it opens and the runs they make. */
async function counted(model: TflModel) {
  const count = { opens: 0, runs: 0 };
  const open = async (bytes: Uint8Array, opts: LiteRtOptions) => {
    const s = await openTflite(bytes, opts);
    count.opens++;
    return { ...s, run: (f: Tensor[], p?: Prefixes) => { count.runs++; return s.run(f, p); }, close: () => s.close() };
  };
  const plain = await openTflite(serializeTflite({ ...model, subgraphs: [{ ...model.subgraphs[0], outputs: [] }] }));
  plain.close();
  const sg = model.subgraphs[0];
  const info = (t: number) => ({ name: sg.tensors[t].name, dtype: 'int64' as const, dims: sg.tensors[t].shape, tensor: t });
  const session = await openDynamicTflite(model, dynamicOutputs(model), sg.outputs.map(info), [{ ...info(0), dtype: 'bool' }], open, {});
  count.opens = 0;
  count.runs = 0;
  return { session, count };
}

const trues = (n: number, every: number) => Uint8Array.from({ length: n }, (_, i) => (i % every === 0 ? 1 : 0));
const where = (x: Uint8Array) => Array.from(x).flatMap((v, i) => (v ? [i] : []));

test('outputs sized at run time take one run when they fit the capped copy; a bigger one grows it once', async () => {
  const n = 300_000;
  const { session, count } = await counted(coordsModel(n));
  try {
    for (const every of [7, 3, 5]) {
      const x = trues(n, every);
      const [coords, row] = await session.run([{ name: 'x', dtype: 'bool', dims: [n], data: x }]);
      const want = where(x);
      assert.deepEqual(coords.dims, [want.length, 1]);
      assert.deepEqual(row.dims, [1, want.length]);
      assert.deepEqual(Array.from(coords.data as BigInt64Array, Number), want);
      assert.deepEqual(Array.from(row.data as BigInt64Array, Number), want);
    }
    // 1 MiB holds 131072 int64 rows: every 7th (42858) and 5th of 300000 fit, every 3rd (100000) too; all in one run.
    assert.deepEqual(count, { opens: 0, runs: 3 });
    const all = new Uint8Array(n).fill(1);
    const [coords] = await session.run([{ name: 'x', dtype: 'bool', dims: [n], data: all }]);
    assert.equal(coords.dims[0], n);
    assert.equal(Number((coords.data as BigInt64Array)[n - 1]), n - 1);
    // 300000 rows do not fit: the capped copy is compiled again with room for them and runs again, then once a run.
    assert.deepEqual(count, { opens: 1, runs: 5 });
    await session.run([{ name: 'x', dtype: 'bool', dims: [n], data: all }]);
    assert.deepEqual(count, { opens: 1, runs: 6 });
  } finally {
    session.close();
  }
});

test('an output too big to keep a capacity for is read from a copy sized to it', async () => {
  const n = 2_200_000; // 17.6 MB of int64 coordinates: over the 16 MiB a capacity may take
  const { session, count } = await counted(coordsModel(n));
  try {
    const x = new Uint8Array(n).fill(1);
    const [coords, row] = await session.run([{ name: 'x', dtype: 'bool', dims: [n], data: x }]);
    assert.deepEqual(coords.dims, [n, 1]);
    assert.deepEqual(row.dims, [1, n]);
    const c = coords.data as BigInt64Array;
    assert.ok(c.every((v, i) => Number(v) === i));
    // The capped copy measured the sizes, a copy sized to them gave the values; the capped copy keeps no capacity for
    // these outputs after that (it measures them, compiled again), and a copy sized to each new size gives them.
    assert.deepEqual(count, { opens: 1, runs: 2 });
    const [small] = await session.run([{ name: 'x', dtype: 'bool', dims: [n], data: trues(n, 1000) }]);
    assert.deepEqual(Array.from(small.data as BigInt64Array, Number), where(trues(n, 1000)));
    assert.deepEqual(count, { opens: 3, runs: 4 });
  } finally {
    session.close();
  }
});
