// onnxruntime's quantize_dynamic of an LSTM writes com.microsoft DynamicQuantizeLSTM (int8 W / R stored transposed
// against LSTM's, per-column scales); it was refused. The weights are dequantized into LSTM's layout and the float LSTM
// runs: the same numbers as ONNX's LSTM on the dequantized weights, and near onnxruntime's (which also rounds X and H
// to uint8 per step).
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

const [T, B, I, H, D] = [5, 2, 6, 4, 2];
const rnd = seededUniform(31);
const u = (n: number, s: number) => Array.from({ length: n }, () => (rnd() * 2 - 1) * s);
const wq = u(D * I * 4 * H, 127).map(Math.round);
const rq = u(D * H * 4 * H, 127).map(Math.round);
const ws = u(D * 4 * H, 0.004).map((v) => Math.abs(v) + 0.004);
const rs = [0.006, 0.005];
const bias = u(D * 8 * H, 0.2);
const x = tensor('x', 'float32', [T, B, I], u(T * B * I, 1));
const outs: [string, 'float32', number[]][] = [['Y', 'float32', [T, D, B, H]], ['Yh', 'float32', [D, B, H]], ['Yc', 'float32', [D, B, H]]];

function quantized(): Uint8Array {
  const m = buildModel({
    opset: 13, inputs: [['x', 'float32', [T, B, I]]], outputs: outs, infer: false,
    nodes: [{ ...node('DynamicQuantizeLSTM', ['x', 'W', 'R', 'B', '', '', '', '', 'Ws', 'Wz', 'Rs', 'Rz'], ['Y', 'Yh', 'Yc'], { hidden_size: H, direction: 'bidirectional' }), domain: 'com.microsoft' }],
    initializers: [tensor('W', 'int8', [D, I, 4 * H], wq), tensor('R', 'int8', [D, H, 4 * H], rq), tensor('B', 'float32', [D, 8 * H], bias),
      tensor('Ws', 'float32', [D, 4 * H], ws), tensor('Wz', 'int8', [D, 4 * H], ws.map(() => 0)), tensor('Rs', 'float32', [D], rs), tensor('Rz', 'int8', [D], [0, 0])],
  });
  m.opsets.set('com.microsoft', 1);
  return encodeModel(m);
}

/** ONNX's LSTM on the dequantized weights, transposed to [D, 4H, K]. */
function float(): Uint8Array {
  const tr = (q: number[], K: number, scale: (d: number, j: number) => number) => {
    const out: number[] = [];
    for (let d = 0; d < D; d++) for (let j = 0; j < 4 * H; j++) for (let k = 0; k < K; k++) out.push(q[(d * K + k) * 4 * H + j] * scale(d, j));
    return out;
  };
  return encodeModel(buildModel({
    opset: 13, inputs: [['x', 'float32', [T, B, I]]], outputs: outs,
    nodes: [node('LSTM', ['x', 'W', 'R', 'B'], ['Y', 'Yh', 'Yc'], { hidden_size: H, direction: 'bidirectional' })],
    initializers: [tensor('W', 'float32', [D, 4 * H, I], tr(wq, I, (d, j) => ws[d * 4 * H + j])), tensor('R', 'float32', [D, 4 * H, H], tr(rq, H, (d) => rs[d])),
      tensor('B', 'float32', [D, 8 * H], bias)],
  }));
}

function worst(a: Tensor, b: Tensor): { diff: number; max: number } {
  const [p, q] = [toNumbers(a), toNumbers(b)];
  let diff = 0, max = 0;
  for (let i = 0; i < p.length; i++) { diff = Math.max(diff, Math.abs(p[i] - q[i])); max = Math.max(max, Math.abs(q[i])); }
  return { diff, max };
}

test('DynamicQuantizeLSTM (bidirectional, per-column W scales): ONNX LSTM on the dequantized weights to float rounding, onnxruntime within 2%', async () => {
  const bytes = quantized();
  const r = convertModel(decodeModel(bytes));
  const [ortQ, ortF] = [await runOnnx(bytes, [x]), await runOnnx(float(), [x])];
  const s = await openConverted(serializeTflite(r.model));
  try {
    const got = await s.run([x]);
    for (const [o] of outs) {
      const f = worst(got.get(o)!, ortF.get(o)!);
      assert.ok(f.max > 0.1 && f.diff <= 1e-5 * f.max, `${o} vs float LSTM: ${f.diff} of ${f.max}`);
      const q = worst(got.get(o)!, ortQ.get(o)!);
      assert.ok(q.diff <= 2e-2 * q.max, `${o} vs onnxruntime's DynamicQuantizeLSTM: ${q.diff} of ${q.max}`);
    }
  } finally {
    s.close();
  }
});
