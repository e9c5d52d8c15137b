// An int8 data move or depthwise conv alone between float32 ops runs float32 (src/quantize/int8-lone-ops.ts): the
// QUANTIZE before it and the DEQUANTIZE after it go, a depthwise conv's weights stay int8 behind a DEQUANTIZE and its
// bias becomes float32; the written models run on LiteRT and give the float result. Ops with an int8 reader, ops
// int8 makes faster (CONV_2D), an op fed by an int8 → int8 requantize and one next to a float form keep their int8 form. No time is asserted
// (the speed: bench/int8-detector.bench.ts, docs/model-sweep.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/ir/types';
import type { TflModel, TflOperator, TflTensor } from '../../src/tflite/model';
import { floatLoneOps } from '../../src/quantize/int8-lone-ops';
import { FLOAT_BINARY_SUFFIX } from '../../src/quantize/int8-float-binary';
import { uniqueNamer } from '../../src/quantize/graph';
import { quantParams } from '../../src/quantize/params';
import { openTflite } from '../../src/runtime/litert';
import { serializeTflite } from '../../src/tflite/writer';
import { rng } from './helpers';

const H = 8; const W = 8; const C = 4;
const X = { scale: 2 / 255, zeroPoint: -128 }; // [0, 2]
const Y = { scale: 8 / 255, zeroPoint: 0 };
const i32 = (v: number[]) => new Uint8Array(Int32Array.from(v).buffer);
const act = (name: string, type: 'FLOAT32' | 'INT8', shape: number[], q?: { scale: number; zeroPoint: number }): TflTensor =>
  ({ name, type, shape, ...(q ? { quantization: quantParams(q) } : {}) });

/** x (float32) → QUANTIZE → `mid` int8 op(s) → DEQUANTIZE → y (float32); `mid` gets the int8 input tensor 1 and writes tensor 2. */
function sandwich(extra: TflTensor[], mid: (xq: number, yq: number) => TflOperator[], outShape: number[], midOut = Y): TflModel {
  const tensors: TflTensor[] = [act('x', 'FLOAT32', [1, H, W, C]), act('xq', 'INT8', [1, H, W, C], X), act('yq', 'INT8', outShape, midOut),
    act('y', 'FLOAT32', outShape), ...extra];
  return { version: 3, description: 'lone', metadata: new Map(), subgraphs: [{ name: 'main', tensors, inputs: [0], outputs: [3], operators: [
    { opcode: 'QUANTIZE', version: 1, inputs: [0], outputs: [1] }, ...mid(1, 2), { opcode: 'DEQUANTIZE', version: 2, inputs: [2], outputs: [3] }] }] };
}

// Depthwise 3x3, per-channel int8 weights q_w · s_w[c], int32 bias at s_x · s_w[c].
const SW = [0.01, 0.02, 0.015, 0.03];
const QW = Array.from({ length: 9 * C }, (_, i) => ((i * 37) % 255) - 127);
const QB = [100, -250, 40, 7];
function depthwise(): TflModel {
  const w: TflTensor = { name: 'w', type: 'INT8', shape: [1, 3, 3, C], data: new Uint8Array(Int8Array.from(QW).buffer),
    quantization: { scale: SW, zeroPoint: SW.map(() => 0), quantizedDimension: 3 } };
  const b: TflTensor = { name: 'b', type: 'INT32', shape: [C], data: i32(QB),
    quantization: { scale: SW.map((s) => s * X.scale), zeroPoint: SW.map(() => 0), quantizedDimension: 0 } };
  return sandwich([w, b], (xq, yq) => [{ opcode: 'DEPTHWISE_CONV_2D', version: 3, inputs: [xq, 4, 5], outputs: [yq],
    options: { padding: 'SAME', strideW: 1, strideH: 1, depthMultiplier: 1, fusedActivationFunction: 'NONE', dilationWFactor: 1, dilationHFactor: 1 } }], [1, H, W, C]);
}
function spaceToDepth(): TflModel {
  return sandwich([], (xq, yq) => [{ opcode: 'SPACE_TO_DEPTH', version: 2, inputs: [xq], outputs: [yq], options: { blockSize: 2 } }], [1, H / 2, W / 2, 4 * C], X);
}

const ops = (m: TflModel) => m.subgraphs[0].operators.map((o) => `${o.opcode}:${m.subgraphs[0].tensors[o.outputs[0]].type}`);
const input = (): Tensor => { const r = rng(3); return { name: 'x', dtype: 'float32', dims: [1, H, W, C], data: Float32Array.from({ length: H * W * C }, () => 2 * r()) }; };

async function run(m: TflModel, x: Tensor): Promise<Float32Array> {
  const s = await openTflite(serializeTflite(m));
  try { return (await s.run([x]))[0].data as Float32Array; } finally { s.close(); }
}

