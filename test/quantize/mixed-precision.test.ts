// Sensitivity-ranked mixed precision (src/quantize/sensitivity.ts, mixed-precision.ts) on the real LiteRT against
// onnxruntime-node: the rounding point that breaks a model is ranked first, `--int16 auto` keeps the ops around it
// in float32 and the model meets the guard, while `--int16 off` still collapses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { runOnnx } from '../../src/runtime/ort';
import { quantizeModelBytes } from '../../src/quantize/file';
import { activationParams } from '../../src/quantize/int8';
import { keepsArgmax } from '../../src/quantize/mixed-precision';
import { fakeQuantized, makeScorer, rankRoundingPoints, roundingPoints } from '../../src/quantize/sensitivity';
import type { Tensor } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { cosine, floats, rng, runFirstOutput, shiftedModel } from './helpers';


const sample = (seed: number): Tensor[] => [{ name: 'x', dtype: 'float32', dims: [1, 3, 8, 8], data: Float32Array.from({ length: 192 }, rng(seed)) }];

test('rounding points: the tensor whose int8 step wipes out the values ranks first; rounding it alone collapses the output', async () => {
  const bytes = shiftedModel();
  const result = convertModel(decodeModel(bytes));
  const sg = result.model.subgraphs[0];
  // Ranges as calibration would find them: the shifted tensor spans ~1e6.
  const samples = [sample(1), sample(2)];
  const refs = await Promise.all(samples.map((s) => runOnnx(bytes, s)));
  const ranges = new Map<number, { min: number; max: number }>();
  sg.tensors.forEach((t, i) => { if (t.type === 'FLOAT32' && !t.data) ranges.set(i, t.name.includes('shifted') ? { min: 1e6 - 10, max: 1e6 + 10 } : { min: -10, max: 10 }); });
  const params = activationParams(result, ranges);
  const points = roundingPoints(result, params);
  const shifted = points.find((p) => sg.tensors[p.tensor].name.includes('shifted'));
  assert.ok(shifted, points.map((p) => sg.tensors[p.tensor].name).join(', '));
  assert.deepEqual(shifted.ops.map((k) => sg.operators[k].opcode), ['ADD', 'SUB'], 'its producer and its reader');
  const scorer = await makeScorer(result, samples, refs);
  const exact = await scorer.score(fakeQuantized(result, [], params), result.metadata);
  assert.ok(exact.snrDb > 100 && exact.cosine > 0.99999, `nothing rounded: ${exact.snrDb} dB`);
  const alone = await scorer.score(fakeQuantized(result, [shifted.tensor], params), result.metadata);
  assert.ok(alone.snrDb < 3 && alone.cosine < 0.9, `shifted rounded alone: ${alone.snrDb} dB, cosine ${alone.cosine}`);
  const ranked = await rankRoundingPoints(result, params, scorer);
  assert.equal(ranked[0].tensor, shifted.tensor);
  assert.ok(ranked.slice(1).every((p) => p.measure > 20), ranked.map((p) => `${sg.tensors[p.tensor].name} ${p.measure.toFixed(1)}`).join(', '));
});

test('--int16 auto keeps the sensitive ops in float32: the collapsing model meets the guard; --int16 off collapses', async () => {
  const bytes = shiftedModel();
  const off = await quantizeModelBytes(bytes, 'collapse.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
  assert.ok((off.summary.cosine ?? 1) < 0.9, `int8 everywhere: cosine ${off.summary.cosine}`);
  const auto = await quantizeModelBytes(bytes, 'collapse.onnx', {}, { mode: 'int8' });
  assert.equal(auto.summary.guard?.met, true);
  assert.ok((auto.summary.cosine ?? 0) > 0.999, `auto: cosine ${auto.summary.cosine}`);
  assert.equal(auto.summary.floatOps, 2);
  assert.equal(auto.summary.int16Ops, 0);
  const sg = auto.result.model.subgraphs[0];
  const floatOps = sg.operators.filter((o) => ['ADD', 'SUB'].includes(o.opcode));
  assert.ok(floatOps.length === 2 && floatOps.every((o) => o.inputs.every((i) => sg.tensors[i].type === 'FLOAT32')), 'ADD and SUB read float32');
  assert.ok(sg.operators.some((o) => o.opcode === 'CONV_2D' && sg.tensors[o.inputs[1]].type === 'INT8'), 'the conv stays int8');
  assert.ok(auto.result.warnings.some((w) => /2 op\(s\) stay float32 and 0 run in 16x8/.test(w)), auto.result.warnings.join('\n'));
  const x = sample(9);
  const ref = floats([...(await runOnnx(bytes, x)).values()][0]);
  assert.ok(cosine(await runFirstOutput(auto.result.model, x), ref) > 0.999);
});

test('keepsArgmax: a mixed choice whose smooth measure rose but whose arg-max agreement fell is no gain over plain int8', () => {
  // PP-OCRv4 rec, 640-px bucket (last session's search trace): plain int8 agreement 0.9797 / soft 0.5954, the search's
  // choice 0.9625 / 0.8294 — it decoded 101 of 125 evaluation lines the same, plain int8 108.
  const plain = { task: { kind: 'argmax' as const, agreement: 0.9797, soft: 0.5954, count: 640 } };
  const chosen = { task: { kind: 'argmax' as const, agreement: 0.9625, soft: 0.8294, count: 640 } };
  assert.equal(keepsArgmax(chosen, plain), false);
  assert.equal(keepsArgmax({ task: { ...chosen.task, agreement: 0.9797 } }, plain), true, 'as many positions kept: the smooth measure decides');
  // Masks (detection) and value outputs keep the search's choice.
  assert.equal(keepsArgmax({ task: { kind: 'mask', agreement: 0.5, soft: 0.9, count: 8 } }, { task: { kind: 'mask', agreement: 0.9, soft: 0.5, count: 8 } }), true);
  assert.equal(keepsArgmax({}, {}), true);
});
