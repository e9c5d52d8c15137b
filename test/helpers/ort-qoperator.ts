// Models in the forms onnxruntime's quantizer writes (no Python here: written op for op from onnxruntime's
// quantizer and ContribOperators.md, seeded weights). QOperator (`quantize_static(..., quant_format=QOperator)`):
// QuantizeLinear at the input, QLinearConv with int8 per-channel weights and int32 biases (the ReLU after a conv
// folded into its output range), MaxPool / Flatten on uint8 tensors, the com.microsoft QLinearAdd, QLinearMul,
// QLinearLeakyRelu, QLinearSigmoid, QLinearAveragePool, QLinearGlobalAveragePool, QLinearConcat and QGemm,
// DequantizeLinear at the output. Activation ranges come from running the float model on onnxruntime (calibration
// as the quantizer does it, min/max). And what onnxruntime's optimizer makes of dynamic quantization:
// DynamicQuantizeMatMul and MatMulIntegerToFloat (com.microsoft), QGemm with a float output.
// Used by test/convert/ort-qoperator.test.ts; `scripts/export/ort-qoperator.ts DIR` writes them out.
import { seededUniform } from '../../src/core/random';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import type { Model, Node, Tensor } from '../../src/ir/types';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';

const size = (d: number[]) => d.reduce((a, b) => a * b, 1);
const ms = (op: string, inputs: string[], outputs: string[], attrs: Parameters<typeof node>[3] = {}): Node =>
  ({ ...node(op, inputs, outputs, attrs), domain: 'com.microsoft' });

export interface QModel { name: string; model: Model; input: Tensor; note: string }

/** The float layers of the QOperator CNN: [op, inputs, output, attrs, weight dims] in graph order. */
interface Layer { op: string; inputs: string[]; out: string; attrs?: Parameters<typeof node>[3]; w?: number[]; bias?: boolean; relu?: boolean }

const CNN: Layer[] = [
  { op: 'Conv', inputs: ['x'], out: 'a1', attrs: { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }, w: [8, 3, 3, 3], bias: true, relu: true },
  { op: 'MaxPool', inputs: ['a1'], out: 'p1', attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
  { op: 'Conv', inputs: ['p1'], out: 'a2', attrs: { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }, w: [8, 8, 3, 3], bias: true },
  { op: 'Add', inputs: ['a2', 'p1'], out: 'r' },
  { op: 'LeakyRelu', inputs: ['r'], out: 'l', attrs: { alpha: 0.1 } },
  { op: 'AveragePool', inputs: ['l'], out: 'ap', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 0 } },
  { op: 'Conv', inputs: ['l'], out: 'd', attrs: { pads: [1, 1, 1, 1], kernel_shape: [3, 3], group: 8 }, w: [8, 1, 3, 3], bias: true },
  { op: 'Concat', inputs: ['ap', 'd'], out: 'cat', attrs: { axis: 1 } },
  { op: 'Sigmoid', inputs: ['cat'], out: 'sg' },
  { op: 'Mul', inputs: ['sg', 'cat'], out: 'sw' },
  { op: 'GlobalAveragePool', inputs: ['sw'], out: 'g' },
  { op: 'Flatten', inputs: ['g'], out: 'f' },
  { op: 'Gemm', inputs: ['f'], out: 'logits', attrs: { transB: 1 }, w: [10, 16], bias: true },
];

/** uint8 asymmetric parameters of a range, as the quantizer's min/max calibration gives them (0 always inside). */
function qparams(lo: number, hi: number): [number, number] {
  const a = Math.min(lo, 0);
  const b = Math.max(hi, 0);
  const s = (b - a) / 255 || 1;
  return [s, Math.max(0, Math.min(255, Math.round(-a / s)))];
}

/** int8 symmetric per-output-channel weights (axis 0) and their scales. */
function quantWeights(w: number[], dims: number[]): { q: number[]; s: number[] } {
  const per = size(dims) / dims[0];
  const s = Array.from({ length: dims[0] }, (_, c) => Math.max(...w.slice(c * per, (c + 1) * per).map(Math.abs)) / 127);
  return { q: w.map((v, i) => Math.round(v / s[Math.floor(i / per)])), s };
}

