// What an int8 file spends besides its int8 weights (issue #13: a small model's int8 file must be <= 35% of its
// float32 one): per-tensor scales for layers with few inputs per channel whose ranges allow it (params.ts
// weightScaleAxis), equal constants written once (graph.ts shareEqualConstants), and the one rule by which a float
// op of the int8 pass keeps int8 weights behind a DEQUANTIZE (weights.ts storedInt8). Real LiteRT against
// onnxruntime-node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { runOnnx } from '../../src/runtime/ort';
import { quantizeModelBytes } from '../../src/quantize/file';
import { activationParams, quantizeInt8 } from '../../src/quantize/int8';
import { PER_TENSOR_MAX_FAN_IN, floatData, quantizeSymmetric, weightScaleAxis } from '../../src/quantize/params';
import { MIN_DYNAMIC_ELEMENTS } from '../../src/quantize/weights';
import { isConst } from '../../src/quantize/graph';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import type { Tensor } from '../../src/ir/types';
import { cosine, floats, rng, runFirstOutput } from './helpers';

const C = 16;

test('weightScaleAxis: per tensor for few inputs per channel with close ranges; per channel for spread ranges or a wide fan-in', () => {
  const r = rng(3);
  const weights = (cout: number, fanIn: number, spread: number) => Float32Array.from({ length: cout * fanIn },
    (_, i) => (r() - 0.5) * spread ** Math.floor(i / fanIn));
  assert.equal(weightScaleAxis(weights(8, 16, 1), [8, 1, 1, 16], 0), undefined, 'close ranges, 16 inputs a channel');
  assert.equal(weightScaleAxis(weights(8, 16, 2), [8, 1, 1, 16], 0), 0, 'each channel twice the last');
  assert.equal(weightScaleAxis(weights(8, PER_TENSOR_MAX_FAN_IN, 1), [8, 1, 1, PER_TENSOR_MAX_FAN_IN], 0), 0, 'scales are cheap next to the weights');
  assert.equal(weightScaleAxis(weights(8, 16, 1), [8, 1, 1, 16], undefined), undefined);
});

/** A 1x1 conv 16 → 16 (close channel ranges: per tensor), a depthwise 3x3 whose channels differ 1.5x each (per
 *  channel), then two HardSigmoids with the same alpha and beta (their constants equal once quantized). */
function smallNet(): Uint8Array {
  const r = rng(9);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, C, 8, 8]]], outputs: [['y', 'float32', [1, C, 8, 8]]],
    initializers: [
      tensor('pw', 'float32', [C, C, 1, 1], w(C * C, 0.5)), tensor('pb', 'float32', [C], w(C, 0.2)),
      tensor('dw', 'float32', [C, 1, 3, 3], Array.from({ length: C * 9 }, (_, i) => (r() - 0.5) * 1.5 ** Math.floor(i / 9) / 20)),
      tensor('db', 'float32', [C], w(C, 0.2)),
    ],
    nodes: [
      node('Conv', ['x', 'pw', 'pb'], ['a'], {}), node('HardSigmoid', ['a'], ['h1'], { alpha: 0.2, beta: 0.5 }),
      node('Conv', ['h1', 'dw', 'db'], ['d'], { group: C, pads: [1, 1, 1, 1] }),
      node('HardSigmoid', ['d'], ['h2'], { alpha: 0.2, beta: 0.5 }), node('Mul', ['h2', 'd'], ['y']),
    ],
  }));
}

