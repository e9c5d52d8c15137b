// Inputs made constants before conversion (src/convert/input-values.ts): --input-value's freezeInputs and the
// inputs with no elements (convert.ts) share one routine, inputsAsConstants: the input leaves the model, its value
// is an initializer and its value info takes the value's dims (a symbolic past length would hide an empty past's
// zero from what reads it). Both paths are checked to end in the same graph, and on real LiteRT against onnxruntime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freezeInputs, inputsAsConstants } from '../../src/convert/input-values';
import { convertModel } from '../../src/convert/convert';
import { buildModel, node } from '../../src/onnx/builder';
import { makeTensor } from '../../src/ir/tensor';
import type { Model, Tensor } from '../../src/ir/types';
import { encodeModel } from '../../src/onnx/writer';
import { convertAndMatch } from '../helpers/match';

/** y = Concat(past, x) along axis 2, then ReduceSum over it: past [1, 2, P, 4] with P symbolic. */
function pastModel(): Model {
  return buildModel({
    opset: 13,
    inputs: [['x', 'float32', [1, 2, 3, 4]], ['past', 'float32', [1, 2, 'P', 4]], ['scale', 'float32', [1]]],
    outputs: ['y'],
    nodes: [node('Concat', ['past', 'x'], ['cat'], { axis: 2 }), node('Mul', ['cat', 'scale'], ['y'])],
  });
}

test('inputsAsConstants: the input leaves the model, its value is an initializer and its value info gets its dims', () => {
  const m = pastModel();
  const before = JSON.stringify([...m.graph.values.keys()]);
  const past = makeTensor('past', 'float32', [1, 2, 0, 4], []);
  const out = inputsAsConstants(m, [past]);
  assert.deepEqual(out.graph.inputs.map((i) => i.name), ['x', 'scale']);
  assert.equal(out.graph.initializers.get('past'), past);
  assert.deepEqual(out.graph.values.get('past')?.shape, [1, 2, 0, 4], 'the symbolic P is replaced by the value\'s 0');
  assert.deepEqual(m.graph.inputs.map((i) => i.name), ['x', 'past', 'scale'], 'the caller\'s model is unchanged');
  assert.equal(m.graph.initializers.has('past'), false);
  assert.equal(JSON.stringify([...m.graph.values.keys()]), before);
});

test('freezeInputs goes through the same routine: --input-value of an empty past equals the empty input frozen', () => {
  const m = pastModel();
  const viaFlag = freezeInputs(m, new Map([['past', []]]), new Map([['past', [1, 2, 0, 4]]]));
  const direct = inputsAsConstants(m, [makeTensor('past', 'float32', [1, 2, 0, 4], [])]);
  assert.deepEqual(viaFlag.graph.inputs, direct.graph.inputs);
  assert.deepEqual(viaFlag.graph.values.get('past'), direct.graph.values.get('past'));
  const t = viaFlag.graph.initializers.get('past') as Tensor;
  assert.deepEqual([t.dtype, t.dims], ['float32', [1, 2, 0, 4]]);
  assert.throws(() => freezeInputs(m, new Map([['past', [1]]]), new Map([['past', [1, 2, 0, 4]]])), /gives 1 value, but input "past" has shape \[1, 2, 0, 4\]/);
});

test('an empty past given by --input-shape and a frozen scale: both leave the converted model, which matches onnxruntime', async () => {
  const m = pastModel();
  const x = makeTensor('x', 'float32', [1, 2, 3, 4], Float32Array.from({ length: 24 }, (_, i) => i / 7 - 1));
  const feeds: Tensor[] = [x, makeTensor('past', 'float32', [1, 2, 0, 4], new Float32Array(0)), makeTensor('scale', 'float32', [1], [2.5])];
  const opts = { inputShapes: new Map([['past', [1, 2, 0, 4]]]), inputValues: new Map([['scale', [2.5]]]) };
  const r = convertModel(m, opts);
  assert.deepEqual(r.metadata.inputs.map((i) => i.onnx), ['x'], 'past (no elements) and scale (--input-value) are constants');
  assert.ok(r.warnings.some((w) => w.includes('"past" have no elements')), r.warnings.join('\n'));
  const match = await convertAndMatch(encodeModel(m), m, feeds, opts);
  assert.deepEqual(match.outputs.map((o) => o.name), ['y']);
  for (const o of match.outputs) assert.ok(o.rel <= 1e-6, `${o.name}: max|diff| ${o.maxDiff}`);
});