/** QOperator CNN (uint8 activations, int8 per-channel weights), calibrated on `input` by onnxruntime. */
export async function qoperatorCnn(seed = 3): Promise<QModel> {
  const rnd = seededUniform(seed);
  const dims = [1, 3, 16, 16];
  const input = tensor('x', 'float32', dims, Array.from({ length: size(dims) }, () => rnd()));
  const weights = new Map<string, { q: number[]; s: number[]; dims: number[]; b: number[] }>();
  for (const L of CNN) {
    if (!L.w) continue;
    const fan = size(L.w) / L.w[0];
    const w = Array.from({ length: size(L.w) }, () => (rnd() * 2 - 1) * 1.7 / Math.sqrt(fan));
    weights.set(L.out, { ...quantWeights(w, L.w), dims: L.w, b: Array.from({ length: L.w[0] }, () => (rnd() - 0.5) * 0.2) });
  }
  // The float model on the dequantized weights, every activation an output: its ranges calibrate the uint8 ones.
  const fnodes: Node[] = [];
  const finits: Tensor[] = [];
  for (const L of CNN) {
    const W = weights.get(L.out);
    const ins = [...L.inputs];
    if (W) {
      const per = size(W.dims) / W.dims[0];
      finits.push(tensor(`${L.out}_w`, 'float32', W.dims, W.q.map((q, i) => q * W.s[Math.floor(i / per)])), tensor(`${L.out}_b`, 'float32', [W.dims[0]], W.b));
      ins.push(`${L.out}_w`, `${L.out}_b`);
    }
    fnodes.push(node(L.op, ins, [L.relu ? `${L.out}_pre` : L.out], L.attrs ?? {}));
    if (L.relu) fnodes.push(node('Relu', [`${L.out}_pre`], [L.out]));
  }
  const names = ['x', ...CNN.map((L) => L.out)];
  const floatModel = buildModel({ opset: 13, inputs: [['x', 'float32', dims]], outputs: CNN.map((L) => L.out), nodes: fnodes, initializers: finits });
  const ref = await runOnnx(encodeModel(floatModel), [input]);
  const qp = new Map<string, [number, number]>();
  for (const n of names) {
    const d = n === 'x' ? input.data : ref.get(n)!.data;
    let lo = Infinity, hi = -Infinity;
    for (const v of d as Float32Array) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    qp.set(n, qparams(lo, hi));
  }
  // MaxPool and Flatten keep their input's parameters (they move uint8 values).
  qp.set('p1', qp.get('a1')!);
  qp.set('f', qp.get('g')!);
  const inits: Tensor[] = [];
  const param = (n: string): [string, string] => {
    if (!inits.some((t) => t.name === `${n}_s`)) {
      const [s, z] = qp.get(n)!;
      inits.push(tensor(`${n}_s`, 'float32', [], [s]), tensor(`${n}_z`, 'uint8', [], [z]));
    }
    return [`${n}_s`, `${n}_z`];
  };
  const q = (n: string) => `${n}_q`;
  const nodes: Node[] = [node('QuantizeLinear', ['x', ...param('x')], [q('x')])];
  for (const L of CNN) {
    const W = weights.get(L.out);
    const [a, b] = L.inputs;
    const out = [q(L.out)];
    if (L.op === 'Conv' || L.op === 'Gemm') {
      const sx = qp.get(a)![0];
      inits.push(tensor(`${L.out}_wq`, 'int8', W!.dims, W!.q), tensor(`${L.out}_ws`, 'float32', [W!.dims[0]], W!.s),
        tensor(`${L.out}_wz`, 'int8', [W!.dims[0]], W!.s.map(() => 0)),
        tensor(`${L.out}_bq`, 'int32', [W!.dims[0]], W!.b.map((v, c) => Math.round(v / (sx * W!.s[c])))));
      const ins = [q(a), ...param(a), `${L.out}_wq`, `${L.out}_ws`, `${L.out}_wz`];
      if (L.op === 'Conv') nodes.push(node('QLinearConv', [...ins, ...param(L.out), `${L.out}_bq`], out, L.attrs ?? {}));
      else nodes.push(ms('QGemm', [...ins, `${L.out}_bq`, ...param(L.out)], out, L.attrs ?? {}));
    } else if (L.op === 'MaxPool' || L.op === 'Flatten') nodes.push(node(L.op, [q(a)], out, L.attrs ?? {}));
    else if (L.op === 'Add' || L.op === 'Mul') nodes.push(ms(`QLinear${L.op}`, [q(a), ...param(a), q(b), ...param(b), ...param(L.out)], out));
    else if (L.op === 'Concat') nodes.push(ms('QLinearConcat', [...param(L.out), ...L.inputs.flatMap((i) => [q(i), ...param(i)])], out, L.attrs ?? {}));
    else nodes.push(ms(`QLinear${L.op}`, [q(a), ...param(a), ...param(L.out)], out, L.attrs ?? {}));
  }
  nodes.push(node('DequantizeLinear', [q('logits'), ...param('logits')], ['y']));
  const model = buildModel({ opset: 13, inputs: [['x', 'float32', dims]], outputs: [['y', 'float32', [1, 10]]], nodes, initializers: inits });
  model.opsets.set('com.microsoft', 1);
  return { name: 'ort_qoperator_cnn', model, input, note: 'QOperator CNN: QLinearConv, uint8 MaxPool, QLinearAdd/LeakyRelu/AveragePool/Concat/Sigmoid/Mul/GlobalAveragePool, QGemm' };
}

