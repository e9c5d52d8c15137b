// The cost model (src/quantize/cost-model.ts) and the deterministic mixed-precision search it bounds: work counted
// per op and precision, and the same model and calibration giving the same bytes however busy the machine is (the
// second run shares its core with a spinning worker thread). Real LiteRT against onnxruntime-node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { quantizeModelBytes } from '../../src/quantize/file';
import { KERNEL_FACTORS, WHOLE_MODEL_INT8_WEIGHT, boundMs, estimatedMs, opCostNs, opMacs, opPrecision, opWork, subgraphWork, tableEstimatedMs,
  tableParts } from '../../src/quantize/cost-model';
import { OP_COSTS } from '../../src/quantize/op-costs';
import { LATENCY_BOUND } from '../../src/quantize/mixed-precision';
import { serializeTflite } from '../../src/tflite/writer';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { rng } from './helpers';

/** A 3x3 conv 32 → 64 at `size`×`size` (16 by default) whose bias adds 1e4, taken off again by a Sub (int8 rounding of
 *  the conv's output wipes its values out: the search keeps it float32), then a 1x1 conv 64 → 4. */
function shiftedConvModel(size = 16): Uint8Array {
  const r = rng(7);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 32, size, size]]], outputs: [['y', 'float32', [1, 4, size, size]]],
    initializers: [
      tensor('w1', 'float32', [64, 32, 3, 3], w(64 * 32 * 9, 0.5)), tensor('b1', 'float32', [64], Array.from({ length: 64 }, () => 1e4)),
      tensor('big', 'float32', [1], [1e4]), tensor('w2', 'float32', [4, 64, 1, 1], w(4 * 64, 1)),
    ],
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c'], { pads: [1, 1, 1, 1] }, 'conv_shifted'), node('Sub', ['c', 'big'], ['d'], {}, 'shift_down'),
      node('Conv', ['d', 'w2'], ['y'], {}, 'conv_small'),
    ],
  }));
}

