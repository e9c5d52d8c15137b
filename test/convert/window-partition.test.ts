// Swin's window partition and reverse as the layout pass moves them: a 6-D [N, H/b, b, W/b, b, C] transpose of the
// middle dims is SPACE_TO_DEPTH (and back DEPTH_TO_SPACE) between RESHAPEs; non-square windows keep a TRANSPOSE.
// MaxViT's departition into an NCHW map read by a Conv lands channel-last through DEPTH_TO_SPACE (the Reshape picks
// the output layout whose move is cheapest). All match onnxruntime on LiteRT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { toNumbers } from '../../src/ir/tensor';

const i64 = (name: string, v: number[]) => tensor(name, 'int64', [v.length], v);

for (const [bh, bw, s2d] of [[4, 4, true], [2, 4, false]] as const) {
  test(`window ${bh}×${bw}: partition, a per-window op, reverse — ${s2d ? 'SPACE_TO_DEPTH / DEPTH_TO_SPACE' : 'TRANSPOSE'}`, async () => {
    const [H, W, C] = [8, 8, 3];
    const nw = (H / bh) * (W / bw);
    const model = buildModel({
      inputs: [['x', 'float32', [1, H, W, C]]], outputs: ['y'], opset: 13,
      nodes: [
        node('Reshape', ['x', 's1'], ['a']), node('Transpose', ['a'], ['b'], { perm: [0, 1, 3, 2, 4, 5] }),
        node('Reshape', ['b', 's2'], ['w']), node('Softmax', ['w'], ['sw'], { axis: -1 }),
        node('Reshape', ['sw', 's3'], ['c']), node('Transpose', ['c'], ['d'], { perm: [0, 1, 3, 2, 4, 5] }),
        node('Reshape', ['d', 's4'], ['y']),
      ],
      initializers: [i64('s1', [1, H / bh, bh, W / bw, bw, C]), i64('s2', [nw, bh * bw, C]),
        i64('s3', [1, H / bh, W / bw, bh, bw, C]), i64('s4', [1, H, W, C])],
    });
    const x = tensor('x', 'float32', [1, H, W, C], Array.from({ length: H * W * C }, (_, i) => Math.sin(i * 0.37) * 3));
    const want = toNumbers((await runOnnx(encodeModel(model), [x])).get('y')!);
    const r = convertModel(model);
    assert.equal(r.opHistogram.SPACE_TO_DEPTH ?? 0, s2d ? 1 : 0);
    assert.equal(r.opHistogram.DEPTH_TO_SPACE ?? 0, s2d ? 1 : 0);
    assert.equal(r.transposeCount, s2d ? 0 : 2);
    const lite = await openConverted(serializeTflite(r.model));
    try {
      const got = toNumbers((await lite.run([x])).get('y')!);
      want.forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= 1e-6, `element ${i}: ${got[i]} vs ${v}`));
    } finally {
      lite.close();
    }
  });
}

test('MaxViT-style: windows [1, nW, b·b, C] back to an NCHW map that a Conv reads — DEPTH_TO_SPACE into NHWC, no TRANSPOSE', async () => {
  const [H, W, C, b] = [8, 8, 4, 4];
  const [A, B] = [H / b, W / b];
  const model = buildModel({
    inputs: [['x', 'float32', [1, A * B, b * b, C]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Reshape', ['x', 's1'], ['a']), node('Transpose', ['a'], ['t'], { perm: [0, 5, 1, 3, 2, 4] }),
      node('Reshape', ['t', 's2'], ['m']), node('Conv', ['m', 'w'], ['y'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
    ],
    initializers: [i64('s1', [1, A, B, b, b, C]), i64('s2', [1, C, H, W]),
      tensor('w', 'float32', [2, C, 3, 3], Array.from({ length: 2 * C * 9 }, (_, i) => Math.cos(i * 0.7)))],
  });
  const x = tensor('x', 'float32', [1, A * B, b * b, C], Array.from({ length: H * W * C }, (_, i) => Math.sin(i * 0.37) * 3));
  const want = toNumbers((await runOnnx(encodeModel(model), [x])).get('y')!);
  const r = convertModel(model);
  assert.equal(r.transposeCount, 0, JSON.stringify(r.opHistogram));
  assert.equal(r.opHistogram.DEPTH_TO_SPACE ?? 0, 1);
  const lite = await openConverted(serializeTflite(r.model));
  try {
    const got = toNumbers((await lite.run([x])).get('y')!);
    want.forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= 1e-5, `element ${i}: ${got[i]} vs ${v}`));
  } finally {
    lite.close();
  }
});
