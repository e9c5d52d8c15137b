// The task-aware int8 measure (src/quantize/task-signal.ts): what each output is for, inferred from the converted
// model, and the arg-max agreement / mask IoU of quantized variants run on the real LiteRT against the float32 model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { runOnnx } from '../../src/runtime/ort';
import { quantizeModelBytes } from '../../src/quantize/file';
import { activationParams } from '../../src/quantize/int8';
import { fakeQuantized, makeScorer } from '../../src/quantize/sensitivity';
import { argmaxAgreement, isBoxRows, maskAgreement, outputTasks } from '../../src/quantize/task-signal';
import type { Tensor } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { serializeTflite } from '../../src/tflite/writer';
import { rng } from './helpers';

const T = 12;
const CLASSES = 9;
const C = CLASSES;
const IN = 16;

/** A CTC-style head: x [1, T, IN] → MatMul by a constant [IN, C] (+ bias) → logits [1, T, C] → `last` over the
 *  class axis (Softmax, LogSoftmax or Sigmoid), plus an ArgMax of the output when `argmax`. */
function head(last: 'Softmax' | 'LogSoftmax' | 'Sigmoid' | 'none', argmax = false, C = CLASSES): Uint8Array {
  const r = rng(5);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  const out = last === 'none' ? 'logits' : 'y';
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, T, IN]]],
    outputs: [[out, 'float32', [1, T, C]], ...(argmax ? [['ids', 'int64', [1, T]] as [string, 'int64', number[]]] : [])],
    initializers: [tensor('w', 'float32', [IN, C], w(IN * C, 1)), tensor('b', 'float32', [C], w(C, 0.2))],
    nodes: [
      node('MatMul', ['x', 'w'], ['mm']), node('Add', ['mm', 'b'], ['logits']),
      ...(last === 'none' ? [] : [node(last, ['logits'], ['y'], last === 'Sigmoid' ? {} : { axis: -1 })]),
      ...(argmax ? [node('ArgMax', [out], ['ids'], { axis: -1, keepdims: 0 })] : []),
    ],
  }));
}

function samplesOf(seeds: number[]): Tensor[][] {
  return seeds.map((s) => {
    const r = rng(s);
    return [{ name: 'x', dtype: 'float32', dims: [1, T, IN], data: Float32Array.from({ length: T * IN }, () => r() * 4 - 2) }];
  });
}

test('outputTasks: softmax / log-softmax / arg-max read outputs are class axes, a sigmoid map is a mask, others are values', () => {
  const kinds = (bytes: Uint8Array) => {
    const sg = convertModel(decodeModel(bytes)).model.subgraphs[0];
    return outputTasks(sg).map((t) => ({ kind: t.kind, tapOp: sg.operators.find((op) => op.outputs.includes(t.tap))?.opcode }));
  };
  const soft = kinds(head('Softmax'));
  assert.equal(soft[0].kind, 'argmax');
  assert.notEqual(soft[0].tapOp, 'SOFTMAX', 'the logits before the softmax are measured');
  assert.equal(kinds(head('LogSoftmax'))[0].kind, 'argmax');
  assert.equal(kinds(head('Sigmoid'))[0].kind, 'mask');
  assert.equal(kinds(head('none'))[0].kind, 'values');
  const withArgmax = kinds(head('none', true));
  assert.equal(withArgmax[0].kind, 'argmax', 'logits read by an ArgMax over the last axis');
  assert.equal(withArgmax.length, 2);
  assert.equal(withArgmax[1].kind, 'argmax', 'the ids the ArgMax gives: measured on the values it reads (argmax-guard.ts)');
});

test('outputTasks: sigmoid rows of 4 are boxes (a DETR head), not a mask; a sigmoid map of 4 channels stays a mask', () => {
  const kinds = (bytes: Uint8Array) => outputTasks(convertModel(decodeModel(bytes)).model.subgraphs[0]).map((t) => t.kind);
  // Relation-DETR's [1, 50, 4] sigmoid boxes were refused as "task: mask IoU 0.5821 with float32".
  assert.deepEqual(kinds(head('Sigmoid', false, 4)), ['values']);
  assert.deepEqual(kinds(head('Sigmoid', false, 5)), ['mask']);
  assert.ok(isBoxRows([1, 50, 4]) && isBoxRows([50, 4]));
  assert.ok(!isBoxRows([1, 64, 64, 4]) && !isBoxRows([2, 50, 4]) && !isBoxRows([1, 50, 6]));
});

test('argmaxAgreement: exact = 1; a shrunk margin shows in the smooth measure before a flip shows in the agreement', () => {
  const want = [1, 3, 2, /* */ 0, 0.5, 5];
  assert.deepEqual(argmaxAgreement(want, want, 3), { positions: 2, agree: 2, soft: 2 });
  const shrunk = argmaxAgreement(want, [1, 2.5, 2, 0, 0.5, 5], 3);
  assert.equal(shrunk.agree, 2);
  assert.ok(Math.abs(shrunk.soft - 1.5) < 1e-9, `margin 1 → 0.5 at the first position: ${shrunk.soft}`);
  const flipped = argmaxAgreement(want, [1, 2, 3, 0, 0.5, 5], 3);
  assert.equal(flipped.agree, 1);
  assert.ok(Math.abs(flipped.soft - 0) < 1e-9, `first position flipped by its whole margin: ${flipped.soft}`);
});