/**
 * onnxruntime's optimizer on a dynamically quantized MLP: DynamicQuantizeMatMul (float A quantized inside, int8
 * per-column B, bias), DynamicQuantizeLinear → MatMulIntegerToFloat (uint8 B with a zero point, bias), and a QGemm
 * with a float output (no y_scale) after a QuantizeLinear.
 */
export function ortDynamicMlp(seed = 4): QModel {
  const rnd = seededUniform(seed);
  const u = (n: number, s: number) => Array.from({ length: n }, () => (rnd() * 2 - 1) * s);
  const input = tensor('x', 'float32', [2, 24], u(48, 1));
  const b1 = u(24 * 16, 127).map(Math.round);
  const b2 = Array.from({ length: 16 * 12 }, () => Math.floor(rnd() * 256));
  const b3 = u(12 * 8, 127).map(Math.round);
  const nodes = [
    ms('DynamicQuantizeMatMul', ['x', 'w1', 'w1s', 'w1z', 'b1'], ['h1']),
    node('Relu', ['h1'], ['r1']),
    node('DynamicQuantizeLinear', ['r1'], ['r1q', 'r1s', 'r1z']),
    ms('MatMulIntegerToFloat', ['r1q', 'w2', 'r1s', 'w2s', 'r1z', 'w2z', 'b2'], ['h2']),
    node('QuantizeLinear', ['h2', 'h2s', 'h2z'], ['h2q']),
    ms('QGemm', ['h2q', 'h2s', 'h2z', 'w3', 'w3s', 'w3z', 'b3'], ['y'], { transB: 1 }),
  ];
  const model = buildModel({
    opset: 13, inputs: [['x', 'float32', [2, 24]]], outputs: [['y', 'float32', [2, 8]]], nodes,
    initializers: [
      tensor('w1', 'int8', [24, 16], b1), tensor('w1s', 'float32', [16], u(16, 0.004).map((v) => Math.abs(v) + 0.002)),
      tensor('w1z', 'int8', [16], Array(16).fill(0)), tensor('b1', 'float32', [16], u(16, 0.2)),
      tensor('w2', 'uint8', [16, 12], b2), tensor('w2s', 'float32', [], [0.003]), tensor('w2z', 'uint8', [], [128]),
      tensor('b2', 'float32', [12], u(12, 0.2)),
      tensor('h2s', 'float32', [], [0.01]), tensor('h2z', 'uint8', [], [128]),
      tensor('w3', 'int8', [8, 12], b3), tensor('w3s', 'float32', [8], u(8, 0.004).map((v) => Math.abs(v) + 0.004)),
      tensor('w3z', 'int8', [8], Array(8).fill(0)), tensor('b3', 'int32', [8], u(8, 200).map(Math.round)),
    ],
  });
  model.opsets.set('com.microsoft', 1);
  return { name: 'ort_dynamic_mlp', model, input, note: 'DynamicQuantizeMatMul, DynamicQuantizeLinear → MatMulIntegerToFloat, QGemm with a float output' };
}

/** Single ops on a uint8 input [3, 16] whose results onnxruntime computes in float: exact up to float rounding. */
export function ortIntegerToFloat(seed = 5): QModel {
  const rnd = seededUniform(seed);
  const input = tensor('a', 'uint8', [3, 16], Array.from({ length: 48 }, () => Math.floor(rnd() * 256)));
  const w = Array.from({ length: 16 * 6 }, () => Math.floor(rnd() * 256));
  const wi8 = Array.from({ length: 6 * 16 }, () => Math.round((rnd() * 2 - 1) * 127));
  const model = buildModel({
    opset: 13, inputs: [['a', 'uint8', [3, 16]]], outputs: [['y1', 'float32', [3, 6]], ['y2', 'float32', [3, 6]]],
    nodes: [
      ms('MatMulIntegerToFloat', ['a', 'w', 'as', 'ws', 'az', 'wz', 'b'], ['y1']),
      ms('QGemm', ['a', 'as', 'az', 'wi8', 'wi8s', 'wi8z', 'bi32'], ['y2'], { transB: 1 }),
    ],
    initializers: [
      tensor('w', 'uint8', [16, 6], w), tensor('as', 'float32', [], [0.02]), tensor('ws', 'float32', [6], [0.01, 0.02, 0.005, 0.03, 0.01, 0.004]),
      tensor('az', 'uint8', [], [120]), tensor('wz', 'uint8', [6], [128, 120, 130, 127, 100, 140]), tensor('b', 'float32', [6], [0.5, -0.25, 0, 1, -1, 0.125]),
      tensor('wi8', 'int8', [6, 16], wi8), tensor('wi8s', 'float32', [6], [0.01, 0.002, 0.004, 0.008, 0.003, 0.006]),
      tensor('wi8z', 'int8', [6], Array(6).fill(0)), tensor('bi32', 'int32', [6], [100, -200, 0, 50, 3000, -7]),
    ],
  });
  model.opsets.set('com.microsoft', 1);
  return { name: 'ort_integer_to_float', model, input, note: 'MatMulIntegerToFloat (per-column uint8 B with zero points, bias), QGemm with a float output' };
}

