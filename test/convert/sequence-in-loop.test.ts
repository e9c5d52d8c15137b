// Sequences inside the body of a Loop that stays a TFLite WHILE (src/convert/sequences.ts `lowerDeep`): a
// torch.jit.script loop calling `chunk` (PonderNet's GRU gates, s28 sweep) exports SplitToSequence → SequenceAt in the
// body; lowered to a Split there, the model converts and matches onnxruntime on LiteRT. Before, convert refused the
// model ("SplitToSequence has no TFLite builtin equivalent") since only the main graph's sequences were lowered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Model, Tensor } from '../../src/ir/types';
import { buildGraph, buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertModel } from '../../src/convert/convert';
import { analyzeCompatibility } from '../../src/convert/compat';
import { serializeTflite } from '../../src/tflite/writer';
import { parseTflite } from '../../src/tflite/reader';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { runOnnx } from '../../src/runtime/ort';
import { toFloat32 } from '../../src/ir/tensor';

const ramp = (name: string, dims: number[], k: number): Tensor =>
  tensor(name, 'float32', dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(k * (i + 1))));

/**
 * y ← concat(tanh(a), 0.5·b) with [a, b] = chunk(y, [2, 4], axis 1), while the carried sum stays below `limit`
 * (at most m steps): a Loop whose stop depends on the data, with a sequence split and read inside its body.
 */
function model(): Model {
  const body = buildGraph({
    name: 'body', inputs: [['i', 'int64', []], ['c_in', 'bool', []], ['y_in', 'float32', [2, 6]]],
    outputs: [['c_out', 'bool', []], ['y_out', 'float32', [2, 6]]],
    initializers: [tensor('sizes', 'int64', [2], [2, 4]), tensor('at0', 'int64', [], [0]), tensor('at1', 'int64', [], [1]),
      tensor('half', 'float32', [], [0.5]), tensor('limit', 'float32', [], [2.5])],
    nodes: [
      node('SplitToSequence', ['y_in', 'sizes'], ['parts'], { axis: 1 }),
      node('SequenceAt', ['parts', 'at0'], ['a']), node('SequenceAt', ['parts', 'at1'], ['b']),
      node('Tanh', ['a'], ['ta']), node('Mul', ['b', 'half'], ['hb']),
      node('Concat', ['ta', 'hb'], ['y_out'], { axis: 1 }),
      node('ReduceSum', ['y_out'], ['s'], { keepdims: 0 }), node('Abs', ['s'], ['sa']),
      node('Greater', ['sa', 'limit'], ['c_out']),
    ],
  });
  return buildModel({
    inputs: [['y0', 'float32', [2, 6]], ['m', 'int64', []]],
    outputs: [['y', 'float32', [2, 6]]],
    initializers: [tensor('yes', 'bool', [], [1])],
    nodes: [node('Loop', ['m', 'yes', 'y0'], ['y'], { body })],
  });
}

test('a SplitToSequence / SequenceAt in a WHILE body is lowered to a Split and matches onnxruntime', async () => {
  const m = model();
  const result = convertModel(m);
  const bytes = serializeTflite(result.model);
  const ops = parseTflite(bytes).subgraphs.flatMap((s) => s.operators.map((o) => o.opcode));
  assert.ok(ops.includes('WHILE') && (ops.includes('SPLIT_V') || ops.includes('SPLIT')), ops.join());
  const lite = await openConverted(bytes);
  try {
    for (const [trips, k] of [[0, 1], [1, 2], [6, 3], [6, 0.2]]) {
      const feeds = [ramp('y0', [2, 6], k), { name: 'm', dtype: 'int64' as const, dims: [], data: BigInt64Array.from([BigInt(trips)]) }];
      const want = toFloat32((await runOnnx(encodeModel(m), feeds)).get('y')!);
      const got = toFloat32((await lite.run(feeds)).get('y')!);
      want.forEach((v, i) => assert.ok(Math.abs(v - got[i]) <= 1e-6, `m=${trips} k=${k} [${i}]: ${got[i]} vs ${v}`));
    }
  } finally {
    lite.close();
  }
  // The compatibility view agrees: the Loop is a WHILE, nothing in the model is refused.
  const view = analyzeCompatibility(model());
  assert.ok(view.nodes.every((n) => n.status !== 'unsupported'), view.nodes.filter((n) => n.status === 'unsupported').map((n) => `${n.opType}: ${n.reason}`).join('; '));
});
