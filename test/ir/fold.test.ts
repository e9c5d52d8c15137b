// The constant evaluator against onnxruntime: each case folds one node and runs the same node in onnxruntime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { foldNode, tensorFromNumbers } from '../../src/ir/fold';
import { toNumbers } from '../../src/ir/tensor';
import { Tensor } from '../../src/ir/types';
import { AttrInput, buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { toOrt } from '../helpers/ort';

const i64 = (dims: number[], v: number[]) => tensor('', 'int64', dims, v);
const f32 = (dims: number[], v: number[]) => tensor('', 'float32', dims, v);

interface Case { op: string; inputs: (Tensor | null)[]; attrs?: Record<string, AttrInput>; opset?: number; outputs?: number }

const CASES: Case[] = [
  { op: 'Gather', inputs: [i64([4], [5, 6, 7, 8]), i64([2], [-1, 0])] },
  { op: 'Gather', inputs: [f32([2, 3], [1, 2, 3, 4, 5, 6]), i64([], [2])], attrs: { axis: 1 } },
  { op: 'Concat', inputs: [i64([2], [1, 2]), i64([1], [3])], attrs: { axis: 0 } },
  { op: 'Unsqueeze', inputs: [i64([], [7]), i64([1], [0])] },
  { op: 'Squeeze', inputs: [f32([1, 3, 1], [1, 2, 3]), i64([1], [-1])] },
  { op: 'Slice', inputs: [i64([5], [1, 2, 3, 4, 5]), i64([1], [-1]), i64([1], [-(2 ** 53)]), null, i64([1], [-2])] },
  { op: 'Slice', inputs: [f32([2, 3], [1, 2, 3, 4, 5, 6]), i64([2], [0, 1]), i64([2], [1, 9999]), i64([2], [0, 1])] },
  { op: 'Cast', inputs: [f32([3], [1.7, -2.5, 3])], attrs: { to: 7 } },
  { op: 'Cast', inputs: [i64([3], [0, 2, -1])], attrs: { to: 9 } },
  { op: 'Add', inputs: [f32([2, 1], [1, 2]), f32([3], [10, 20, 30])] },
  { op: 'Sub', inputs: [i64([2], [5, 6]), i64([], [1])] },
  { op: 'Mul', inputs: [i64([2], [5, 6]), i64([2], [2, 3])] },
  { op: 'Div', inputs: [i64([3], [7, -7, 9]), i64([], [2])] },
  { op: 'Div', inputs: [f32([2], [1, 3]), f32([], [2])] },
  { op: 'Reshape', inputs: [f32([2, 3], [1, 2, 3, 4, 5, 6]), i64([2], [0, -1])] },
  { op: 'Range', inputs: [i64([], [10]), i64([], [1]), i64([], [-3])] },
  { op: 'Range', inputs: [f32([], [0]), f32([], [1]), f32([], [0.3])] },
  { op: 'ConstantOfShape', inputs: [i64([2], [2, 3])], attrs: { value: tensor('v', 'int64', [1], [4]) } },
  { op: 'Equal', inputs: [i64([3], [1, 2, 3]), i64([], [2])] },
  { op: 'Where', inputs: [tensor('', 'bool', [3], [1, 0, 1]), i64([3], [1, 2, 3]), i64([], [-1])] },
  { op: 'Expand', inputs: [i64([1, 2], [1, 2]), i64([3], [2, 1, 2])] },
  { op: 'Identity', inputs: [i64([2], [1, 2])] },
  { op: 'Neg', inputs: [i64([2], [1, -2])] },
  { op: 'Atan', inputs: [f32([4], [-3, -0.5, 0, 12])] },
  // A positional table through a linear layer (Zipformer's linear_pos): [..., M, K] × [K, N].
  { op: 'MatMul', inputs: [f32([2, 3, 2], [1, -2, 0.5, 3, -1, 4, 2, 2, 0, 1, -3, 0.25]), f32([2, 2], [0.5, -1, 2, 0.125])] },
  { op: 'Min', inputs: [i64([2], [1, 5]), i64([2], [3, 2]), i64([], [4])] },
  { op: 'Max', inputs: [f32([2], [1, 5]), f32([2], [3, 2])] },
  { op: 'ReduceProd', inputs: [i64([2, 3], [1, 2, 3, 4, 5, 6])], attrs: { axes: [1], keepdims: 0 } },
  { op: 'ReduceProd', inputs: [f32([2, 2], [1, 2, 3, 4])] },
  { op: 'ReduceSum', inputs: [f32([2, 2], [1, 2, 3, 4]), i64([1], [0])] },
  // Weight norm's ‖v‖ (wav2vec2's positional conv exported without constant folding) and the other reductions.
  { op: 'ReduceL2', inputs: [f32([2, 2, 3], [1, -2, 3, 4, 0.5, -6, 7, 8, -9, 1, 2, 3])], attrs: { axes: [0, 1], keepdims: 1 } },
  { op: 'ReduceL2', inputs: [f32([2, 3], [1, -2, 3, 4, 0.5, -6]), i64([1], [-1])], attrs: { keepdims: 0 }, opset: 18 },
  { op: 'ReduceL1', inputs: [f32([2, 3], [1, -2, 3, 4, 0.5, -6])], attrs: { axes: [1] } },
  { op: 'ReduceSumSquare', inputs: [f32([2, 3], [1, -2, 3, 4, 0.5, -6])], attrs: { axes: [0], keepdims: 0 } },
  { op: 'ReduceMean', inputs: [f32([2, 3], [1, -2, 3, 4, 0.5, -6])] },
  { op: 'ReduceMean', inputs: [f32([2, 3], [1, -2, 3, 4, 0.5, -6]), i64([1], [1])], opset: 18 },
  { op: 'ReduceLogSum', inputs: [f32([2, 3], [1, 2, 3, 4, 0.5, 6])], attrs: { axes: [1] } },
  { op: 'ReduceLogSumExp', inputs: [f32([2, 3], [1, -2, 3, 4, 0.5, -6])], attrs: { axes: [1] } },
  { op: 'Log', inputs: [f32([3], [0.5, 1, 7])] },
  { op: 'Tanh', inputs: [f32([3], [-2, 0.25, 3])] },
  { op: 'Sigmoid', inputs: [f32([3], [-2, 0.25, 3])] },
  { op: 'Transpose', inputs: [f32([2, 3], [1, 2, 3, 4, 5, 6])], attrs: { perm: [1, 0] } },
  { op: 'Tile', inputs: [f32([2], [1, 2]), i64([1], [3])] },
  { op: 'Flatten', inputs: [f32([2, 3, 1], [1, 2, 3, 4, 5, 6])], attrs: { axis: 2 } },
  { op: 'Mod', inputs: [i64([3], [-7, 7, 8]), i64([], [3])] },
  { op: 'ScatterND', inputs: [f32([3, 2], [0, 0, 0, 0, 0, 0]), i64([2, 1], [2, 0]), f32([2, 2], [1, 2, 3, 4])] },
  { op: 'ScatterND', inputs: [f32([2, 2], [1, 1, 1, 1]), i64([2, 2], [0, 1, 0, 1]), f32([2], [2, 3])], attrs: { reduction: 'add' }, opset: 16 },
  { op: 'Trilu', inputs: [f32([2, 3], [1, 2, 3, 4, 5, 6]), i64([], [1])], opset: 14 },
  { op: 'Trilu', inputs: [f32([2, 3, 3], Array.from({ length: 18 }, (_, i) => i + 1))], attrs: { upper: 0 }, opset: 14 },
  { op: 'Split', inputs: [i64([5], [1, 2, 3, 4, 5]), i64([2], [2, 3])], outputs: 2 },
  { op: 'Split', inputs: [f32([2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])], attrs: { axis: 1, num_outputs: 3 }, outputs: 3, opset: 18 },
  { op: 'Split', inputs: [f32([2, 4], [1, 2, 3, 4, 5, 6, 7, 8])], attrs: { axis: -1, split: [1, 3] }, outputs: 2, opset: 11 },
  // SincNet's filters (pyannote): an outer product of cut-offs and sample times, band edges clipped
  { op: 'MatMul', inputs: [f32([3, 1], [1, 2, 3]), f32([1, 4], [0.5, -1, 2, 4])] },
  { op: 'MatMul', inputs: [f32([2, 1, 2, 3], Array.from({ length: 12 }, (_, i) => i - 5)), f32([3, 3, 2], Array.from({ length: 18 }, (_, i) => (i % 7) - 3))] },
  { op: 'MatMul', inputs: [f32([3], [1, -2, 3]), f32([2, 3, 2], Array.from({ length: 12 }, (_, i) => i))] },
  { op: 'MatMul', inputs: [f32([2, 3], [1, 2, 3, 4, 5, 6]), f32([3], [1, 0, -1])] },
  { op: 'Clip', inputs: [f32([4], [-3, 0.5, 2, 9]), f32([], [0]), f32([], [4])] },
  { op: 'Clip', inputs: [f32([3], [-3, 0.5, 9]), null, f32([], [1])] },
  { op: 'Clip', inputs: [f32([3], [-3, 0.5, 9])], attrs: { min: -1.5, max: 0.75 }, opset: 6 },
];

async function runOrt(c: Case): Promise<Tensor[]> {
  const names = c.inputs.map((t, i) => (t ? `in${i}` : ''));
  const outs = Array.from({ length: c.outputs ?? 1 }, (_, i) => `out${i}`);
  const model = buildModel({
    opset: c.opset ?? 13,
    nodes: [node(c.op, names, outs, c.attrs)],
    inputs: c.inputs.flatMap((t, i) => (t ? [[`in${i}`, t.dtype, t.dims] as [string, Tensor['dtype'], number[]]] : [])),
    outputs: outs,
  });
  const s = await ort.InferenceSession.create(encodeModel(model));
  const feeds: Record<string, ort.Tensor> = {};
  c.inputs.forEach((t, i) => { if (t) feeds[`in${i}`] = toOrt(t); });
  const r = await s.run(feeds);
  await s.release();
  return outs.map((o) => {
    const t = r[o];
    const dtype = t.type === 'bool' ? 'bool' : (t.type as Tensor['dtype']);
    return tensorFromNumbers(o, dtype, [...t.dims], Array.from(t.data as ArrayLike<number | bigint>, Number));
  });
}

for (const [k, c] of CASES.entries()) {
  test(`fold #${k} ${c.op}(${c.inputs.map((t) => (t ? `[${t.dims}]` : '-')).join(', ')}) equals onnxruntime`, async () => {
    const n = node(c.op, c.inputs.map((t, i) => (t ? `in${i}` : '')), Array.from({ length: c.outputs ?? 1 }, (_, i) => `out${i}`), c.attrs);
    const got = foldNode(n, c.inputs.map((t) => t ?? undefined), c.opset ?? 13);
    assert.ok(got, 'folded');
    const want = await runOrt(c);
    assert.equal(got.length, want.length);
    want.forEach((wt, k) => {
      assert.equal(got[k].dtype, wt.dtype);
      assert.deepEqual(got[k].dims, wt.dims);
      const g = toNumbers(got[k]);
      toNumbers(wt).forEach((w, i) => assert.ok(Math.abs(w - g[i]) <= 1e-6 * Math.max(1, Math.abs(w)), `output ${k} element ${i}: ${g[i]} vs ${w}`));
    });
  });
}

test('fold: Shape (with start/end) and Size need only a static shape', () => {
  const shape = foldNode(node('Shape', ['x'], ['s'], { start: 1, end: -1 }), [undefined], 15, [[2, 3, 4, 5]]);
  assert.deepEqual(shape && toNumbers(shape[0]), [3, 4]);
  const size = foldNode(node('Size', ['x'], ['s']), [undefined], 13, [[2, 3]]);
  assert.deepEqual(size && { d: size[0].dims, v: toNumbers(size[0]) }, { d: [], v: [6] });
  assert.equal(foldNode(node('Shape', ['x'], ['s']), [undefined], 13, [['batch', 3]]), undefined);
});

test('fold: Constant forms, non-constant inputs, oversized results and int64 saturation', () => {
  const c = foldNode(node('Constant', [], ['c'], { value_ints: [1, 2] }), [], 13);
  assert.deepEqual(c && { t: c[0].dtype, v: toNumbers(c[0]) }, { t: 'int64', v: [1, 2] });
  assert.equal(foldNode(node('Add', ['a', 'b'], ['c']), [i64([1], [1]), undefined], 13), undefined);
  assert.equal(foldNode(node('ConstantOfShape', ['s'], ['c']), [i64([2], [1 << 20, 1 << 20])], 13), undefined);
  assert.equal(foldNode(node('LRN', ['a'], ['c'], { size: 1 }), [f32([1, 1, 1, 1], [1])], 13), undefined);
  // Softmax folds (ConViT's positional scores): along one axis from opset 13, over the trailing dims before it.
  const sm = (opset: number) => foldNode(node('Softmax', ['a'], ['c'], { axis: 1 }), [f32([1, 2, 2], [0, 0, Math.log(3), 0])], opset);
  assert.deepEqual(toNumbers(sm(13)![0]).map((v) => +v.toFixed(6)), [0.25, 0.5, 0.75, 0.5]);
  assert.deepEqual(toNumbers(sm(11)![0]).map((v) => +v.toFixed(6)), [0.166667, 0.166667, 0.5, 0.166667]);
  // A product bigger than its two factors and than 64 Ki values (a low-rank pair of big weights) stays two factors.
  assert.equal(foldNode(node('MatMul', ['a', 'b'], ['c']), [f32([512, 1], new Array(512).fill(1)), f32([1, 512], new Array(512).fill(1))], 13), undefined);
  const big = tensorFromNumbers('x', 'int64', [2], [2 ** 64, -(2 ** 64)]);
  assert.deepEqual(Array.from(big.data as BigInt64Array), [2n ** 63n - 1n, -(2n ** 63n)]);
});

test('fold: ops that never grow their largest input fold past maxElements (a computed weight), broadcasts that grow do not', () => {
  const v = f32([4, 8], Array.from({ length: 32 }, (_, i) => i + 1));
  const row = f32([1, 8], Array.from({ length: 8 }, (_, i) => i + 2));
  const opts = { maxElements: 16 };
  const div = foldNode(node('Div', ['v', 'n'], ['d']), [v, row], 13, [], opts);
  assert.deepEqual(div && div[0].dims, [4, 8]);
  assert.equal(toNumbers(div![0])[9], Math.fround(10 / 3));
  const norm = foldNode(node('ReduceL2', ['v'], ['n'], { axes: [0] }), [v], 13, [], opts);
  assert.deepEqual(norm && norm[0].dims, [1, 8]);
  assert.equal(foldNode(node('Add', ['c', 'r'], ['s']), [f32([4, 1], [1, 2, 3, 4]), row], 13, [], opts), undefined);
  assert.equal(foldNode(node('Tile', ['v', 'r'], ['t']), [v, i64([2], [1, 1])], 13, [], opts), undefined);
});
