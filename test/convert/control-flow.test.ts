// Control flow (src/convert/control-flow.ts, ops/If.ts, ops/Loop.ts, ops/Scan.ts) on the real LiteRT runtime against
// onnxruntime-node: If as TFLite IF with subgraphs or inlined when its condition folds (--input-value), Loop as
// WHILE or unrolled, Scan unrolled; every output max|diff| ≤ 1e-4 × max|ref|.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Model, Tensor } from '../../src/ir/types';
import { buildGraph, buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertModel } from '../../src/convert/convert';
import type { ConvertOptions } from '../../src/convert/types';
import { analyzeCompatibility } from '../../src/convert/compat';
import { serializeTflite } from '../../src/tflite/writer';
import { parseTflite } from '../../src/tflite/reader';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { runOnnx } from '../../src/runtime/ort';
import { toFloat32 } from '../../src/ir/tensor';
import { inferShapes } from '../../src/ir/shapes/index';
import { freezeInputs } from '../../src/convert/input-values';
import { quantizeDynamic, quantizeFp16 } from '../../src/quantize/weights';

function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

const f32 = (name: string, dims: number[], seed: number): Tensor => ({ name, dtype: 'float32', dims, data: values(dims.reduce((a, b) => a * b, 1), seed) });
const scalar = (name: string, dtype: 'int64', v: number): Tensor => ({ name, dtype, dims: [], data: BigInt64Array.from([BigInt(v)]) });

/** Converts, runs on LiteRT and onnxruntime with the same feeds, and compares every output; returns the TFLite ops. */
async function check(model: Model, feeds: Tensor[], opts: ConvertOptions = {}): Promise<string[]> {
  const result = convertModel(model, opts);
  const bytes = serializeTflite(result.model);
  const back = parseTflite(bytes);
  assert.equal(back.subgraphs.length, result.model.subgraphs.length, 'the reader sees every subgraph');
  const ref = await runOnnx(encodeModel(model), feeds);
  const lite = await openConverted(bytes);
  try {
    const got = await lite.run(feeds);
    for (const [name, r] of ref) {
      const g = got.get(name);
      assert.ok(g, `output ${name} missing`);
      assert.deepEqual([...g.dims], [...r.dims], `${name} dims`);
      const a = toFloat32(r);
      const b = toFloat32(g);
      let maxRef = 0;
      let maxDiff = 0;
      for (let i = 0; i < a.length; i++) { maxRef = Math.max(maxRef, Math.abs(a[i])); maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i])); }
      assert.ok(maxDiff <= 1e-4 * Math.max(maxRef, 1e-6), `${name}: max|diff| ${maxDiff}, max|ref| ${maxRef}`);
    }
  } finally {
    lite.close();
  }
  return back.subgraphs.flatMap((s) => s.operators.map((o) => o.opcode));
}

/** y = cond ? relu(x·2 + b) : sigmoid(x) − b, with b an outer value; a Conv in the then branch. */
function ifModel(c = 4): Model {
  const thenG = buildGraph({
    name: 'then', inputs: [], outputs: [['t_out', 'float32', [1, c, 6, 6]]],
    initializers: [tensor('w', 'float32', [c, c, 3, 3], values(c * c * 9, 3))],
    nodes: [node('Conv', ['xb', 'w'], ['t_conv'], { pads: [1, 1, 1, 1] }), node('Relu', ['t_conv'], ['t_out'])],
  });
  const elseG = buildGraph({
    name: 'else', inputs: [], outputs: [['e_out', 'float32', [1, c, 6, 6]]],
    nodes: [node('Sigmoid', ['x'], ['e_sig']), node('Sub', ['e_sig', 'b'], ['e_out'])],
  });
  return buildModel({
    inputs: [['x', 'float32', [1, c, 6, 6]], ['b', 'float32', [1, c, 6, 6]], ['sr', 'int64', []]],
    outputs: [['y', 'float32', [1, c, 6, 6]]],
    initializers: [tensor('k', 'int64', [], [16000])],
    nodes: [
      node('Add', ['x', 'b'], ['xb']),
      node('Equal', ['sr', 'k'], ['cond']),
      node('If', ['cond'], ['y'], { then_branch: thenG, else_branch: elseG }),
    ],
  });
}

