// compare's debug copy (src/compare/tap.ts) with many taps: they are packed into a few outputs by type
// (src/compare/packed-outputs.ts; LiteRT's run time grows with the square of the output count — a 5,000-tensor chain's
// compare took minutes with one output per tap), and each packed value equals the value read on its own, with its
// own dtype (int32 stays int32: values over 2^24 are exact).
import test from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { convertModel } from '../../src/convert/convert';
import { computedTensors, debugCopy } from '../../src/compare/tap';
import { openTflite } from '../../src/runtime/litert';
import type { Tensor } from '../../src/ir/types';

test('many taps of float32 and int32 tensors: a few packed outputs, every value and dtype as read on its own', async () => {
  const nodes = [];
  for (let i = 0; i < 40; i++) {
    nodes.push(node(i % 2 ? 'Mul' : 'Add', [i ? `h${i - 1}` : 'x', i % 2 ? 'half' : 'one'], [`h${i}`]));
    nodes.push(node(i % 2 ? 'Sub' : 'Add', [i ? `n${i - 1}` : 'n', i % 2 ? 'three' : 'seven'], [`n${i}`]));
  }
  const model = buildModel({
    inputs: [['x', 'float32', [2, 3]], ['n', 'int32', [4]]],
    outputs: [['h39', 'float32', [2, 3]], ['n39', 'int32', [4]]],
    initializers: [tensor('one', 'float32', [], [1]), tensor('half', 'float32', [], [0.5]),
      tensor('seven', 'int32', [], [7]), tensor('three', 'int32', [], [3])],
    nodes,
  });
  const result = convertModel(model, {});
  const sg = result.model.subgraphs[0]!;
  const taps = [...computedTensors(result.model)];
  const types = new Set(taps.map((i) => sg.tensors[i]!.type));
  assert.ok(taps.length >= 70 && types.has('FLOAT32') && types.has('INT32'), `${taps.length} taps of ${[...types]}`);
  const big = [123456789, -98765431, 16777217, 5];
  const feeds: Tensor[] = [
    { name: 'x', dtype: 'float32', dims: [2, 3], data: Float32Array.from([0, 1, 2, -3, 4, 0.25]) },
    { name: 'n', dtype: 'int32', dims: [4], data: Int32Array.from(big) },
  ];
  const read = async (some: number[]) => {
    const copy = debugCopy(result.model, some);
    const s = await openTflite(copy.bytes);
    try {
      return { outputs: s.outputs.length, values: copy.read(await s.run(feeds)) };
    } finally {
      s.close();
    }
  };
  const all = await read(taps);
  assert.ok(all.outputs <= 2, `${taps.length} taps read through ${all.outputs} outputs`);
  assert.equal(all.values.size, taps.length);
  for (let k = 0; k < taps.length; k += 16) {
    const some = taps.slice(k, k + 16);
    const alone = await read(some);
    assert.equal(alone.outputs, some.length, 'fewer than 32 taps: one output each');
    for (const i of some) {
      const p = all.values.get(i)!, a = alone.values.get(i)!;
      assert.equal(p.dtype, a.dtype, `tensor ${i} dtype`);
      assert.deepEqual(p.dims, a.dims, `tensor ${i} dims`);
      assert.deepEqual(Array.from(p.data as Int32Array), Array.from(a.data as Int32Array), `tensor ${i}`);
    }
  }
  // The int32 chain read packed is exact: n39 = n + 20·7 − 20·3 (as float32 123456869 would read 123456872).
  const n38 = sg.tensors.findIndex((t) => t.name === 'n38');
  assert.ok(n38 >= 0 && all.values.get(n38)!.dtype === 'int32');
  assert.deepEqual(Array.from(all.values.get(n38)!.data as Int32Array), big.map((v) => v + 20 * 7 - 19 * 3));
});