test('int8 of a small net: per-tensor pointwise weights and bias, per-channel depthwise, equal constants once; LiteRT matches onnxruntime', async () => {
  const bytes = smallNet();
  const r = rng(4);
  const x: Tensor[] = [{ name: 'x', dtype: 'float32', dims: [1, C, 8, 8], data: Float32Array.from({ length: C * 64 }, () => (r() - 0.5) * 2) }];
  const { result } = await quantizeModelBytes(bytes, 'small.onnx', {}, { mode: 'int8' });
  const sg = result.model.subgraphs[0];
  const conv = sg.operators.find((o) => o.opcode === 'CONV_2D')!;
  const depthwise = sg.operators.find((o) => o.opcode === 'DEPTHWISE_CONV_2D')!;
  const [pw, pb] = [sg.tensors[conv.inputs[1]], sg.tensors[conv.inputs[2]]];
  assert.equal(pw.type, 'INT8');
  assert.deepEqual([pw.quantization!.scale.length, pw.quantization!.quantizedDimension ?? 0], [1, 0], 'pointwise: per tensor');
  assert.equal(pb.quantization!.scale.length, 1, 'its bias too');
  assert.equal(sg.tensors[depthwise.inputs[1]].quantization!.scale.length, C, 'depthwise: per channel');
  assert.equal(sg.tensors[depthwise.inputs[2]].quantization!.scale.length, C);
  // No two constant tensors alike.
  const keys = sg.tensors.filter(isConst).map((t) => JSON.stringify([t.type, t.shape, t.quantization, Array.from(t.data!)]));
  assert.equal(new Set(keys).size, keys.length, 'equal constants are one tensor');
  // The integer weights carry their float source's name.
  const float = convertModel(decodeModel(bytes)).model.subgraphs[0];
  const floatConv = float.operators.find((o) => o.opcode === 'CONV_2D')!;
  assert.deepEqual([pw.name, pb.name], [float.tensors[floatConv.inputs[1]].name, float.tensors[floatConv.inputs[2]].name]);
  const ref = floats((await runOnnx(bytes, x)).get('y')!);
  const got = await runFirstOutput(result.model, x);
  const c = cosine(got, ref);
  assert.ok(c > 0.99, `int8 vs onnxruntime cosine ${c}`);
});

test('storedInt8: a float op of the int8 pass keeps its weights int8 (any size, per channel) behind one DEQUANTIZE shared by its readers', async () => {
  const r = rng(12);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  const bytes = encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 4, 6, 6]]], outputs: [['y', 'float32', [1, 4, 6, 6]]],
    initializers: [tensor('k', 'float32', [4, 4, 3, 3], w(144, 1)), tensor('b', 'float32', [4], w(4, 0.1))],
    nodes: [
      node('Conv', ['x', 'k', 'b'], ['a'], { pads: [1, 1, 1, 1] }), node('Relu', ['a'], ['r']),
      node('Conv', ['r', 'k', 'b'], ['y'], { pads: [1, 1, 1, 1] }),
    ],
  }));
  assert.ok(144 < MIN_DYNAMIC_ELEMENTS);
  const result = convertModel(decodeModel(bytes));
  const sg = result.model.subgraphs[0];
  const convs = sg.operators.flatMap((o, k) => (o.opcode === 'CONV_2D' ? [k] : []));
  assert.equal(convs.length, 2);
  const ranges = new Map(sg.tensors.map((t, i) => [i, { min: -8, max: 8 }] as const).filter(([i]) => !isConst(sg.tensors[i])));
  // Both convs float (as mixed precision keeps a sensitive layer): the shared weight is one INT8 constant.
  quantizeInt8(result, activationParams(result, ranges), { floatOps: new Set(convs) });
  const floatConvs = sg.operators.filter((o) => o.opcode === 'CONV_2D');
  assert.ok(floatConvs.every((o) => sg.tensors[o.inputs[0]].type === 'FLOAT32'));
  assert.equal(floatConvs[0].inputs[1], floatConvs[1].inputs[1], 'one dequantized weight for both');
  const deq = sg.operators.filter((o) => o.opcode === 'DEQUANTIZE' && o.outputs[0] === floatConvs[0].inputs[1]);
  assert.equal(deq.length, 1);
  const stored = sg.tensors[deq[0].inputs[0]];
  assert.equal(stored.type, 'INT8');
  assert.equal(stored.quantization!.scale.length, 4, 'per output channel');
  assert.equal(deq[0].version, 5);
  const x: Tensor[] = [{ name: 'x', dtype: 'float32', dims: [1, 4, 6, 6], data: Float32Array.from({ length: 144 }, () => r() - 0.5) }];
  const c = cosine(await runFirstOutput(result.model, x), floats((await runOnnx(bytes, x)).get('y')!));
  assert.ok(c > 0.999, `float convs with int8 weights vs onnxruntime: cosine ${c}`);
});