test('If with a run-time condition becomes TFLite IF with two subgraphs and matches onnxruntime both ways', async () => {
  for (const sr of [16000, 8000]) {
    const ops = await check(ifModel(), [f32('x', [1, 4, 6, 6], 1), f32('b', [1, 4, 6, 6], 2), scalar('sr', 'int64', sr)]);
    assert.ok(ops.includes('IF'), ops.join());
    assert.ok(ops.includes('CONV_2D') && ops.includes('LOGISTIC'), ops.join());
    assert.ok(!ops.includes('TRANSPOSE'), `values cross into the branches channel-last: ${ops.join()}`);
  }
});

test('--input-value folds the condition: the taken branch is inlined, the input leaves the model', async () => {
  const r = convertModel(ifModel(), { inputValues: new Map([['sr', [16000]]]) });
  assert.equal(r.model.subgraphs.length, 1);
  assert.deepEqual(r.metadata.inputs.map((i) => i.onnx), ['x', 'b']);
  assert.equal(r.opHistogram.IF, undefined);
  assert.equal(r.transposeCount, 0, 'the inlined Conv is laid out like any other');
  const ops = await check(ifModel(), [f32('x', [1, 4, 6, 6], 1), f32('b', [1, 4, 6, 6], 2), scalar('sr', 'int64', 16000)],
    { inputValues: new Map([['sr', [16000]]]) });
  assert.ok(!ops.includes('LOGISTIC'), 'the else branch is gone');
});

test('a known condition infers only the branch taken: the other (Silero\'s 8 kHz branch fed 16 kHz chunks) leaves no warnings', () => {
  const model = (bad: boolean) => {
    const m = ifModel();
    const ifNode = m.graph.nodes.find((n) => n.opType === 'If')!;
    const elseG = (ifNode.attrs.get('else_branch') as { value: Model['graph'] }).value;
    // A reduction over an axis the else branch's input does not have: shape inference warns when it visits it.
    if (bad) elseG.nodes.push(node('ReduceMean', ['x'], ['e_bad'], { axes: [7] }));
    return m;
  };
  const frozen = (m: Model) => freezeInputs(m, new Map([['sr', [16000]]]));
  assert.ok(inferShapes(model(true)).warnings.some((w) => w.includes('ReduceMean')), 'the bad node warns when its branch may run');
  assert.deepEqual(inferShapes(frozen(model(true))).warnings, [], 'sr=16000: the else branch is not visited');
  assert.deepEqual(inferShapes(frozen(model(false))).warnings, []);
});

test('--input-value refuses unknown inputs, wrong counts and fractions for integer inputs in one line', () => {
  assert.throws(() => convertModel(ifModel(), { inputValues: new Map([['nope', [1]]]) }), /--input-value names "nope", which is not an input of the model \(inputs: x, b, sr\)/);
  assert.throws(() => convertModel(ifModel(), { inputValues: new Map([['sr', [1, 2]]]) }), /--input-value sr gives 2 values, but input "sr" has shape \[\] \(1 elements\)/);
  assert.throws(() => convertModel(ifModel(), { inputValues: new Map([['sr', [1.5]]]) }), /must be integers/);
});

test('an If nested in an If branch, its condition known from shapes, is inlined inside the IF subgraph', async () => {
  const inner = (tag: string, op: string) => buildGraph({ name: tag, inputs: [], outputs: [[`${tag}_o`, 'float32', [2, 3]]], nodes: [node(op, ['x'], [`${tag}_o`])] });
  const thenG = buildGraph({
    name: 'then', inputs: [], outputs: [['t_o', 'float32', [2, 3]]],
    initializers: [tensor('two', 'int64', [], [2])],
    nodes: [
      node('Shape', ['x'], ['t_shape']), node('Gather', ['t_shape', 'zero'], ['t_d0'], { axis: 0 }),
      node('Equal', ['t_d0', 'two'], ['t_c']),
      node('If', ['t_c'], ['t_o'], { then_branch: inner('a', 'Tanh'), else_branch: inner('b', 'Neg') }),
    ],
  });
  const elseG = inner('e', 'Abs');
  const model = buildModel({
    inputs: [['x', 'float32', [2, 3]], ['c', 'float32', []]], outputs: [['y', 'float32', [2, 3]]],
    initializers: [tensor('zero', 'int64', [], [0]), tensor('zf', 'float32', [], [0])],
    nodes: [node('Greater', ['c', 'zf'], ['cb']), node('If', ['cb'], ['y'], { then_branch: thenG, else_branch: elseG })],
  });
  for (const c of [1, -1]) {
    const ops = await check(model, [f32('x', [2, 3], 5), { name: 'c', dtype: 'float32', dims: [], data: Float32Array.from([c]) }]);
    assert.deepEqual(ops.filter((o) => o === 'IF').length, 1);
    assert.ok(ops.includes('TANH') && !ops.includes('NEG'), ops.join());
  }
});

