// 16x8 layers inside full-integer models (src/quantize/int16.ts, mixed-precision.ts): the residual weight split, the
// `--int16` modes on a small CNN run on the real LiteRT against onnxruntime-node, and the boundary conversions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runOnnx } from '../../src/runtime/ort';
import { quantizeModelBytes } from '../../src/quantize/file';
import { residualWeights } from '../../src/quantize/int16';
import { quantizeSymmetric } from '../../src/quantize/params';
import type { Tensor } from '../../src/ir/types';
import type { TflModel } from '../../src/tflite/model';
import { cosine, floats, innerFloatActivations, rng, runFirstOutput, smallCnn } from './helpers';

test('residual weights: int8 weights plus the int8 residual reproduce the float weights to ~15 bits; the bound holds', () => {
  const r = rng(21);
  const shape = [6, 3, 3, 4];
  const w = Float32Array.from({ length: 6 * 36 }, () => (r() - 0.5) * (1 + 3 * r()));
  const q = quantizeSymmetric(w, shape, 0);
  const res = residualWeights(w, shape, q.data, q.scales, 0, 0, 2);
  for (let i = 0; i < w.length; i++) {
    const c = Math.floor(i / 36);
    const approx = q.data[i] * q.scales[c] + res.data[i] * res.scales[c];
    assert.ok(Math.abs(approx - w[i]) <= res.scales[c] / 2 + 1e-12, `element ${i}`);
    assert.ok(res.scales[c] <= q.scales[c] / 2 / 127 + 1e-12, 'the residual spans at most half an int8 step');
  }
  // |residual · x| for |x| ≤ 2 never exceeds the bound (worst case: x = ±2 with the residual's signs).
  for (let c = 0; c < 6; c++) {
    let worst = 0;
    for (let k = 0; k < 36; k++) worst += Math.abs(res.data[c * 36 + k] * res.scales[c]) * 2;
    assert.ok(worst <= res.bound * (1 + 1e-9));
  }
});

const input = (seed: number): Tensor => ({ name: 'x', dtype: 'float32', dims: [1, 3, 16, 16], data: Float32Array.from({ length: 768 }, rng(seed)) });

const types = (m: TflModel) => m.subgraphs[0].tensors.map((t) => t.type);

test('--int16 all: int16 activations, int64 biases, residual weights; runs on LiteRT closer to onnxruntime than int8', async () => {
  const bytes = smallCnn();
  const off = await quantizeModelBytes(bytes, 'small.onnx', {}, { mode: 'int8', int16: 'off' });
  const all = await quantizeModelBytes(bytes, 'small.onnx', {}, { mode: 'int8', int16: 'all' });
  assert.ok(!types(off.result.model).includes('INT16'), '--int16 off: no int16 tensor');
  const t = types(all.result.model);
  assert.ok(t.includes('INT16') && t.includes('INT64'), 'int16 activations and int64 biases');
  assert.deepEqual(innerFloatActivations(all.result.model), []);
  const ops = all.result.model.subgraphs[0].operators;
  const conv = ops.filter((o) => o.opcode === 'CONV_2D');
  assert.equal(conv.length, 2, 'the conv and its residual twin');
  assert.ok(conv.every((o) => o.version === 4), 'CONV_2D 16x8 is version 4');
  assert.ok(ops.some((o) => o.opcode === 'ADD' && o.options?.potScaleInt16 === false && o.version === 3), 'the sum is a general-scale int16 ADD');
  assert.ok(all.result.warnings.some((w) => /--int16 all/.test(w)));
  let e8 = 0;
  let e16 = 0;
  for (const seed of [31, 32, 33]) {
    const x = input(seed);
    const ref = floats([...(await runOnnx(bytes, [x])).values()][0]);
    const o8 = await runFirstOutput(off.result.model, [x]);
    const o16 = await runFirstOutput(all.result.model, [x]);
    for (let i = 0; i < ref.length; i++) { e8 = Math.max(e8, Math.abs(o8[i] - ref[i])); e16 = Math.max(e16, Math.abs(o16[i] - ref[i])); }
    assert.ok(cosine(o16, ref) > 0.9999, `16x8 cosine ${cosine(o16, ref)}`);
  }
  assert.ok(e16 < e8 / 4, `16x8 max error ${e16} vs int8 ${e8}`);
});

test('--int16 auto keeps a model plain int8 when int8 already meets the guard, and reports the guard', async () => {
  const auto = await quantizeModelBytes(smallCnn(), 'small.onnx', {}, { mode: 'int8' });
  assert.equal(auto.summary.int16Ops, 0);
  assert.ok((auto.summary.int8Cosine ?? 0) >= 0.995, `guard ${auto.summary.int8Cosine}`);
  // The search kept every op int8; only the classifier head runs 16x8, by its own rule (int8-classifier-head.ts).
  const sg = auto.result.model.subgraphs[0];
  const wide = sg.operators.filter((o) => o.outputs.some((i) => sg.tensors[i].type === 'INT16'));
  assert.deepEqual(wide.map((o) => o.opcode), ['QUANTIZE', 'FULLY_CONNECTED'], 'int8 → int16 of its input, the 16x8 head');
  assert.deepEqual(auto.summary.classifierHead?.precision, '16x8');
  assert.deepEqual(auto.result.warnings.filter((w) => /16x8/.test(w)).map((w) => /classifier head/.test(w)), [true]);
  const off = await quantizeModelBytes(smallCnn(), 'small.onnx', {}, { mode: 'int8', int16: 'off' });
  assert.ok(!types(off.result.model).includes('INT16'), '--int16 off: no int16 tensor, the head included');
  assert.ok(!off.result.warnings.some((w) => /16x8/.test(w)));
});
