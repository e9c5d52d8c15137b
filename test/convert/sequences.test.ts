// ONNX sequences lowered to tensor ops (src/convert/sequences.ts): PyTorch's repeat_interleave over a dynamic axis
// (SplitToSequence, a Loop of SequenceInsert, ConcatFromSequence) converts once --input-shape fixes the axis, and
// the sequence ops' semantics (positions, keepdims, new_axis, scalar split) match onnxruntime on LiteRT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { readModelFile } from '../../src/onnx/reader';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { toNumbers } from '../../src/ir/tensor';
import { ModelError, type Model, type Tensor } from '../../src/ir/types';
import { convertAndMatch, seededInputs } from '../helpers/match';

const FIX = 'test/fixtures/sequences';

test('repeat_interleave over a dynamic axis (SplitToSequence / Loop / ConcatFromSequence) matches onnxruntime at two lengths', async () => {
  const file = `${FIX}/repeat_interleave_op13.onnx`;
  const ops = new Set(readModelFile(file).graph.nodes.map((n) => n.opType));
  for (const op of ['SequenceEmpty', 'SplitToSequence', 'Loop', 'ConcatFromSequence']) assert.ok(ops.has(op), op);
  for (const len of [7, 4]) {
    const shapes = new Map([['x', [1, 4, len]]]);
    const model = readModelFile(file);
    const m = await convertAndMatch(file, model, seededInputs(model, len, -1, 1, shapes), { inputShapes: shapes });
    assert.ok(m.worst <= 1e-5, `length ${len}: rel ${m.worst}`);
    assert.equal(m.result.opHistogram.WHILE, undefined);
    // Each slice's Unsqueeze → Expand → Reshape is a Concat of copies (simplify-repeat.ts): one CONCATENATION, and the
    // convolutions around it keep channel-last order.
    assert.equal(m.result.transposeCount, 0);
    assert.equal(m.result.opHistogram.CONCATENATION, 1);
    assert.deepEqual(m.outputs.map((o) => o.name), ['y']);
  }
});

async function matchOrt(model: Model, feeds: Tensor[]): Promise<void> {
  const want = await runOnnx(encodeModel(model), feeds);
  const r = convertModel(model);
  const lite = await openConverted(serializeTflite(r.model));
  try {
    const got = await lite.run(feeds);
    for (const [name, w] of want) {
      const g = got.get(name);
      assert.ok(g, `output ${name}`);
      assert.deepEqual(g.dims, w.dims, name);
      const gv = toNumbers(g);
      toNumbers(w).forEach((v, i) => assert.ok(Math.abs(v - gv[i]) <= 1e-6, `${name}[${i}] ${gv[i]} vs ${v}`));
    }
  } finally {
    lite.close();
  }
}

const ramp = (name: string, dims: number[], k = 1) => tensor(name, 'float32', dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => k * (i + 1) / 10));

test('SequenceConstruct / Insert / Erase / At / Length / ConcatFromSequence(new_axis) follow onnxruntime', async () => {
  const model = buildModel({
    inputs: [['a', 'float32', [2, 3]], ['b', 'float32', [2, 3]], ['c', 'float32', [2, 3]]],
    outputs: ['stacked', 'last', 'joined'],
    opset: 14, // Identity of a sequence
    initializers: [tensor('one', 'int64', [], [1]), tensor('minus1', 'int64', [], [-1])],
    nodes: [
      node('SequenceConstruct', ['a', 'b'], ['s0']),
      node('SequenceInsert', ['s0', 'c', 'one'], ['s1']), // a, c, b
      node('SequenceInsert', ['s1', 'a'], ['s2']), // a, c, b, a
      node('SequenceErase', ['s2', 'one'], ['s3']), // a, b, a
      node('ConcatFromSequence', ['s3'], ['stacked'], { axis: -1, new_axis: 1 }), // [2, 3, 3]
      node('SequenceAt', ['s2', 'minus1'], ['at']),
      node('SequenceLength', ['s2'], ['len']),
      node('Cast', ['len'], ['lenf'], { to: 1 }),
      node('Mul', ['at', 'lenf'], ['last']),
      node('Identity', ['s1'], ['s1b']),
      node('ConcatFromSequence', ['s1b'], ['joined'], { axis: 0 }), // [6, 3]
    ],
  });
  await matchOrt(model, [ramp('a', [2, 3]), ramp('b', [2, 3], -1), ramp('c', [2, 3], 3)]);
});

test('SplitToSequence: no split with keepdims 0, a scalar split that leaves a shorter last piece', async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [2, 5]]],
    outputs: ['rows', 'chunks'],
    opset: 13,
    initializers: [tensor('two', 'int64', [], [2]), tensor('zero', 'int64', [], [0])],
    nodes: [
      node('SplitToSequence', ['x'], ['r'], { axis: 0, keepdims: 0 }),
      node('ConcatFromSequence', ['r'], ['rows'], { axis: 0, new_axis: 1 }),
      node('SplitToSequence', ['x', 'two'], ['c'], { axis: 1 }), // widths 2, 2, 1
      node('SequenceErase', ['c', 'zero'], ['c1']),
      node('ConcatFromSequence', ['c1'], ['chunks'], { axis: 1 }),
    ],
  });
  await matchOrt(model, [ramp('x', [2, 5])]);
});

test('a sequence that leaves the graph is refused with one line, not lowered', () => {
  const model = buildModel({
    inputs: [['a', 'float32', [2]]],
    outputs: ['s'],
    opset: 13,
    nodes: [node('SequenceConstruct', ['a', 'a'], ['s'])],
  });
  assert.throws(() => convertModel(model), (e: Error) => e instanceof ModelError && /SequenceConstruct/.test(e.message) && !e.message.includes('\n'));
});
