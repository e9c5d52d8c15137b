// The float model's intermediate values read on LiteRT (src/calibration/float-values.ts): a graph input among the
// tensors comes from the sample, and a model with control-flow subgraphs keeps them in the debug copy (the ranges
// reader dropped every subgraph but the first: LiteRT could not run an IF whose branches were gone).
import test from 'node:test';
import assert from 'node:assert/strict';
import { buildGraph, buildModel, node, tensor } from '../../src/onnx/builder';
import { convertModel } from '../../src/convert/convert';
import { readFloatValues, tapLimits } from '../../src/calibration/float-values';

test('float values of an IF model: the main graph tensor before the IF, the input from the sample', async () => {
  const thenG = buildGraph({ name: 'then', inputs: [], outputs: [['t', 'float32', [1, 4]]], nodes: [node('Tanh', ['h'], ['t'])] });
  const elseG = buildGraph({ name: 'else', inputs: [], outputs: [['e', 'float32', [1, 4]]], nodes: [node('Neg', ['h'], ['e'])] });
  const model = buildModel({
    inputs: [['x', 'float32', [1, 4]], ['c', 'bool', []]],
    outputs: [['y', 'float32', [1, 4]]],
    nodes: [node('Relu', ['x'], ['h']), node('If', ['c'], ['y'], { then_branch: thenG, else_branch: elseG })],
  });
  const result = convertModel(model, {});
  assert.ok(result.model.subgraphs.length >= 3, 'the IF keeps its branches as subgraphs');
  const sg = result.model.subgraphs[0];
  const relu = sg.operators.find((op) => op.opcode === 'RELU')!;
  const h = relu.outputs[0];
  const x = sg.inputs[0];
  const xs = [Float32Array.from([-1, 2, -3, 4]), Float32Array.from([5, -6, 7, -8])];
  const seen: Array<[number[], number[]]> = [];
  await readFloatValues(result, [h, x], xs.map((d) => [
    { name: 'x', dtype: 'float32', dims: [1, 4], data: d },
    { name: 'c', dtype: 'bool', dims: [], data: Uint8Array.from([1]) },
  ]), (values) => seen.push([Array.from(values.get(h)!), Array.from(values.get(x)!)]));
  assert.deepEqual(seen, [[[0, 2, 0, 4], [-1, 2, -3, 4]], [[5, 0, 7, 0], [5, -6, 7, -8]]]);
});

test('many tensors are read packed (one output per 256) and each equals its value read on its own', async () => {
  // 60 intermediates of a chain (LiteRT slows with the square of the output count: an unrolled BiLSTM's 6,282 took
  // 300 s a sample declared one by one, 6 s packed).
  const nodes = Array.from({ length: 60 }, (_, i) => node(i % 2 ? 'Mul' : 'Add', [i ? `h${i - 1}` : 'x', i % 2 ? 'half' : 'one'], [`h${i}`]));
  const model = buildModel({
    inputs: [['x', 'float32', [2, 3]]], outputs: [['h59', 'float32', [2, 3]]],
    initializers: [tensor('one', 'float32', [], [1]), tensor('half', 'float32', [], [0.5])],
    nodes,
  });
  const result = convertModel(model, {});
  const sg = result.model.subgraphs[0];
  const inner = sg.tensors.map((t, i) => (t.type === 'FLOAT32' && !t.data && !sg.inputs.includes(i) && !sg.outputs.includes(i) ? i : -1)).filter((i) => i >= 0);
  assert.ok(inner.length >= 50, `${inner.length} intermediates`);
  const sample = [[{ name: 'x', dtype: 'float32' as const, dims: [2, 3], data: Float32Array.from([0, 1, 2, -3, 4, 0.25]) }]];
  let packed = new Map<number, Float32Array>();
  await readFloatValues(result, inner, sample, (v) => { packed = v; });
  assert.equal(packed.size, inner.length);
  for (let k = 0; k < inner.length; k += 20) {
    const some = inner.slice(k, k + 20);
    await readFloatValues(result, some, sample, (v) => {
      for (const i of some) assert.deepEqual(Array.from(packed.get(i)!), Array.from(v.get(i)!), `tensor ${i}`);
    });
  }
  // The chain's values: ((x + 1) * 0.5 + 1) * 0.5 ... — the last intermediate read packed is h58 = h57 + 1.
  let expected = [0, 1, 2, -3, 4, 0.25];
  for (let i = 0; i < 59; i++) expected = expected.map((v) => (i % 2 ? v * 0.5 : v + 1));
  const last = [...packed.values()].find((v) => v.every((x, j) => Math.abs(x - expected[j]) < 1e-6));
  assert.ok(last, 'h58 read packed');
});

test('taps over tapLimits.batchBytes are read in several copies, each over every sample, with the same values', async () => {
  // 12 intermediates of 6 floats (24 bytes each) under a 100-byte limit: 3 copies of 4 taps (r2plus1d_18's 454 MB of
  // frame slices in one packed output made LiteRT fail to make its buffer).
  const nodes = Array.from({ length: 12 }, (_, i) => node(i % 2 ? 'Mul' : 'Add', [i ? `h${i - 1}` : 'x', i % 2 ? 'half' : 'one'], [`h${i}`]));
  const model = buildModel({
    inputs: [['x', 'float32', [2, 3]]], outputs: [['h11', 'float32', [2, 3]]],
    initializers: [tensor('one', 'float32', [], [1]), tensor('half', 'float32', [], [0.5])], nodes,
  });
  const result = convertModel(model, {});
  const sg = result.model.subgraphs[0];
  const taps = sg.tensors.map((t, i) => (t.type === 'FLOAT32' && !t.data && !sg.inputs.includes(i) ? i : -1)).filter((i) => i >= 0);
  assert.equal(taps.length, 12);
  const samples = [0, 1].map((k) => [{ name: 'x', dtype: 'float32' as const, dims: [2, 3], data: Float32Array.from([0, 1, 2, -3, 4, k]) }]);
  const read = async () => {
    const calls: number[] = [];
    const values = new Map<string, number[]>();
    await readFloatValues(result, taps, samples, (v, s) => {
      calls.push(s);
      for (const [i, x] of v) values.set(`${s}/${i}`, Array.from(x));
    });
    return { calls, values };
  };
  const whole = await read();
  const saved = tapLimits.batchBytes;
  tapLimits.batchBytes = 100;
  let cut;
  try { cut = await read(); } finally { tapLimits.batchBytes = saved; }
  assert.deepEqual(whole.calls, [0, 1]);
  assert.deepEqual(cut.calls, [0, 1, 0, 1, 0, 1]);
  assert.equal(cut.values.size, 24);
  assert.deepEqual(cut.values, whole.values);
});