/** Loop: y ← y·0.5 + x for M iterations; M a model input (WHILE) or a constant (unrolled, with a scan output). */
function loopModel(constTrips?: number): Model {
  const body = buildGraph({
    name: 'body', inputs: [['i', 'int64', []], ['c_in', 'bool', []], ['y_in', 'float32', [2, 3]]],
    outputs: [['c_out', 'bool', []], ['y_out', 'float32', [2, 3]], ...(constTrips ? [['s_out', 'float32', [2, 3]] as ['s_out', 'float32', number[]]] : [])],
    initializers: [tensor('half', 'float32', [], [0.5])],
    nodes: [
      node('Identity', ['c_in'], ['c_out']),
      node('Mul', ['y_in', 'half'], ['y_half']), node('Add', ['y_half', 'x'], ['y_out']),
      ...(constTrips ? [node('Cast', ['i'], ['i_f'], { to: 1 }), node('Mul', ['y_out', 'i_f'], ['s_out'])] : []),
    ],
  });
  return buildModel({
    inputs: [['x', 'float32', [2, 3]], ['y0', 'float32', [2, 3]], ...(constTrips ? [] : [['m', 'int64', []] as ['m', 'int64', number[]]])],
    outputs: [['y', 'float32', [2, 3]], ...(constTrips ? [['s', 'float32', [constTrips, 2, 3]] as ['s', 'float32', number[]]] : [])],
    initializers: [tensor('yes', 'bool', [], [1]), ...(constTrips ? [tensor('m', 'int64', [], [constTrips])] : [])],
    nodes: [node('Loop', ['m', 'yes', 'y0'], constTrips ? ['y', 's'] : ['y'], { body })],
  });
}

test('Loop with a run-time trip count becomes TFLite WHILE and matches onnxruntime', async () => {
  for (const m of [0, 1, 4]) {
    const ops = await check(loopModel(), [f32('x', [2, 3], 7), f32('y0', [2, 3], 8), scalar('m', 'int64', m)]);
    assert.ok(ops.includes('WHILE'), ops.join());
  }
});

test('Loop with a constant trip count and a scan output is unrolled', async () => {
  const ops = await check(loopModel(3), [f32('x', [2, 3], 7), f32('y0', [2, 3], 8)]);
  assert.ok(!ops.includes('WHILE'), ops.join());
});

test('Scan (opset 9+, reversed input, output axis 1) is unrolled and matches onnxruntime', async () => {
  const body = buildGraph({
    name: 'body', inputs: [['acc', 'float32', [3]], ['xt', 'float32', [3]]],
    outputs: [['acc_out', 'float32', [3]], ['yt', 'float32', [3]]],
    nodes: [node('Add', ['acc', 'xt'], ['acc_out']), node('Tanh', ['acc_out'], ['yt'])],
  });
  const model = buildModel({
    inputs: [['init', 'float32', [3]], ['xs', 'float32', [4, 3]]],
    outputs: [['final', 'float32', [3]], ['ys', 'float32', [3, 4]]],
    nodes: [node('Scan', ['init', 'xs'], ['final', 'ys'], { body, num_scan_inputs: 1, scan_input_directions: [1], scan_output_axes: [1] })],
  });
  await check(model, [f32('init', [3], 9), f32('xs', [4, 3], 10)]);
});

