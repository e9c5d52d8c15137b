// What the compatibility view marks float32 in int8 (int8-kept-float.ts) against what the int8 pass really keeps
// float32, on the two patterns the compatibility audit found marked int8 and left float on the sweeps (or the
// reverse): Hugging Face's LLM mask `1 - mask` beside float32's lowest in a Where (the SUB shares the SELECT_V2's
// scale, so the mask's range: float in int8, and now marked so), and a RESHAPE right before a SOFTMAX that reads no
// mask (YOLOv8's DFL, a classifier's head: the int8 pass kept it float32 as if it carried a mask; now int8).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { analyzeCompatibility } from '../../src/convert/compat';
import { quantizeModelBytes } from '../../src/quantize/file';
import { auditModel } from '../../scripts/compat-audit';
import type { Model } from '../../src/ir/types';

const [S, E] = [6, 8];
const w = (name: string, seed: number, rows = E, cols = E) =>
  tensor(name, 'float32', [rows, cols], Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 0.41 + seed) * 0.4));

/** One head whose bias is Where(bool(1 - m), float32's lowest, 1 - m) (transformers' _expand_mask, LLaMA / GPT-NeoX). */
function llmMask(): Model {
  return buildModel({
    inputs: [['x', 'float32', [1, S, E]], ['m', 'int64', [1, 1, 1, S]]], outputs: ['y'], opset: 17,
    nodes: [
      node('MatMul', ['x', 'wq'], ['q']), node('MatMul', ['x', 'wk'], ['k']), node('MatMul', ['x', 'wv'], ['v']),
      node('Transpose', ['k'], ['kt'], { perm: [0, 2, 1] }), node('MatMul', ['q', 'kt'], ['qk']), node('Unsqueeze', ['qk', 'ax1'], ['scores']),
      node('Cast', ['m'], ['mf'], { to: 1 }), node('Sub', ['one', 'mf'], ['inv'], {}, 'inv'), node('Cast', ['inv'], ['invb'], { to: 9 }),
      node('Where', ['invb', 'lowest', 'inv'], ['bias'], {}, 'bias'), node('Add', ['scores', 'bias'], ['masked'], {}, 'masked'),
      node('Softmax', ['masked'], ['p4'], { axis: -1 }), node('Squeeze', ['p4', 'ax1'], ['p']), node('MatMul', ['p', 'v'], ['y']),
    ],
    initializers: [w('wq', 1), w('wk', 2), w('wv', 3), tensor('one', 'float32', [], [1]),
      tensor('lowest', 'float32', [], [-3.4028234663852886e38]), tensor('ax1', 'int64', [1], [1])],
  });
}