test('int8 lone ops: a SPACE_TO_DEPTH between a QUANTIZE and a DEQUANTIZE runs float32 and moves the exact input values', async () => {
  const m = spaceToDepth();
  const sg = m.subgraphs[0];
  assert.equal(floatLoneOps(sg, uniqueNamer(sg)), 1);
  assert.deepEqual(ops(m), ['SPACE_TO_DEPTH:FLOAT32']);
  assert.deepEqual(sg.operators[0].inputs, [0]);
  assert.deepEqual(sg.operators[0].outputs, [3]);
  const x = input();
  const y = await run(m, x);
  const xs = x.data as Float32Array;
  // TFLite's SPACE_TO_DEPTH: out[h][w][(bh · 2 + bw) · C + c] = in[2h + bh][2w + bw][c].
  for (let h = 0; h < H / 2; h++) for (let w = 0; w < W / 2; w++) for (let b = 0; b < 4; b++) for (let c = 0; c < C; c++) {
    assert.equal(y[((h * (W / 2) + w) * 4 + b) * C + c], xs[((2 * h + (b >> 1)) * W + 2 * w + (b & 1)) * C + c]);
  }
});

test('int8 lone ops: a depthwise conv alone between float32 ops runs float32 with its weights int8 behind a DEQUANTIZE and a float32 bias', async () => {
  const m = depthwise();
  const x = input();
  const before = await run(depthwise(), x);
  const sg = m.subgraphs[0];
  assert.equal(floatLoneOps(sg, uniqueNamer(sg)), 1);
  assert.deepEqual(ops(m), ['DEQUANTIZE:FLOAT32', 'DEPTHWISE_CONV_2D:FLOAT32']);
  const [deq, dw] = sg.operators;
  assert.equal(sg.tensors[deq.inputs[0]].type, 'INT8', 'the weights stay int8 in the file');
  assert.deepEqual(dw.inputs.slice(0, 2), [0, deq.outputs[0]]);
  assert.equal(sg.tensors[dw.inputs[2]].type, 'FLOAT32');
  assert.deepEqual([...new Float32Array(sg.tensors[dw.inputs[2]].data!.slice().buffer)].map((v) => +v.toFixed(6)),
    QB.map((q, c) => +(q * SW[c] * X.scale).toFixed(6)));
  // The float result: the depthwise conv of the unrounded input with the int8 weights' values.
  const y = await run(m, x);
  const xs = x.data as Float32Array;
  let worst = 0; let worstInt8 = 0;
  for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) for (let c = 0; c < C; c++) {
    let s = QB[c] * SW[c] * X.scale;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      const [hh, ww] = [h + i - 1, w + j - 1];
      if (hh >= 0 && hh < H && ww >= 0 && ww < W) s += xs[(hh * W + ww) * C + c] * QW[(i * 3 + j) * C + c] * SW[c];
    }
    const k = (h * W + w) * C + c;
    worst = Math.max(worst, Math.abs(y[k] - s));
    worstInt8 = Math.max(worstInt8, Math.abs(before[k] - s));
  }
  assert.ok(worst < 1e-5, `float32 form off the exact result by ${worst}`);
  assert.ok(worstInt8 > 10 * worst, `the int8 sandwich was off by ${worstInt8}`);
});

test('int8 lone ops: a depthwise conv read by an int8 op, a CONV_2D, and an op fed by an int8 requantize keep their int8 form', () => {
  // The DEQUANTIZE after the depthwise conv replaced by an int8 MAX_POOL_2D (its output then dequantized).
  const read = depthwise();
  const sg = read.subgraphs[0];
  sg.tensors.push(act('p', 'INT8', [1, H, W, C], Y));
  sg.operators.splice(2, 0, { opcode: 'MAX_POOL_2D', version: 2, inputs: [2], outputs: [6],
    options: { padding: 'SAME', strideW: 1, strideH: 1, filterWidth: 1, filterHeight: 1, fusedActivationFunction: 'NONE' } });
  sg.operators[3].inputs = [6];
  assert.equal(floatLoneOps(sg, uniqueNamer(sg)), 0);
  // A CONV_2D (int8 is faster there) in the same place.
  const conv = depthwise();
  const op = conv.subgraphs[0].operators[1];
  op.opcode = 'CONV_2D';
  assert.equal(floatLoneOps(conv.subgraphs[0], uniqueNamer(conv.subgraphs[0])), 0);
  // The input an int8 → int8 QUANTIZE (a requantized join input), not a float32 one.
  const req = spaceToDepth();
  const s2 = req.subgraphs[0];
  s2.tensors[0] = act('x', 'INT8', [1, H, W, C], { scale: 1 / 255, zeroPoint: -128 });
  assert.equal(floatLoneOps(s2, uniqueNamer(s2)), 0);
  assert.deepEqual(ops(req), ['QUANTIZE:INT8', 'SPACE_TO_DEPTH:INT8', 'DEQUANTIZE:FLOAT32']);
  // The QUANTIZE ends a float form (an int8 MUL XNNPack refuses, written DEQUANTIZE / MUL / QUANTIZE, which the
  // micro export writes back by its conversions): kept.
  const form = spaceToDepth();
  const s3 = form.subgraphs[0];
  s3.tensors.push(act('x0', 'FLOAT32', [1, H, W, C]));
  s3.tensors[0].name = `x${FLOAT_BINARY_SUFFIX}`;
  s3.inputs = [4];
  s3.operators.unshift({ opcode: 'MUL', version: 1, inputs: [4, 4], outputs: [0], options: { fusedActivationFunction: 'NONE' } });
  assert.equal(floatLoneOps(s3, uniqueNamer(s3)), 0);
});