test('the compatibility view agrees: IF and WHILE builtin, a Loop with data-dependent scan outputs refused with the fix', () => {
  const loose = loopModel(3);
  loose.graph.initializers.delete('m');
  loose.graph.inputs.push({ name: 'm', dtype: 'int64', shape: [] });
  const r = analyzeCompatibility(loose);
  const v = r.nodes.find((n) => n.opType === 'Loop')!;
  assert.equal(v.status, 'unsupported');
  assert.match(v.reason ?? '', /--input-value/);
  assert.throws(() => convertModel(loose), /scan outputs/);
  const w = analyzeCompatibility(loopModel()).nodes.find((n) => n.opType === 'Loop')!;
  assert.equal(w.status, 'builtin');
  assert.ok(w.emits.includes('WHILE'), w.emits.join());
  const i = analyzeCompatibility(ifModel()).nodes.find((n) => n.opType === 'If')!;
  assert.equal(i.status, 'builtin');
  assert.ok(i.emits.includes('IF'));
});



test('fp16 and dynamic quantization reach the weights inside IF branches, and the model still runs on LiteRT', async () => {
  for (const q of [quantizeFp16, quantizeDynamic]) {
    const r = q(convertModel(ifModel(32)));
    const branch = r.model.subgraphs.find((s) => s.name.endsWith('/then'))!;
    assert.ok(branch.operators.some((o) => o.opcode === 'DEQUANTIZE'), `${q.name}: the then branch's Conv weights`);
    const lite = await openConverted(serializeTflite(r.model));
    try {
      const feeds = [f32('x', [1, 32, 6, 6], 1), f32('b', [1, 32, 6, 6], 2), scalar('sr', 'int64', 16000)];
      const ref = await runOnnx(encodeModel(ifModel(32)), feeds);
      const got = await lite.run(feeds);
      const a = toFloat32(ref.get('y')!);
      const b = toFloat32(got.get('y')!);
      let maxRef = 0;
      let maxDiff = 0;
      for (let i = 0; i < a.length; i++) { maxRef = Math.max(maxRef, Math.abs(a[i])); maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i])); }
      assert.ok(maxDiff <= 2e-2 * maxRef, `${q.name}: ${maxDiff} vs ${maxRef}`);
    } finally {
      lite.close();
    }
  }
});

test('a Loop whose carried value grows each iteration becomes a WHILE whose loop variable is resized at run time', async () => {
  const body = buildGraph({
    name: 'body', inputs: [['i', 'int64', []], ['c_in', 'bool', []], ['y_in', 'float32', ['n', 3]]],
    outputs: [['c_out', 'bool', []], ['y_out', 'float32', ['m', 3]]],
    nodes: [node('Identity', ['c_in'], ['c_out']), node('Concat', ['y_in', 'x'], ['y_out'], { axis: 0 })],
  });
  const model = buildModel({
    inputs: [['x', 'float32', [1, 3]], ['m', 'int64', []]], outputs: [['y', 'float32', undefined as unknown as number[]]],
    initializers: [tensor('yes', 'bool', [], [1])],
    nodes: [node('Loop', ['m', 'yes', 'x'], ['y'], { body })],
  });
  const ops = await check(model, [f32('x', [1, 3], 5), scalar('m', 'int64', 4)]);
  assert.ok(ops.includes('WHILE'));
});

test('Scan at opset 8 (batch axis, no sequence_lens) is unrolled per batch row and matches onnxruntime', async () => {
  const body = buildGraph({
    name: 'body', inputs: [['acc', 'float32', [3]], ['xt', 'float32', [3]]],
    outputs: [['acc_out', 'float32', [3]], ['yt', 'float32', [3]]],
    nodes: [node('Add', ['acc', 'xt'], ['acc_out']), node('Sigmoid', ['acc_out'], ['yt'])],
  });
  const model = buildModel({
    opset: 8,
    inputs: [['init', 'float32', [2, 3]], ['xs', 'float32', [2, 4, 3]]],
    outputs: [['final', 'float32', [2, 3]], ['ys', 'float32', [2, 4, 3]]],
    nodes: [node('Scan', ['', 'init', 'xs'], ['final', 'ys'], { body, num_scan_inputs: 1 })],
  });
  const ops = await check(model, [f32('init', [2, 3], 11), f32('xs', [2, 4, 3], 12)]);
  assert.ok(!ops.includes('WHILE'));
});
