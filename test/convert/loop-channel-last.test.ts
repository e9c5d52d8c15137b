// A Loop that stays a TFLite WHILE around convolutions (a DEQ's fixed point, twenty-sixth vision sweep:
// z ← GroupNorm(ReLU(conv z) + u) until the change is small). Its carried map was carried in ONNX order, so each
// iteration moved it NCHW → NHWC for the conv, moved the captured injection u likewise and the GroupNorm's result
// back (3 TRANSPOSE an iteration, 1 outside: 5 in the file). The state is now carried channel-last when the body
// reads it into a spatial op and captured values enter as they are stored: the GroupNorm's move in and out of its
// group view is left (2, in the body), with the same results as onnxruntime for 0, 1 and several trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Model, Tensor } from '../../src/ir/types';
import { buildGraph, buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { parseTflite } from '../../src/tflite/reader';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { runOnnx } from '../../src/runtime/ort';
import { toFloat32 } from '../../src/ir/tensor';

const [C, H, W, G] = [4, 6, 6, 2];
const ramp = (name: string, dims: number[], k: number, s = 1): Tensor =>
  tensor(name, 'float32', dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => s * Math.sin(k * (i + 1))));

function deq(): Model {
  const map: [string, 'float32', number[]] = ['', 'float32', [1, C, H, W]];
  const body = buildGraph({
    name: 'body', inputs: [['i', 'int64', []], ['c_in', 'bool', []], ['z_in', ...map.slice(1) as ['float32', number[]]]],
    outputs: [['c_out', 'bool', []], ['z_out', ...map.slice(1) as ['float32', number[]]]],
    initializers: [ramp('fw', [C, C, 3, 3], 0.7, 0.3), ramp('fb', [C], 1.3, 0.1),
      tensor('groups', 'int64', [3], [1, G, -1]), tensor('back', 'int64', [4], [1, C, H, W]),
      tensor('ones', 'float32', [G], [1, 1]), tensor('zeros', 'float32', [G], [0, 0]),
      ramp('gamma', [C, 1, 1], 2.1), ramp('beta', [C, 1, 1], 0.4), tensor('limit', 'float32', [], [1e-2])],
    nodes: [
      node('Conv', ['z_in', 'fw', 'fb'], ['f'], { pads: [1, 1, 1, 1] }), node('Relu', ['f'], ['r']),
      node('Add', ['r', 'u'], ['a']),
      node('Reshape', ['a', 'groups'], ['ag']), node('InstanceNormalization', ['ag', 'ones', 'zeros'], ['n'], { epsilon: 1e-5 }),
      node('Reshape', ['n', 'back'], ['nb']), node('Mul', ['nb', 'gamma'], ['ng']), node('Add', ['ng', 'beta'], ['z_out']),
      node('Sub', ['z_out', 'z_in'], ['d']), node('Abs', ['d'], ['ad']), node('ReduceMean', ['ad'], ['md'], { keepdims: 0 }),
      node('Greater', ['md', 'limit'], ['c_out']),
    ],
  });
  return buildModel({
    inputs: [['x', 'float32', [1, C, H, W]], ['m', 'int64', []]],
    outputs: [['y', 'float32', [1, C]]],
    initializers: [ramp('uw', [C, C, 3, 3], 0.3, 0.3), ramp('ub', [C], 0.9, 0.1), tensor('yes', 'bool', [], [1])],
    nodes: [
      node('Conv', ['x', 'uw', 'ub'], ['u'], { pads: [1, 1, 1, 1] }),
      node('Loop', ['m', 'yes', 'x'], ['z'], { body }),
      node('ReduceMean', ['z'], ['y'], { axes: [2, 3], keepdims: 0 }),
    ],
  });
}

test('a WHILE around convolutions carries its map channel-last: the GroupNorm\'s 2 TRANSPOSE left, equal to onnxruntime', async () => {
  const m = deq();
  const bytes = serializeTflite(convertModel(m).model);
  const ops = parseTflite(bytes).subgraphs.flatMap((s) => s.operators.map((o) => o.opcode));
  assert.ok(ops.includes('WHILE'), ops.join());
  assert.equal(ops.filter((o) => o === 'TRANSPOSE').length, 2, ops.join());
  const lite = await openConverted(bytes);
  try {
    for (const [trips, k] of [[0, 1], [1, 2], [5, 3], [40, 0.2]]) {
      const feeds = [ramp('x', [1, C, H, W], k), { name: 'm', dtype: 'int64' as const, dims: [], data: BigInt64Array.from([BigInt(trips)]) }];
      const want = toFloat32((await runOnnx(encodeModel(m), feeds)).get('y')!);
      const got = toFloat32((await lite.run(feeds)).get('y')!);
      want.forEach((v, i) => assert.ok(Math.abs(v - got[i]) <= 1e-5, `m=${trips} k=${k} [${i}]: ${got[i]} vs ${v}`));
    }
  } finally {
    lite.close();
  }
});
