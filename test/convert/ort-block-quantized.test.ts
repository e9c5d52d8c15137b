// onnxruntime's block-wise 4-bit forms (com.microsoft MatMulNBits: MatMul4BitsQuantizer, onnxruntime-genai's int4 LLMs;
// GatherBlockQuantized: their int4 embedding tables) were refused as fused ops. Their 4- and 8-bit blocks are
// dequantized into float32 constants (a FULLY_CONNECTED, a GATHER) and match onnxruntime-node (which computes in
// float32 too) to float rounding; act-order (g_idx) is refused with one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { encodeModel } from '../../src/onnx/writer';
import { decodeModel } from '../../src/onnx/reader';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { toNumbers } from '../../src/ir/tensor';
import type { Tensor } from '../../src/ir/types';
import { seededUniform } from '../../src/core/random';
import { buildModel, node, tensor } from '../../src/onnx/builder';

const [K, N] = [80, 12];

function nbits(bits: number, bs: number, zeroPoints: boolean, bias: boolean, gIdx = false): Uint8Array {
  const rnd = seededUniform(bits * 100 + bs);
  const blocks = Math.ceil(K / bs);
  const blob = (bs * bits) / 8;
  const zpPerCol = Math.ceil((blocks * bits) / 8);
  const inputs = ['a', 'b', 's', zeroPoints ? 'z' : '', gIdx ? 'g' : '', bias ? 'bias' : ''];
  while (!inputs[inputs.length - 1]) inputs.pop();
  const m = buildModel({
    opset: 17, inputs: [['a', 'float32', [2, 3, K]]], outputs: [['y', 'float32', [2, 3, N]]], infer: false,
    nodes: [{ ...node('MatMulNBits', inputs, ['y'], { K, N, bits, block_size: bs }), domain: 'com.microsoft' }],
    initializers: [
      tensor('b', 'uint8', [N, blocks, blob], Array.from({ length: N * blocks * blob }, () => Math.floor(rnd() * 256))),
      tensor('s', 'float32', [N * blocks], Array.from({ length: N * blocks }, () => 0.01 + rnd() * 0.02)),
      ...(zeroPoints ? [tensor('z', 'uint8', [N * zpPerCol], Array.from({ length: N * zpPerCol }, () => Math.floor(rnd() * 256)))] : []),
      ...(gIdx ? [tensor('g', 'int32', [K], Array.from({ length: K }, (_, k) => Math.floor(k / bs)))] : []),
      ...(bias ? [tensor('bias', 'float32', [N], Array.from({ length: N }, () => rnd() - 0.5))] : []),
    ],
  });
  m.opsets.set('com.microsoft', 1);
  return encodeModel(m);
}

const rnd = seededUniform(41);
const a: Tensor = tensor('a', 'float32', [2, 3, K], Array.from({ length: 6 * K }, () => rnd() * 2 - 1));

/** max|LiteRT - onnxruntime| and max|onnxruntime| at output y. */
async function againstOrt(onnx: Uint8Array, tflite: Uint8Array, x: Tensor): Promise<{ diff: number; max: number }> {
  const ref = toNumbers((await runOnnx(onnx, [x])).get('y')!);
  const s = await openConverted(tflite);
  try {
    const got = toNumbers((await s.run([x])).get('y')!);
    let diff = 0, max = 0;
    for (let i = 0; i < ref.length; i++) { diff = Math.max(diff, Math.abs(got[i] - ref[i])); max = Math.max(max, Math.abs(ref[i])); }
    return { diff, max };
  } finally {
    s.close();
  }
}

for (const [bits, bs, zp, bias] of [[4, 16, true, false], [4, 32, false, true], [8, 16, true, true]] as const) {
  test(`MatMulNBits (${bits} bits, block ${bs}${zp ? ', zero points' : ''}${bias ? ', bias' : ''}; K ${K} not a whole number of blocks) matches onnxruntime`, async () => {
    const bytes = nbits(bits, bs, zp, bias);
    const r = convertModel(decodeModel(bytes));
    assert.equal(r.opHistogram.FULLY_CONNECTED, 1, JSON.stringify(r.opHistogram));
    const { diff, max } = await againstOrt(bytes, serializeTflite(r.model), a);
    assert.ok(max > 0.1 && diff <= 1e-5 * max, `max|diff| ${diff} of ${max}`);
  });
}

test('MatMulNBits with g_idx (act-order) is refused with one line', () => {
  assert.throws(() => convertModel(decodeModel(nbits(4, 16, true, false, true))), /MatMulNBits with g_idx \(act-order\) is not supported/);
});

for (const [dtype, zp] of [['uint8', false], ['uint8', true], ['int4', false]] as const) {
  test(`GatherBlockQuantized (${dtype === 'uint8' ? '4 bits packed in uint8' : dtype}${zp ? ', zero points' : ''}, blocks of 16): rows of the dequantized table, as onnxruntime`, async () => {
    const r = seededUniform(51);
    const [V, C, bs] = [6, 32, 16];
    const cols = dtype === 'uint8' ? C / 2 : C;
    const blocks = V * (C / bs);
    const m = buildModel({
      opset: 17, inputs: [['ids', 'int64', [2, 3]]], outputs: [['y', 'float32', [2, 3, C]]], infer: false,
      nodes: [{ ...node('GatherBlockQuantized', ['d', 'ids', 's', ...(zp ? ['z'] : [])], ['y'], { block_size: bs, gather_axis: 0, quantize_axis: 1 }), domain: 'com.microsoft' }],
      initializers: [
        tensor('d', dtype, [V, cols], Array.from({ length: V * cols }, () => (dtype === 'uint8' ? Math.floor(r() * 256) : Math.floor(r() * 16) - 8))),
        tensor('s', 'float32', [V, C / bs], Array.from({ length: blocks }, () => 0.01 + r() * 0.05)),
        ...(zp ? [tensor('z', 'uint8', [V, C / bs / 2], Array.from({ length: blocks / 2 }, () => Math.floor(r() * 256)))] : []),
      ],
    });
    m.opsets.set('com.microsoft', 1);
    const bytes = encodeModel(m);
    const ids = tensor('ids', 'int64', [2, 3], [5, 0, 2, 2, 4, 1]);
    const { diff, max } = await againstOrt(bytes, serializeTflite(convertModel(decodeModel(bytes)).model), ids);
    assert.ok(max > 0.05 && diff <= 1e-6 * max, `max|diff| ${diff} of ${max}`);
  });
}