test('cost model: MACs of a conv, precision from the activation type, int8 estimated below float32 and 16x8 above', async () => {
  const bytes = shiftedConvModel();
  const float = convertModel(decodeModel(bytes));
  const sg = float.model.subgraphs[0];
  const convs = sg.operators.filter((o) => o.opcode === 'CONV_2D');
  assert.equal(opMacs(convs[0], sg.tensors), 16 * 16 * 64 * 3 * 3 * 32);
  assert.equal(opMacs(convs[1], sg.tensors), 16 * 16 * 4 * 64);
  assert.equal(opPrecision(convs[0], sg.tensors), 'float32');
  const work = subgraphWork(sg);
  assert.equal(work.mac.float32, 16 * 16 * 64 * 288 + 16 * 16 * 4 * 64);
  assert.equal(work.mac.int8 + work.mac.int16 + work.convert, 0);
  const int8 = await quantizeModelBytes(bytes, 'm.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
  const q = int8.result.model.subgraphs[0];
  const w8 = subgraphWork(q);
  assert.equal(w8.mac.int8, work.mac.float32, 'every conv int8');
  assert.equal(opPrecision(q.operators.find((o) => o.opcode === 'CONV_2D')!, q.tensors), 'int8');
  assert.ok(w8.convert > 0, 'the float input is quantized, the output dequantized');
  const all16 = await quantizeModelBytes(bytes, 'm.onnx', {}, { mode: 'int8', int16: 'all', allowDegraded: true });
  const [f, i, s] = [estimatedMs(float.model), estimatedMs(int8.result.model), estimatedMs(all16.result.model)];
  assert.ok(i < f && f < s, `estimated float32 ${f}, int8 ${i}, 16x8 ${s} ms`);
  // A DEQUANTIZE of a constant (int8-stored weights of a float op) runs once: it is not counted.
  const dynamic = await quantizeModelBytes(bytes, 'm.onnx', {}, { mode: 'dynamic' });
  const d = dynamic.result.model.subgraphs[0];
  assert.ok(d.operators.some((o) => o.opcode === 'DEQUANTIZE'));
  assert.equal(subgraphWork(d).convert, 0);
  assert.ok(KERNEL_FACTORS.mac.int8 < KERNEL_FACTORS.mac.float32 && KERNEL_FACTORS.mac.float32 < KERNEL_FACTORS.mac.int16);
});

test('per-op cost table: kinds split 1x1 / larger convs, the estimate is the sum of the ops, constant DEQUANTIZEs free', async () => {
  const bytes = shiftedConvModel();
  const float = convertModel(decodeModel(bytes)).model;
  const sg = float.subgraphs[0];
  const convs = sg.operators.filter((o) => o.opcode === 'CONV_2D');
  assert.deepEqual(convs.map((o) => opWork(o, sg.tensors).kind), ['CONV_2D kxk', 'CONV_2D 1x1']);
  const w = opWork(convs[0], sg.tensors);
  assert.deepEqual([w.macs, w.elems, w.pixels], [16 * 16 * 64 * 288, 16 * 16 * 64, 16 * 16]);
  const c = OP_COSTS['CONV_2D kxk'].float32!;
  assert.equal(opCostNs(convs[0], sg.tensors), c.op + c.mac * w.macs + c.elem * w.elems + c.pixel * w.pixels);
  const sum = (m: typeof float) => m.subgraphs[0].operators.reduce((a, o) => a + opCostNs(o, m.subgraphs[0].tensors), 0) / 1e6;
  assert.equal(tableEstimatedMs(float), sum(float));
  // Measured on LiteRT (op-costs.ts): an int8 MUL costs more per element than a float32 one, an int8 conv less per MAC.
  assert.ok(OP_COSTS.MUL.int8!.elem > OP_COSTS.MUL.float32!.elem);
  assert.ok(OP_COSTS['CONV_2D 1x1'].int8!.mac < OP_COSTS['CONV_2D 1x1'].float32!.mac);
  const dynamic = (await quantizeModelBytes(bytes, 'm.onnx', {}, { mode: 'dynamic' })).result.model;
  const d = dynamic.subgraphs[0];
  const deq = d.operators.filter((o) => o.opcode === 'DEQUANTIZE');
  assert.ok(deq.length > 0);
  for (const o of deq) assert.equal(opCostNs(o, d.tensors), 0, 'a constant DEQUANTIZE runs once');
  assert.equal(tableEstimatedMs(dynamic), sum(dynamic));
});

test('the search\'s bound: the per-op table split by precision, int8 ops and conversions weighted as whole models run them', async () => {
  const bytes = shiftedConvModel();
  const float = convertModel(decodeModel(bytes)).model;
  const int8 = (await quantizeModelBytes(bytes, 'm.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true })).result.model;
  const f = tableParts(float);
  assert.deepEqual([f.int8, f.int16, f.convert], [0, 0, 0]);
  assert.ok(Math.abs(f.float32 - tableEstimatedMs(float)) < 1e-9 && boundMs(float) === f.float32, 'a float32 model is its table estimate');
  const p = tableParts(int8);
  assert.ok(p.int8 > 0 && p.convert > 0 && p.int8 > 10 * p.float32, JSON.stringify(p));
  assert.ok(Math.abs(p.float32 + p.int8 + p.convert - tableEstimatedMs(int8)) < 1e-9);
  assert.ok(Math.abs(boundMs(int8, 1) - tableEstimatedMs(int8)) < 1e-9);
  assert.ok(Math.abs(boundMs(int8) - p.float32 - WHOLE_MODEL_INT8_WEIGHT * (p.int8 + p.convert)) < 1e-9);
  // Fitted to whole models (bench/cost-correction-fit.ts): their int8 ops run faster than the same ops timed alone.
  assert.ok(WHOLE_MODEL_INT8_WEIGHT < 1 && boundMs(int8) < tableEstimatedMs(int8));
});

/** Spins a core until terminated (a busy machine for the run beside it). */
function spinner(): Worker {
  return new Worker('const end = Date.now() + 600000; while (Date.now() < end) {}', { eval: true });
}

test('the mixed-precision search is deterministic: same bytes and ops on a quiet and a busy machine, bound on the estimate', async () => {
  const bytes = shiftedConvModel();
  const run = () => quantizeModelBytes(bytes, 'm.onnx', {}, { mode: 'int8', allowDegraded: true });
  const quiet = await run();
  const hogs = [spinner(), spinner()];
  let busy: Awaited<ReturnType<typeof run>>;
  try {
    busy = await run();
  } finally {
    await Promise.all(hogs.map((h) => h.terminate()));
  }
  const est = quiet.summary.estimatedMs;
  assert.ok(est, 'the search ran and reports its estimates');
  assert.ok((quiet.summary.floatOps ?? 0) > 0, 'the search kept the shifted conv out of int8');
  assert.deepEqual(busy.summary.estimatedMs, est);
  assert.equal(busy.summary.floatOps, quiet.summary.floatOps);
  assert.equal(busy.summary.cosine, quiet.summary.cosine);
  assert.deepEqual(serializeTflite(busy.result.model), serializeTflite(quiet.result.model));
  // The latency bound holds on the estimate (sub-millisecond models are not bounded).
  assert.ok(est.chosen <= Math.max(LATENCY_BOUND * est.float32, 1.15 * est.int8, 1), JSON.stringify(est));
});

test('the search\'s latency bound is an option: a conv that only float32 keeps stays float32 up to the bound asked for', async () => {
  // At 48×48 the shifted conv is ~19 M MACs: float32 for it is over the default bound (0.6 × float32, 1.15 × plain int8).
  const bytes = shiftedConvModel(48);
  const run = (latencyBound?: number) => quantizeModelBytes(bytes, 'm.onnx', {}, { mode: 'int8', allowDegraded: true, ...(latencyBound ? { latencyBound } : {}) });
  const bounded = await run();
  const est = bounded.summary.estimatedMs!;
  assert.ok(est.float32 > 1, `estimated float32 ${est.float32} ms: over the sub-millisecond floor`);
  assert.ok(est.chosen <= Math.max(LATENCY_BOUND * est.float32, 1.15 * est.int8), JSON.stringify(est));
  assert.ok(Math.max(LATENCY_BOUND * est.float32, 1.15 * est.int8) < est.float32, 'the default bound is below float32');
  // The conv is nearly all of the model: float32 for it plus the int8 ↔ float32 conversions estimates over float32.
  const relaxed = await run(2);
  const r = relaxed.summary.estimatedMs!;
  assert.ok(r.chosen <= 2 * r.float32, JSON.stringify(r));
  assert.ok((relaxed.summary.floatOps ?? 0) > (bounded.summary.floatOps ?? 0), `float32 ops ${bounded.summary.floatOps} -> ${relaxed.summary.floatOps}`);
  assert.ok(relaxed.summary.cosine! > bounded.summary.cosine! && relaxed.summary.cosine! >= 0.99, `cosine ${bounded.summary.cosine} -> ${relaxed.summary.cosine}`);
});
