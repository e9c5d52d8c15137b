// Boolean-mask indexing computed on every row (src/convert/masked-rows.ts, rows-analysis.ts): VITS / Piper's spline
// `out[mask] = f(x[mask])` converts with static shapes; a region that mixes the selected rows is left as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTensor } from '../../src/ir/tensor';
import { readModelFile } from '../../src/onnx/reader';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { prepareModel } from '../../src/convert/convert';
import type { Model, Node } from '../../src/ir/types';
import { convertAndMatch, matchBuilt, seededInputs } from '../helpers/match';

const FIX = 'test/fixtures/sweep8-speech';

/** x [2, 6] → out = x; out[x > 0.1] = f(x[x > 0.1], w[x > 0.1, :]) as torch exports it (NonZero, GatherND, ScatterND). */
function maskedModel(f: (g: string, w: string) => Node[]): Model {
  return buildModel({
    opset: 13, inputs: [['x', 'float32', [2, 6]], ['w', 'float32', [2, 6, 3]]], outputs: ['y'],
    initializers: [tensor('t', 'float32', [], [0.1]), tensor('c', 'float32', [3], [0.5, -1, 2]), tensor('ax', 'int64', [], [-1]),
      tensor('i0', 'int64', [], [0]), tensor('i2', 'int64', [], [2])],
    nodes: [node('Greater', ['x', 't'], ['m']), node('NonZero', ['m'], ['nz']), node('Transpose', ['nz'], ['idx'], { perm: [1, 0] }),
      node('GatherND', ['x', 'idx'], ['g']), node('GatherND', ['w', 'idx'], ['gw']), ...f('g', 'gw'),
      node('ScatterND', ['x', 'idx', 'u'], ['y'])],
  });
}

// Row-wise: u = g · softmax(gw · c)[..., 0] + cumsum(gw, -1)[..., 2].
const rowWise = (g: string, w: string) => [node('Mul', [w, 'c'], ['wc']), node('Softmax', ['wc'], ['sm'], { axis: -1 }),
  node('CumSum', [w, 'ax'], ['cs']), node('Gather', ['sm', 'i0'], ['s0'], { axis: 1 }), node('Gather', ['cs', 'i2'], ['c2'], { axis: 1 }),
  node('Mul', [g, 's0'], ['gs']), node('Add', ['gs', 'c2'], ['u'])];


test('Piper\'s duration predictor (spline over the masked rows, padded phonemes, noise past the tail bound) converts and matches', async () => {
  const file = `${FIX}/piper_durations.onnx`;
  const model = readModelFile(file);
  const shapes = new Map([['input', [1, 12]], ['input_lengths', [1]], ['noise_dp', [1, 2, 12]]]);
  // Was refused: "ScatterND ... has dynamic dims [unk, 11]" (the N selected rows are known only at run time).
  const noise = Array.from({ length: 24 }, (_, i) => [0.3, -7.5, 1.2, 8.0, -0.4, 0.9][i % 6]);
  const ins = seededInputs(model, 2, -1, 1, shapes).map((t) => {
    if (t.name === 'input') return makeTensor(t.name, 'int64', t.dims, Array.from({ length: 12 }, (_, i) => 1 + ((i * 7) % 18)));
    if (t.name === 'input_lengths') return makeTensor(t.name, 'int64', t.dims, [9]);
    if (t.name === 'scales') return makeTensor(t.name, 'float32', t.dims, [0.667, 1, 0.8]);
    if (t.name === 'noise_dp') return makeTensor(t.name, 'float32', t.dims, noise);
    return t;
  });
  const m = await convertAndMatch(file, model, ins, { inputShapes: shapes });
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.deepEqual(m.outputs.map((o) => o.name), ['logw', 'w_ceil', 'y_lengths']);
  assert.equal(m.result.opHistogram.WHERE, undefined, 'no run-time count of selected rows');
});

test('a row-wise region over the masked rows (softmax, cumsum, gathers along the last axis) matches onnxruntime', async () => {
  const m = await matchBuilt(maskedModel(rowWise), 'masked_rows', 3);
  assert.equal(m.result.opHistogram.WHERE, undefined);
});

test('a region that mixes the selected rows (a sum over them) or reads their count is left to the run-time path', () => {
  const mixing = (g: string) => [node('ReduceSum', [g], ['s'], { keepdims: 1 }), node('Add', [g, 's'], ['u'])];
  const { model } = prepareModel(maskedModel(mixing), {});
  assert.ok(model.graph.nodes.some((n) => n.opType === 'NonZero'), 'NonZero kept');
  // Nor one that reads the number of selected rows as a value (a mean written as sum / count): P and P - 1 rows differ.
  const counting = (g: string) => [node('Shape', [g], ['n']), node('Cast', ['n'], ['nf'], { to: 1 }), node('Div', [g, 'nf'], ['u'])];
  const { model: counted } = prepareModel(maskedModel(counting), {});
  assert.ok(counted.graph.nodes.some((n) => n.opType === 'NonZero'), 'NonZero kept when the count is read');
  const { model: rows } = prepareModel(maskedModel(rowWise), {});
  assert.ok(!rows.graph.nodes.some((n) => n.opType === 'NonZero'), 'NonZero replaced');
  assert.ok(rows.graph.nodes.some((n) => n.opType === 'Where'));
});
