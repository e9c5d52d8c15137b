// onnxruntime's quantizer with UseQDQContribOps writes com.microsoft QuantizeLinear / DequantizeLinear (also 16-bit:
// int16 / uint16 activations beside int8 weights, "A16W8"; int4 / uint4 weights); they were refused as onnxruntime-only ops. They convert
// as ONNX's Q/DQ do (float round trips on LiteRT, constant weights folded), and `--quantize int8` reads an 8-bit
// pair's scale as ONNX's (a 16-bit pair's tensor is calibrated instead).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import type { DType, Node, Tensor } from '../../src/ir/types';
import { encodeModel } from '../../src/onnx/writer';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { openOnnx, runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { quantizeModelBytes } from '../../src/quantize/file';
import { rng } from '../quantize/helpers';

const C = 4;
const X = (seed: number): Tensor => ({ name: 'x', dtype: 'float32', dims: [1, 3, 8, 8], data: Float32Array.from({ length: 192 }, rng(seed)) });

/** Conv → Relu → MaxPool with a Q/DQ pair on every activation (`act` type) and int8 per-channel weights, all in `domain`. */
function qdqCnn(domain: string, act: DType, step: number): Uint8Array {
  const r = rng(3);
  const sw = Array.from({ length: C }, () => 0.002 + r() * 0.004);
  const sx = act.endsWith('16') ? 1 / 65535 : 1 / 255;
  const [z0, zmid] = act === 'uint8' ? [0, 128] : act === 'uint16' ? [0, 32768] : [act === 'int8' ? -128 : -32768, 0];
  const q = (op: string, i: string[], o: string, attrs: Record<string, number> = {}): Node => ({ ...node(op, i, [o], attrs), domain });
  return encodeModel(buildModel({
    opset: 13, inputs: [['x', 'float32', [1, 3, 8, 8]]], outputs: [['out', 'float32', [1, C, 4, 4]]], infer: false,
    initializers: [
      tensor('sx', 'float32', [], [sx]), tensor('zx', act, [], [z0]),
      tensor('wq', 'int8', [C, 3, 3, 3], Array.from({ length: C * 27 }, (_, i) => (i % 27 === 0 ? (i % 2 ? 127 : -127) : Math.round(r() * 254 - 127)))),
      tensor('sw', 'float32', [C], sw), tensor('zw', 'int8', [C], sw.map(() => 0)),
      tensor('bq', 'int32', [C], sw.map(() => Math.round((r() - 0.5) * 2000))),
      tensor('sb', 'float32', [C], sw.map((s) => s * 1 / 255)),
      tensor('sy', 'float32', [], [step]), tensor('zy', act, [], [zmid]), tensor('zr', act, [], [z0]),
    ],
    nodes: [
      q('QuantizeLinear', ['x', 'sx', 'zx'], 'xq'), q('DequantizeLinear', ['xq', 'sx', 'zx'], 'xd'),
      q('DequantizeLinear', ['wq', 'sw', 'zw'], 'w', { axis: 0 }), node('DequantizeLinear', ['bq', 'sb'], ['b'], { axis: 0 }),
      node('Conv', ['xd', 'w', 'b'], ['y'], { pads: [1, 1, 1, 1] }),
      q('QuantizeLinear', ['y', 'sy', 'zy'], 'yq'), q('DequantizeLinear', ['yq', 'sy', 'zy'], 'yd'),
      node('Relu', ['yd'], ['rl']),
      q('QuantizeLinear', ['rl', 'sy', 'zr'], 'rq'), q('DequantizeLinear', ['rq', 'sy', 'zr'], 'rd'),
      node('MaxPool', ['rd'], ['p'], { kernel_shape: [2, 2], strides: [2, 2] }),
      q('QuantizeLinear', ['p', 'sy', 'zr'], 'pq'), q('DequantizeLinear', ['pq', 'sy', 'zr'], 'out'),
    ],
  }, ));
}

async function onLiteRT(bytes: Uint8Array, x: Tensor): Promise<Float32Array> {
  const s = await openConverted(bytes);
  try {
    return [...(await s.run([x])).values()][0].data as Float32Array;
  } finally {
    s.close();
  }
}

function worst(a: Float32Array, b: Float32Array): { diff: number; max: number } {
  let diff = 0, max = 0;
  for (let i = 0; i < a.length; i++) { diff = Math.max(diff, Math.abs(a[i] - b[i])); max = Math.max(max, Math.abs(b[i])); }
  return { diff, max };
}

for (const [act, step] of [['uint8', 0.02], ['int8', 0.02], ['uint16', 0.0001], ['int16', 0.0001]] as const) {
  test(`com.microsoft Q/DQ with ${act} activations converts and matches onnxruntime within one step`, async () => {
    const bytes = qdqCnn('com.microsoft', act, step);
    const r = convertModel(decodeModel(bytes));
    assert.equal(r.transposeCount, 0, JSON.stringify(r.opHistogram));
    assert.equal(r.opHistogram.CONV_2D, 1, JSON.stringify(r.opHistogram));
    for (const seed of [11, 12]) {
      const x = X(seed);
      const ref = (await runOnnx(bytes, [x])).get('out')!.data as Float32Array;
      const { diff, max } = worst(await onLiteRT(serializeTflite(r.model), x), ref);
      assert.ok(max > 20 * step && new Set(ref).size > 20, `the output varies: max ${max}`);
      assert.ok(diff <= step * 1.0001, `max|diff| ${diff} > one step ${step}`);
    }
  });
}

test('--quantize int8 of a com.microsoft QDQ model keeps its 8-bit scales, as for ONNX Q/DQ', async () => {
  const step = 0.02;
  const bytes = qdqCnn('com.microsoft', 'uint8', step);
  const { result, summary } = await quantizeModelBytes(bytes, 'qdq.onnx', {}, { mode: 'int8' });
  assert.equal(summary.calibrationSource, 'qdq');
  const sg = result.model.subgraphs[0];
  const conv = sg.operators.find((o) => o.opcode === 'CONV_2D')!;
  assert.equal(sg.tensors[conv.inputs[1]].type, 'INT8');
  assert.ok(Math.abs(sg.tensors[conv.outputs[0]].quantization!.scale[0] - step) < 1e-9, 'the file\'s scale is kept');
  const x = X(11);
  const ref = (await runOnnx(bytes, [x])).get('out')!.data as Float32Array;
  const { diff } = worst(await onLiteRT(serializeTflite(result.model), x), ref);
  assert.ok(diff <= step * 1.0001, `max|diff| ${diff} > one step ${step}`);
});

test('--quantize int8 of a 16-bit (A16W8) com.microsoft QDQ model: pairs removed, int8 ranges calibrated, near onnxruntime', async () => {
  const step = 0.0001;
  const bytes = qdqCnn('com.microsoft', 'uint16', step);
  const { result } = await quantizeModelBytes(bytes, 'qdq16.onnx', {}, { mode: 'int8' });
  const sg = result.model.subgraphs[0];
  const conv = sg.operators.find((o) => o.opcode === 'CONV_2D')!;
  assert.equal(sg.tensors[conv.inputs[0]].type, 'INT8');
  // The 16-bit scale (1e-4) would clip the outputs at 0.0255: the int8 one is calibrated over their range.
  const s = sg.tensors[conv.outputs[0]].quantization!.scale[0];
  assert.ok(s > 10 * step, `int8 scale ${s}`);
  const x = X(11);
  const ref = (await runOnnx(bytes, [x])).get('out')!.data as Float32Array;
  const { diff, max } = worst(await onLiteRT(serializeTflite(result.model), x), ref);
  assert.ok(diff <= 0.05 * max, `max|diff| ${diff} of ${max}`);
});

for (const [domain, wt] of [['com.microsoft', 'int4'], ['com.microsoft', 'uint4'], ['', 'int4']] as const) {
  test(`4-bit weights (${domain || 'ONNX'} DequantizeLinear of ${wt}, per column, an odd count): folded into float32, onnxruntime to float rounding`, async () => {
    const r = rng(7);
    const [K, N] = [5, 3];
    const q = Array.from({ length: K * N }, () => Math.floor(r() * 16) - (wt === 'int4' ? 8 : 0));
    const m = buildModel({
      opset: domain ? 13 : 21, inputs: [['x', 'float32', [2, K]]], outputs: [['y', 'float32', [2, N]]], infer: false,
      nodes: [{ ...node('DequantizeLinear', ['w', 's', 'z'], ['wf'], { axis: 1 }), domain }, node('MatMul', ['x', 'wf'], ['y'])],
      initializers: [tensor('w', wt, [K, N], q), tensor('s', 'float32', [N], [0.1, 0.2, 0.3]), tensor('z', wt, [N], wt === 'int4' ? [0, 1, -1] : [8, 7, 9])],
    });
    if (domain) m.opsets.set('com.microsoft', 1);
    const bytes = encodeModel(m);
    // Written packed two to a byte (8 bytes for 15 values), read back one to an element.
    assert.deepEqual(Array.from(decodeModel(bytes).graph.initializers.get('w')!.data as Int8Array), q);
    const x: Tensor = { name: 'x', dtype: 'float32', dims: [2, K], data: Float32Array.from({ length: 2 * K }, () => r() * 2 - 1) };
    // As written (optimizations off): onnxruntime's optimizer fuses DQ(4-bit) → MatMul into MatMulNBits, which rounds
    // the activations to int8 (a spread of ~2e-3 of max|ref| from its own unoptimized run).
    const s = await openOnnx(bytes, { optimization: 'disabled' });
    const ref = (await s.run([x])).get('y')!.data as Float32Array;
    await s.close();
    const res = convertModel(decodeModel(bytes));
    assert.equal(res.opHistogram.FULLY_CONNECTED, 1, JSON.stringify(res.opHistogram));
    const { diff, max } = worst(await onLiteRT(serializeTflite(res.model), x), ref);
    assert.ok(max > 0.1 && diff <= 1e-6 * max, `max|diff| ${diff} of ${max}`);
    const opt = worst((await runOnnx(bytes, [x])).get('y')!.data as Float32Array, ref);
    assert.ok(opt.diff <= 5e-3 * opt.max, `onnxruntime optimized vs as written: ${opt.diff} of ${opt.max}`);
  });
}