test('a layer the search keeps float computes from the weights GPTQ rounded for it (stored int8 as they are) and their bias', async () => {
  const r = rng(21);
  const bytes = encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 4, 6, 6]]], outputs: [['y', 'float32', [1, 4, 6, 6]]],
    initializers: [tensor('k', 'float32', [4, 4, 3, 3], Array.from({ length: 144 }, () => r() - 0.5)), tensor('b', 'float32', [4], [0.1, -0.2, 0.3, 0])],
    nodes: [node('Conv', ['x', 'k', 'b'], ['y'], { pads: [1, 1, 1, 1] })],
  }));
  const quantized = (rounding: boolean, floatOp: boolean) => {
    const result = convertModel(decodeModel(bytes));
    const sg = result.model.subgraphs[0];
    const k = sg.operators.findIndex((o) => o.opcode === 'CONV_2D');
    const [, wi, bi] = sg.operators[k].inputs;
    // A rounding other than the nearest one (as GPTQ's is): every weight not at a channel's largest one step down.
    const nearest = quantizeSymmetric(floatData(sg.tensors[wi]), sg.tensors[wi].shape, 0);
    const data = nearest.data.map((v) => (Math.abs(v) === 127 ? v : v - 1));
    const bias = Float32Array.of(0.1, -0.2, 0.3, 0.05);
    const ranges = new Map(sg.tensors.map((t, i) => [i, { min: -4, max: 4 }] as const).filter(([i]) => !isConst(sg.tensors[i])));
    quantizeInt8(result, activationParams(result, ranges), { ...(floatOp ? { floatOps: new Set([k]) } : {}),
      ...(rounding ? { roundedWeights: new Map([[wi, { data, scales: nearest.scales, bias, biasTensor: bi }]]) } : {}) });
    const conv = sg.operators.find((o) => o.opcode === 'CONV_2D')!;
    const deq = sg.operators.find((o) => o.opcode === 'DEQUANTIZE' && o.outputs[0] === conv.inputs[1]);
    const stored = deq ? sg.tensors[deq.inputs[0]] : sg.tensors[conv.inputs[1]];
    return { result, data, nearest: nearest.data, stored: new Int8Array(stored.data!.buffer, stored.data!.byteOffset, 144), bias: sg.tensors[conv.inputs[2]], conv };
  };
  const f = quantized(true, true);
  assert.equal(f.result.model.subgraphs[0].tensors[f.conv.inputs[0]].type, 'FLOAT32', 'the conv computes in float');
  assert.deepEqual([...f.stored], [...f.data], 'the float conv stores the given rounding');
  assert.deepEqual([...floatData(f.bias)], [...Float32Array.of(0.1, -0.2, 0.3, 0.05)], 'and its bias (0.05 where the model has 0)');
  // Without a rounding the float conv's weights round to nearest, as before; an int8 conv took the rounding already.
  assert.deepEqual([...quantized(false, true).stored], [...f.nearest]);
  assert.deepEqual([...quantized(true, false).stored], [...f.data]);
  const x: Tensor[] = [{ name: 'x', dtype: 'float32', dims: [1, 4, 6, 6], data: Float32Array.from({ length: 144 }, () => r() - 0.5) }];
  const c = cosine(await runFirstOutput(f.result.model, x), floats((await runOnnx(bytes, x)).get('y')!));
  assert.ok(c > 0.99, `runs on LiteRT: cosine ${c} against onnxruntime (weights a step off)`);
});
