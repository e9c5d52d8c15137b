// ONNX GroupNormalization (opset 18: scale and bias per group; 21: per channel) after a Conv, so its input is stored
// channel-last: it converts in that layout (no TRANSPOSE) and matches onnxruntime on LiteRT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { toNumbers } from '../../src/ir/tensor';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

for (const [opset, groups, per] of [[18, 3, 3], [21, 3, 6], [18, 6, 6], [21, 1, 6]] as const) {
  test(`GroupNormalization opset ${opset}, ${groups} groups, ${per} scale values: channel-last, matches onnxruntime`, async () => {
    const model = buildModel({
      inputs: [['x', 'float32', [1, 2, 5, 7]]], outputs: ['y'], opset,
      nodes: [node('Conv', ['x', 'w'], ['c']), node('GroupNormalization', ['c', 's', 'b'], ['y'], { num_groups: groups, epsilon: 1e-3 })],
      initializers: [tensor('w', 'float32', [6, 2, 1, 1], seq(12, (i) => Math.sin(i + 1))),
        tensor('s', 'float32', [per], seq(per, (i) => 0.5 + i / 4)), tensor('b', 'float32', [per], seq(per, (i) => i / 3 - 0.5))],
    });
    const x = tensor('x', 'float32', [1, 2, 5, 7], seq(70, (i) => Math.cos(i * 0.7) * 2 + i / 30));
    const want = toNumbers((await runOnnx(encodeModel(model), [x])).get('y')!);
    const r = convertModel(model);
    assert.equal(r.transposeCount, 0);
    assert.equal(r.metadata.inputs[0].perm.join(), '0,2,3,1');
    const lite = await openConverted(serializeTflite(r.model));
    try {
      const got = toNumbers((await lite.run([x])).get('y')!);
      want.forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= 1e-5 + 1e-4 * Math.abs(v), `element ${i}: ${got[i]} vs ${v}`));
    } finally {
      lite.close();
    }
  });
}

test('GroupNormalization: channels that do not split into the groups are refused with one line', () => {
  const model = buildModel({
    inputs: [['x', 'float32', [1, 6, 4]]], outputs: ['y'], opset: 18,
    nodes: [node('GroupNormalization', ['x', 's', 'b'], ['y'], { num_groups: 4 })],
    initializers: [tensor('s', 'float32', [4], [1, 1, 1, 1]), tensor('b', 'float32', [4], [0, 0, 0, 0])],
  });
  assert.throws(() => convertModel(model), /6 channels do not split into 4 groups/);
});