/**
 * `quantize_dynamic` of an optimized BERT's attention: DynamicQuantizeLinear → QAttention (int8 packed q/k/v weights
 * with per-column scales, float bias, 4 heads, mask_index as lengths [B]: the second row padded after 4 tokens).
 */
export function ortQAttention(seed = 6): QModel {
  const rnd = seededUniform(seed);
  const u = (n: number, s: number) => Array.from({ length: n }, () => (rnd() * 2 - 1) * s);
  const input = tensor('x', 'float32', [2, 6, 16], u(2 * 6 * 16, 1));
  const model = buildModel({
    opset: 13, inputs: [['x', 'float32', [2, 6, 16]]], outputs: [['y', 'float32', [2, 6, 16]]],
    nodes: [
      node('DynamicQuantizeLinear', ['x'], ['xq', 'xs', 'xz']),
      ms('QAttention', ['xq', 'w', 'b', 'xs', 'ws', 'mask', 'xz', 'wz'], ['y'], { num_heads: 4 }),
    ],
    initializers: [
      tensor('w', 'int8', [16, 48], u(16 * 48, 127).map(Math.round)), tensor('b', 'float32', [48], u(48, 0.1)),
      tensor('ws', 'float32', [48], u(48, 0.004).map((v) => Math.abs(v) + 0.004)), tensor('wz', 'int8', [48], Array(48).fill(0)),
      tensor('mask', 'int32', [2], [6, 4]),
    ],
  });
  model.opsets.set('com.microsoft', 1);
  return { name: 'ort_qattention', model, input, note: 'DynamicQuantizeLinear → QAttention (per-column weight scales, lengths mask_index)' };
}

/**
 * uint8 tensors moved as QOperator models move them: Pad with the zero point as its value, Resize nearest ×2,
 * Reshape, then QLinearSoftmax (opset 13 rule, output scale 1/256) and DequantizeLinear.
 */
export function qoperatorMoves(seed = 7): QModel {
  const rnd = seededUniform(seed);
  const input = tensor('x', 'float32', [1, 4, 6, 6], Array.from({ length: 144 }, () => rnd() * 4 - 1));
  const model = buildModel({
    opset: 13, inputs: [['x', 'float32', [1, 4, 6, 6]]], outputs: [['y', 'float32', [1, 4, 256]]],
    nodes: [
      node('QuantizeLinear', ['x', 's', 'z'], ['q']),
      node('Pad', ['q', 'pads', 'z'], ['p']),
      node('Resize', ['p', '', 'scales'], ['r'], { mode: 'nearest' }),
      node('Reshape', ['r', 'shape'], ['f']),
      ms('QLinearSoftmax', ['f', 's', 'z', 'so', 'zo'], ['sm'], { axis: -1, opset: 13 }),
      node('DequantizeLinear', ['sm', 'so', 'zo'], ['y']),
    ],
    initializers: [
      tensor('s', 'float32', [], [4 / 255]), tensor('z', 'uint8', [], [64]), tensor('so', 'float32', [], [1 / 256]), tensor('zo', 'uint8', [], [0]),
      tensor('pads', 'int64', [8], [0, 0, 1, 1, 0, 0, 1, 1]), tensor('scales', 'float32', [4], [1, 1, 2, 2]), tensor('shape', 'int64', [3], [1, 4, 256]),
    ],
  });
  model.opsets.set('com.microsoft', 1);
  return { name: 'ort_qoperator_moves', model, input, note: 'uint8 Pad (zero point value), Resize nearest, Reshape, QLinearSoftmax' };
}
