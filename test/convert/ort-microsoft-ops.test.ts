// onnxruntime's com.microsoft copies of ONNX ops (GridSample from before opset 16, Trilu from before opset 14) were
// refused as fused ops; they convert as ONNX's do and match onnxruntime-node on LiteRT. com.microsoft ops that
// onnxruntime-node's CPU cannot run (GPU-only fusions, QLinearReduceMean) and Inverse are refused with a line that
// says why, under the code the compatibility view shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { unsupportedRefusal } from '../../src/convert/registry';
import { serializeTflite } from '../../src/tflite/writer';
import { encodeModel } from '../../src/onnx/writer';
import { decodeModel } from '../../src/onnx/reader';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { toNumbers } from '../../src/ir/tensor';
import type { Node, Tensor } from '../../src/ir/types';
import { seededUniform } from '../../src/core/random';
import { buildModel, node, tensor } from '../../src/onnx/builder';

const ms = (op: string, i: string[], o: string[], a: Parameters<typeof node>[3] = {}): Node => ({ ...node(op, i, o, a), domain: 'com.microsoft' });
const rnd = seededUniform(21);
const f = (name: string, dims: number[], s = 1) => tensor(name, 'float32', dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => (rnd() * 2 - 1) * s));

async function againstOrt(nodes: Node[], x: Tensor, inits: Tensor[], out: [string, 'float32', number[]]): Promise<{ diff: number; max: number }> {
  const m = buildModel({ opset: 17, inputs: [[x.name, 'float32', [...x.dims]]], outputs: [out], nodes, initializers: inits, infer: false });
  m.opsets.set('com.microsoft', 1);
  const bytes = encodeModel(m);
  const ref = toNumbers((await runOnnx(bytes, [x])).get(out[0])!);
  const s = await openConverted(serializeTflite(convertModel(decodeModel(bytes)).model));
  try {
    const got = toNumbers((await s.run([x])).get(out[0])!);
    let diff = 0, max = 0;
    for (let i = 0; i < ref.length; i++) { diff = Math.max(diff, Math.abs(got[i] - ref[i])); max = Math.max(max, Math.abs(ref[i])); }
    return { diff, max };
  } finally {
    s.close();
  }
}

for (const [mode, padding, align] of [['bilinear', 'zeros', 0], ['nearest', 'border', 1], ['bilinear', 'reflection', 0]] as const) {
  test(`com.microsoft GridSample (${mode}, ${padding}, align_corners=${align}) matches onnxruntime`, async () => {
    const { diff, max } = await againstOrt([ms('GridSample', ['x', 'g'], ['y'], { mode, padding_mode: padding, align_corners: align })],
      f('x', [1, 3, 5, 6]), [f('g', [1, 4, 3, 2], 1.2)], ['y', 'float32', [1, 3, 4, 3]]);
    assert.ok(max > 0.1 && diff <= 1e-5 * max, `max|diff| ${diff} of ${max}`);
  });
}

test('com.microsoft Trilu (lower, k = 1) matches onnxruntime exactly', async () => {
  const { diff, max } = await againstOrt([ms('Trilu', ['x', 'k'], ['y'], { upper: 0 })], f('x', [2, 4, 5]),
    [tensor('k', 'int64', [], [1])], ['y', 'float32', [2, 4, 5]]);
  assert.ok(max > 0.1 && diff === 0, `max|diff| ${diff} of ${max}`);
});

test('com.microsoft ops without a CPU kernel, and Inverse, are refused with a line that says why', () => {
  const one = (op: string, ins: string[], x: [string, 'float32', number[]], inits: Tensor[], attrs: Parameters<typeof node>[3] = {}) => {
    const m = buildModel({ opset: 17, inputs: [x], outputs: [['y', 'float32', x[2]]], nodes: [ms(op, ins, ['y'], attrs)], initializers: inits, infer: false });
    m.opsets.set('com.microsoft', 1);
    return () => convertModel(decodeModel(encodeModel(m)));
  };
  assert.throws(one('BiasAdd', ['x', 'b', 's'], ['x', 'float32', [2, 3, 4]], [f('b', [4]), f('s', [2, 3, 4])]), /com\.microsoft\.BiasAdd has no kernel in onnxruntime's CPU build/);
  assert.throws(one('QLinearReduceMean', ['x', 's', 'z', 's', 'z'], ['x', 'float32', [2, 3]], [tensor('s', 'float32', [], [0.1]), tensor('z', 'uint8', [], [0])], { axes: [1], keepdims: 1 }),
    /QLinearReduceMean has no kernel in onnxruntime's CPU build/);
  assert.throws(one('Inverse', ['x'], ['x', 'float32', [2, 3, 3]], []), /Inverse \(a matrix inverse\) has no TFLite builtin/);
  assert.equal(unsupportedRefusal(ms('NhwcConv', ['x', 'w'], ['y']), 17).code, 'custom-domain');
});