/** A head of 4 × 16 bins with a softmax over each (YOLOv8's DFL without the conv), no mask anywhere. */
function dflHead(): Model {
  return buildModel({
    inputs: [['x', 'float32', [1, S, E]]], outputs: ['y'], opset: 13,
    nodes: [
      node('MatMul', ['x', 'wb'], ['bins'], {}, 'bins'), node('Reshape', ['bins', 'shape'], ['r'], {}, 'dfl_reshape'),
      node('Softmax', ['r'], ['p'], { axis: -1 }, 'dfl_softmax'), node('MatMul', ['p', 'proj'], ['y'], {}, 'dfl_expect'),
    ],
    initializers: [w('wb', 4, E, 64), tensor('shape', 'int64', [4], [1, S, 4, 16]),
      tensor('proj', 'float32', [16, 1], Array.from({ length: 16 }, (_, i) => i))],
  });
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'int8-kept-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

async function audit(name: string, model: Model) {
  const file = path.join(dir, `${name}.onnx`);
  fs.writeFileSync(file, encodeModel(model));
  return auditModel(file, { inputShapes: new Map(), inputValues: new Map(), int8: true, int8MaxBytes: 2 ** 20 }, dir);
}

test('an LLM mask\'s 1 - mask, the unmasked value of the Where beside float32\'s lowest, is marked float32 as int8 keeps it', async () => {
  const mark = (n: string) => analyzeCompatibility(llmMask()).nodes.find((v) => v.node === n)!;
  for (const n of ['inv', 'bias', 'masked']) {
    assert.equal(mark(n).int8, false, n);
    assert.match(mark(n).int8Reason!, /mask/, n);
  }
  const rec = await audit('llm-mask', llmMask());
  assert.equal(rec.converted, true, rec.error);
  assert.equal(rec.int8, 'ok');
  assert.deepEqual(rec.disagreements, []);
});

test('a RESHAPE into a SOFTMAX that reads no mask runs in int8, and is marked so', async () => {
  const mark = analyzeCompatibility(dflHead()).nodes.find((v) => v.node === 'dfl_reshape')!;
  assert.equal(mark.int8, true, mark.int8Reason);
  const bytes = encodeModel(dflHead());
  const { result } = await quantizeModelBytes(bytes, path.join(dir, 'dfl.onnx'), {}, { mode: 'int8', count: 4, int16: 'off', allowDegraded: true, minCosine: 0 });
  const sg = result.model.subgraphs[0];
  const reshape = sg.operators.find((o) => o.onnxNode === 'dfl_reshape' && o.opcode === 'RESHAPE')!;
  assert.equal(sg.tensors[reshape.outputs[0]].type, 'INT8');
  assert.ok(!result.warnings.some((x) => /attention mask/.test(x)), result.warnings.join('\n'));
  const rec = await audit('dfl', dflHead());
  assert.equal(rec.int8, 'ok');
  assert.deepEqual(rec.disagreements, []);
});

/** LongT5's transient-global attention (nineteenth sweep): local scores (with a -1e9 bias on padded key slots) and
 *  global scores joined into one softmax, its probabilities sliced apart again, each part times its own values. */
function joinedKeys(): Model {
  const L = 4;
  return buildModel({
    inputs: [['x', 'float32', [1, S, E]], ['g', 'float32', [1, 2, E]]], outputs: ['y'], opset: 13,
    nodes: [
      node('MatMul', ['x', 'wq'], ['q']), node('MatMul', ['x', 'wk'], ['k']), node('MatMul', ['x', 'wv'], ['v']),
      node('MatMul', ['g', 'wk'], ['gk']), node('MatMul', ['g', 'wv'], ['gv']),
      node('Slice', ['k', 'zero', 'four', 'one'], ['kl']), node('Slice', ['v', 'zero', 'four', 'one'], ['vl']),
      node('Transpose', ['kl'], ['klt'], { perm: [0, 2, 1] }), node('MatMul', ['q', 'klt'], ['sl0']),
      node('Add', ['sl0', 'pad'], ['sl'], {}, 'local_bias'),
      node('Transpose', ['gk'], ['gkt'], { perm: [0, 2, 1] }), node('MatMul', ['q', 'gkt'], ['sg']),
      node('Concat', ['sl', 'sg'], ['s'], { axis: -1 }, 'joined'),
      node('Softmax', ['s'], ['p'], { axis: -1 }, 'joined_softmax'),
      node('Slice', ['p', 'zero', 'four', 'two'], ['pl'], {}, 'local_part'), node('Slice', ['p', 'four', 'six', 'two'], ['pg'], {}, 'global_part'),
      node('MatMul', ['pl', 'vl'], ['yl']), node('MatMul', ['pg', 'gv'], ['yg']), node('Add', ['yl', 'yg'], ['y']),
    ],
    initializers: [w('wq', 1), w('wk', 2), w('wv', 3), tensor('zero', 'int64', [1], [0]), tensor('four', 'int64', [1], [L]),
      tensor('six', 'int64', [1], [L + 2]), tensor('one', 'int64', [1], [1]), tensor('two', 'int64', [1], [2]),
      tensor('pad', 'float32', [1, 1, L], [0, 0, 0, -1e9])],
  });
}

test('a softmax over joined local and global keys, sliced apart into two products, is marked float32 as int8 keeps it', async () => {
  const mark = (n: string) => analyzeCompatibility(joinedKeys()).nodes.find((v) => v.node === n)!;
  for (const n of ['joined_softmax', 'local_part', 'global_part']) assert.equal(mark(n).int8, false, n);
  const rec = await audit('joined-keys', joinedKeys());
  assert.equal(rec.converted, true, rec.error);
  assert.equal(rec.int8, 'ok');
  assert.deepEqual(rec.disagreements, []);
});

/** TiSASRec's time-aware attention (twenty-first sweep): one softmax whose probabilities multiply the values and,
 *  reshaped to one row per query, the per-pair time-interval values [S, S, E]. */
function twoProducts(): Model {
  return buildModel({
    inputs: [['x', 'float32', [1, S, E]], ['r', 'float32', [S, S, E]]], outputs: ['y'], opset: 13,
    nodes: [
      node('MatMul', ['x', 'wq'], ['q']), node('MatMul', ['x', 'wk'], ['k']), node('MatMul', ['x', 'wv'], ['v']),
      node('Transpose', ['k'], ['kt'], { perm: [0, 2, 1] }), node('MatMul', ['q', 'kt'], ['s']),
      node('Softmax', ['s'], ['p'], { axis: -1 }, 'two_softmax'), node('MatMul', ['p', 'v'], ['yv'], {}, 'values_product'),
      node('Reshape', ['p', 'rows'], ['pr'], {}, 'rows_of_p'), node('MatMul', ['pr', 'r'], ['yr0'], {}, 'interval_product'),
      node('Reshape', ['yr0', 'back'], ['yr']), node('Add', ['yv', 'yr'], ['y']),
    ],
    initializers: [w('wq', 1), w('wk', 2), w('wv', 3), tensor('rows', 'int64', [3], [S, 1, S]), tensor('back', 'int64', [3], [1, S, E])],
  });
}

test('a softmax read by two products, one through a RESHAPE, stays float32 with both, and is marked so', async () => {
  const mark = (n: string) => analyzeCompatibility(twoProducts()).nodes.find((v) => v.node === n)!;
  for (const n of ['two_softmax', 'values_product', 'rows_of_p', 'interval_product']) assert.equal(mark(n).int8, false, n);
  const { result } = await quantizeModelBytes(encodeModel(twoProducts()), path.join(dir, 'two.onnx'), {}, { mode: 'int8', count: 4, int16: 'off', allowDegraded: true, minCosine: 0 });
  const sg = result.model.subgraphs[0];
  const softmax = sg.operators.find((o) => o.opcode === 'SOFTMAX')!;
  assert.equal(sg.tensors[softmax.outputs[0]].type, 'FLOAT32');
  assert.ok(sg.operators.filter((o) => o.opcode === 'BATCH_MATMUL' && sg.tensors[o.outputs[0]].type === 'FLOAT32').length >= 2);
  assert.ok(result.warnings.some((x) => /^int8: 1 attention SOFTMAX op\(s\).*with 2 more product/.test(x)), result.warnings.join('\n'));
  const rec = await audit('two-products', twoProducts());
  assert.equal(rec.converted, true, rec.error);
  assert.equal(rec.int8, 'ok');
  assert.deepEqual(rec.disagreements, []);
});

/** EAGLE's rotary tables (twenty-second sweep): a CONCATENATION of two COS outputs read only by a SIN: both neighbours
 *  have no int8 kernel, so the int8 pass runs the join float32 as a lone op (int8-lone-ops.ts). */
function loneJoin(): Model {
  return buildModel({
    inputs: [['x', 'float32', [1, S, E]]], outputs: ['y'], opset: 13,
    nodes: [
      node('MatMul', ['x', 'wq'], ['h'], {}, 'proj'), node('Cos', ['h'], ['c'], {}, 'cos'),
      node('Concat', ['c', 'c'], ['j'], { axis: -1 }, 'lone_join'), node('Sin', ['j'], ['y'], {}, 'sin'),
    ],
    initializers: [w('wq', 5)],
  });
}

test('a join alone between ops with no int8 kernel is marked float32 as the int8 pass runs it', async () => {
  const mark = analyzeCompatibility(loneJoin()).nodes.find((v) => v.node === 'lone_join')!;
  assert.equal(mark.int8, false, mark.int8Reason);
  // Float32 from the start of the int8 pass since int8-kernel-islands.ts (before: after the search, int8-lone-ops.ts).
  assert.match(mark.int8Reason!, /alone between float32 ops|float island \(kernelIsland\)/);
  const rec = await audit('lone-join', loneJoin());
  assert.equal(rec.converted, true, rec.error);
  assert.equal(rec.int8, 'ok');
  assert.deepEqual(rec.disagreements, []);
});