test('argmaxAgreement with a cap: a confident margin that shrinks but stays over the cap counts whole', () => {
  const want = [0, 10, 0, /* */ 0, 0.5, 1];
  const got = [0, 4, 0, /* */ 0, 0.75, 1];
  // Uncapped: 10 → 4 is 0.4 of the margin; capped at 1 it is kept (4 >= 1); the near-tie 0.5 → 0.25 counts 0.5 either way.
  assert.ok(Math.abs(argmaxAgreement(want, got, 3).soft - 0.9) < 1e-9);
  assert.ok(Math.abs(argmaxAgreement(want, got, 3, 1).soft - 1.5) < 1e-9, `${argmaxAgreement(want, got, 3, 1).soft}`);
});

test('maskAgreement: IoU of the maps thresholded at 0.3 and 0.5 from logits, and a smooth IoU', () => {
  const logit = (p: number) => Math.log(p / (1 - p));
  const want = [0.9, 0.4, 0.2, 0.6].map(logit);
  const got = [0.9, 0.2, 0.2, 0.45].map(logit);
  const m = maskAgreement(want, got);
  assert.deepEqual(m.iou.map((x) => +x.toFixed(4)), [0.6667, 0.5], '0.3: {0,1,3} vs {0,3}; 0.5: {0,3} vs {0}');
  assert.deepEqual(maskAgreement(want, want).iou, [1, 1]);
  assert.ok(m.soft.every((s) => s > 0 && s < 1));
});

test('scorer: rounding the logits coarsely lowers the arg-max agreement on LiteRT; the objective is the smooth measure', async () => {
  const bytes = head('Softmax');
  const result = convertModel(decodeModel(bytes));
  const sg = result.model.subgraphs[0];
  const samples = samplesOf([1, 2, 3, 4]);
  const refs = await Promise.all(samples.map((s) => runOnnx(bytes, s)));
  const logits = outputTasks(sg)[0].tap;
  // A 0.5-wide int8 step on the logits (range ±64) moves near-ties; the other tensors get fine ranges.
  const ranges = new Map<number, { min: number; max: number }>();
  sg.tensors.forEach((t, i) => { if (t.type === 'FLOAT32' && !t.data) ranges.set(i, i === logits ? { min: -64, max: 64 } : { min: -8, max: 8 }); });
  const params = activationParams(result, ranges);
  const scorer = await makeScorer(result, samples, refs);
  const exact = await scorer.score(fakeQuantized(result, [], params), result.metadata);
  assert.equal(exact.task?.kind, 'argmax');
  assert.equal(exact.task?.agreement, 1);
  assert.equal(exact.task?.count, samples.length * T);
  assert.ok(Math.abs(exact.objective - 1) < 1e-9, `exact: ${exact.objective}`);
  const coarse = await scorer.score(fakeQuantized(result, [logits], params), result.metadata);
  assert.ok(coarse.task && coarse.task.soft < 0.99, `coarse logits: soft ${coarse.task?.soft}`);
  assert.equal(coarse.objective, coarse.task!.soft);
  // Finer rounding keeps more of the margins.
  const fine = new Map(ranges);
  fine.set(logits, { min: -4, max: 4 });
  const finer = await scorer.score(fakeQuantized(result, [logits], activationParams(result, fine)), result.metadata);
  assert.ok(finer.task!.soft > coarse.task!.soft, `finer ${finer.task!.soft} vs coarse ${coarse.task!.soft}`);
  assert.ok(finer.task!.agreement >= coarse.task!.agreement);
});

test('int8 convert reports the task measure (summary / --json "task", guard): kind, agreement, plain int8 and samples', async () => {
  const bytes = head('Softmax');
  const { summary } = await quantizeModelBytes(bytes, 'head.onnx', {}, { mode: 'int8', count: 6, allowDegraded: true });
  assert.equal(summary.task?.kind, 'argmax');
  assert.ok(summary.task!.agreement > 0.5 && summary.task!.agreement <= 1, `agreement ${summary.task!.agreement}`);
  assert.equal(summary.task!.samples, 6);
  assert.deepEqual(summary.guard?.task, summary.task);
  const values = await quantizeModelBytes(head('none'), 'logits.onnx', {}, { mode: 'int8', count: 4, allowDegraded: true });
  assert.equal(values.summary.task, undefined, 'logits without a softmax or arg-max: no task measure');
});

test('the search ranked by the task measure is deterministic: same bytes twice', async () => {
  const bytes = head('Softmax');
  // A guard no int8 model reaches makes the search run every step.
  const run = () => quantizeModelBytes(bytes, 'head.onnx', {}, { mode: 'int8', count: 8, minCosine: 0.999999, allowDegraded: true });
  const a = await run();
  const b = await run();
  assert.equal(a.summary.task?.kind, 'argmax');
  assert.ok(a.summary.task!.int8Agreement !== undefined, 'plain int8 measured: the search ran');
  assert.deepEqual(serializeTflite(a.result.model), serializeTflite(b.result.model));
  assert.deepEqual(a.summary.task, b.summary.task);
});
