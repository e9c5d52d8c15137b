// Outputs sized at run time on the real LiteRT runtime: LiteRT.js's CompiledModel cannot hand one out directly,
// so the session measures and reshapes them (src/runtime/litert-dynamic.ts). A WHERE (the coordinates of the true
// elements) gives a different size for each input, including none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serializeTflite } from '../../src/tflite/writer';
import { openTflite } from '../../src/runtime/litert';
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
