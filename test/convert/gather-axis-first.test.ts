// A Gather of constant indices along an axis whose stored runs after it are a few elements long (FastestDet's
// channel shuffle: x.reshape(c / 2, 2, h·w).permute(1, 0, 2).reshape(2, ...) then x[0], x[1], a [H, W, C/2, 2, 1]
// view of NHWC features) reads its data moved once with that axis first (Gather.ts axisFirst): one TRANSPOSE, which
// XNNPack runs and the gathers share, then each index one contiguous copy, instead of TFLite's own GATHER copying
// element by element (10-25x slower alone, s22-i8lat). Only a scalar index of an axis of at most 4 over short runs:
// its output keeps the layout it had. All match onnxruntime on LiteRT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import type { Model } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { toNumbers } from '../../src/ir/tensor';

/** x [1, 3, 16, 16] → 1x1 Conv to 48 channels (NHWC) → ShuffleNet-style split of `picks` halves → Convs. */
function shuffle(picks: number[]): Model {
  const w = (name: string, dims: number[]) => tensor(name, 'float32', dims, Array.from({ length: dims.reduce((a, b) => a * b) }, (_, k) => Math.sin(k * 0.91)));
  const nodes = [node('Conv', ['x', 'w0'], ['c'], {}), node('Reshape', ['c', 's1'], ['r1']), node('Transpose', ['r1'], ['t'], { perm: [1, 0, 2] }),
    node('Reshape', ['t', 's2'], ['r2'])];
  const outs = picks.map((k) => {
    nodes.push(node('Gather', ['r2', `i${k}`], [`g${k}`], { axis: 0 }), node('Conv', [`g${k}`, 'w1'], [`y${k}`], {}));
    return `y${k}`;
  });
  return buildModel({ inputs: [['x', 'float32', [1, 3, 16, 16]]], outputs: outs, opset: 13, nodes,
    initializers: [w('w0', [48, 3, 1, 1]), w('w1', [8, 24, 1, 1]), tensor('s1', 'int64', [3], [24, 2, 256]), tensor('s2', 'int64', [5], [2, 1, 24, 16, 16]),
      tensor('i0', 'int64', [], [0]), tensor('i1', 'int64', [], [1])] });
}

async function check(m: Model) {
  const feed = tensor('x', 'float32', [1, 3, 16, 16], Array.from({ length: 768 }, (_, i) => Math.cos(i * 0.3)));
  const want = await runOnnx(encodeModel(m), [feed]);
  const r = convertModel(m);
  const lite = await openConverted(serializeTflite(r.model));
  try {
    const got = await lite.run([feed]);
    for (const [name, t] of want) {
      const a = toNumbers(got.get(name)!), b = toNumbers(t);
      a.forEach((v, k) => assert.ok(Math.abs(v - b[k]) <= 1e-4 * (1 + Math.abs(b[k])), `${name}[${k}] ${v} vs ${b[k]}`));
    }
  } finally {
    lite.close();
  }
  const sg = r.model.subgraphs[0];
  return sg.operators.filter((o) => o.opcode === 'GATHER').map((o) => ({ axis: o.options?.axis, dims: sg.tensors[o.inputs[0]].shape }));
}

test('a channel shuffle\'s halves are gathered from one move with the halves first: contiguous copies', async () => {
  const gathers = await check(shuffle([0, 1]));
  assert.equal(gathers.length, 2);
  for (const g of gathers) {
    assert.equal(g.axis, 0, JSON.stringify(gathers));
    assert.equal(g.dims[0], 2, JSON.stringify(gathers));
  }
});
