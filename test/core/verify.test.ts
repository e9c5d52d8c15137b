// Convert's self-check (src/core/verify.ts) through the built CLI and in process: the verification line and --json
// field on the sample, --no-verify, quantized output reported, a model LiteRT cannot load refused naming the op with
// nothing written, and a model that loads but computes the wrong thing reported with a large error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { convertFileVerified } from '../../src/core/convert-file';
import { verificationJson, verificationLine, verifyOnLiteRt } from '../../src/core/verify';
import { convertModel } from '../../src/convert/convert';
import { readModelFile } from '../../src/onnx/reader';
import { serializeTflite } from '../../src/tflite/writer';
import { ModelError } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';

const CLI = path.resolve('bin/onnx2lite.js');
const SAMPLE = 'samples/tinycnn.onnx';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-verify-'));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('convert prints the LiteRT verification line and --json gains verification', () => {
  const o = path.join(tmp, 'plain.tflite');
  const r = cli('convert', SAMPLE, '-o', o);
  assert.equal(r.code, 0, r.err);
  const m = /verified on LiteRT: max rel error (\S+), cosine (\S+)/.exec(r.out);
  assert.ok(m, r.out);
  assert.ok(Number(m[1]) < 1e-4, `max rel ${m[1]}`);
  assert.ok(Number(m[2]) > 0.9999, `cosine ${m[2]}`);
  const j = cli('convert', SAMPLE, '-o', o, '--json');
  assert.equal(j.code, 0, j.err);
  const v = (JSON.parse(j.out) as { models: { verification: { maxRel: number; cosine: number; ms: number; seeds: Record<string, string> } }[] }).models[0]!.verification;
  assert.deepEqual(Object.keys(v).sort(), ['cosine', 'maxRel', 'ms', 'seeds']);
  assert.ok(Object.values(v.seeds).length > 0 && Object.values(v.seeds).every((k) => k === 'uniform [0, 1)'), JSON.stringify(v.seeds));
  assert.ok(v.maxRel >= 0 && v.maxRel < 1e-4 && v.cosine > 0.9999 && v.ms > 0, JSON.stringify(v));
});

test('--no-verify skips the check', () => {
  const o = path.join(tmp, 'noverify.tflite');
  const r = cli('convert', SAMPLE, '-o', o, '--no-verify');
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.out, /verified on LiteRT/);
  const j = cli('convert', SAMPLE, '-o', o, '--no-verify', '--json');
  assert.equal((JSON.parse(j.out) as { models: object[] }).models[0]!.hasOwnProperty('verification'), false);
  assert.ok(fs.existsSync(o));
});

test('quantized output is verified against onnxruntime too (reported, not judged)', () => {
  const o = path.join(tmp, 'int8.tflite');
  const r = cli('convert', SAMPLE, '-o', o, '--quantize', 'int8', '--int8-io', '--json');
  assert.equal(r.code, 0, r.err);
  const v = (JSON.parse(r.out) as { models: { verification: { maxRel: number; cosine: number } }[] }).models[0]!.verification;
  // int8 differs from float32 more than float32 does, yet still tracks it (inputs quantized, outputs dequantized).
  assert.ok(v.maxRel > 1e-5 && v.maxRel < 0.5, JSON.stringify(v));
  assert.ok(v.cosine > 0.99, JSON.stringify(v));
});

test('a model LiteRT cannot load is an error naming the op, and nothing is written', async () => {
  const o = path.join(tmp, 'bad.tflite');
  const before = fs.readdirSync(tmp).length;
  await assert.rejects(
    convertFileVerified(SAMPLE, o, {}, true, (r) => {
      const conv = r.model.subgraphs[0]!.operators.find((op) => op.opcode === 'CONV_2D')!;
      conv.options = { ...conv.options, strideW: 0, strideH: 0 }; // LiteRT's conv refuses stride 0 when preparing
      return r;
    }),
    (e: Error) => e instanceof ModelError && /CONV_2D/.test(e.message) && /nothing written/.test(e.message),
  );
  assert.equal(fs.existsSync(o), false);
  assert.equal(fs.readdirSync(tmp).length, before, 'no temporary left behind');
  // An existing output stays as it was.
  fs.writeFileSync(o, 'old');
  await assert.rejects(convertFileVerified(SAMPLE, o, {}, true, (r) => {
    r.model.subgraphs[0]!.operators.find((op) => op.opcode === 'CONV_2D')!.options!.strideH = 0;
    return r;
  }), /CONV_2D/);
  assert.equal(fs.readFileSync(o, 'utf8'), 'old');
});

test('a model that runs but computes the wrong thing shows a large error', async () => {
  const r = convertModel(readModelFile(SAMPLE));
  const sg = r.model.subgraphs[0]!;
  const conv = sg.operators.find((op) => op.opcode === 'CONV_2D')!;
  const w = sg.tensors[conv.inputs[1]!]!;
  w.data = new Uint8Array(w.data!.length).map((_, i) => (i % 4 === 3 ? 0x3f : 0)); // every weight 0.5
  const v = await verifyOnLiteRt(SAMPLE, serializeTflite(r.model));
  assert.ok(v.maxRel > 0.05, `maxRel ${v.maxRel}`);
  const good = await verifyOnLiteRt(SAMPLE, serializeTflite(convertModel(readModelFile(SAMPLE)).model));
  assert.ok(good.maxRel < 1e-4 && v.maxRel > 100 * good.maxRel);
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('beyond the verified bar: a warning and "NOT verified"; under cosine 0.99 nothing written unless allowDegraded', async () => {
  const wrong = (k: number) => (r: ReturnType<typeof convertModel>) => {
    const sg = r.model.subgraphs[0]!;
    const conv = sg.operators.find((op) => op.opcode === 'CONV_2D')!;
    const b = sg.tensors[conv.inputs[2]!]!;
    const f = new Float32Array(b.data!.slice().buffer);
    for (let i = 0; i < f.length; i++) f[i] += k * (i % 2 ? 1 : -1);
    b.data = new Uint8Array(f.buffer);
    return r;
  };
  const o = path.join(tmp, 'degraded.tflite');
  await assert.rejects(convertFileVerified(SAMPLE, o, {}, true, wrong(5)),
    (e: Error) => e instanceof ModelError && /beyond the verified bar/.test(e.message) && /nothing written/.test(e.message));
  assert.equal(fs.existsSync(o), false);
  const r = await convertFileVerified(SAMPLE, o, {}, true, wrong(5), true);
  assert.ok(fs.existsSync(o));
  assert.ok(r.warnings.some((w) => /beyond the verified bar/.test(w)), r.warnings.join('\n'));
  assert.equal(verificationJson(r.verification!).degraded, true);
  assert.match(verificationLine(r.verification!), /^NOT verified on LiteRT/);
  const ok = await convertFileVerified(SAMPLE, o, {}, true);
  assert.equal(ok.warnings.some((w) => /verified bar/.test(w)), false);
  assert.equal(verificationJson(ok.verification!).degraded, undefined);
});

test('outputs that are 0 on both runtimes for the seeded inputs are said to check nothing', async () => {
  // y = x · n: the seeded integer input n is 0, so every output is 0 on both sides — a vacuous agreement.
  const build = (scale: 'n' | 'one') => buildModel({
    nodes: [node('Cast', [scale === 'n' ? 'n' : 'one'], ['nf'], { to: 1 }), node('Mul', ['x', 'nf'], ['y'])],
    inputs: [['x', 'float32', [1, 4]], ['n', 'int64', [1]]],
    outputs: [['y', 'float32', [1, 4]]],
    initializers: [tensor('one', 'int64', [1], [1])],
  });
  const check = async (scale: 'n' | 'one') => {
    const m = build(scale);
    const notes: string[] = [];
    const v = await verifyOnLiteRt(encodeModel(m), serializeTflite(convertModel(m).model), notes);
    return { v, notes };
  };
  const zero = await check('n');
  assert.equal(zero.v.maxRel, 0);
  assert.ok(zero.notes.some((n) => /give 0 at every output/.test(n)), zero.notes.join('\n'));
  const real = await check('one');
  assert.ok(real.v.maxRel < 1e-6, `maxRel ${real.v.maxRel}`);
  assert.equal(real.notes.some((n) => /give 0 at every output/.test(n)), false, real.notes.join('\n'));
});

test('outputs that repeat one value on both runtimes for the seeded inputs are said to check little', async () => {
  // y = x · n + 0.5: the seeded integer input n is 0, so every output is 0.5 on both sides.
  const build = (scale: 'n' | 'one') => buildModel({
    nodes: [node('Cast', [scale], ['nf'], { to: 1 }), node('Mul', ['x', 'nf'], ['m']), node('Add', ['m', 'half'], ['y'])],
    inputs: [['x', 'float32', [1, 4]], ['n', 'int64', [1]]],
    outputs: [['y', 'float32', [1, 4]]],
    initializers: [tensor('one', 'int64', [1], [1]), tensor('half', 'float32', [1], [0.5])],
  });
  const check = async (scale: 'n' | 'one') => {
    const m = build(scale);
    const notes: string[] = [];
    const v = await verifyOnLiteRt(encodeModel(m), serializeTflite(convertModel(m).model), notes);
    return { v, notes };
  };
  const flat = await check('n');
  assert.equal(flat.v.maxRel, 0);
  assert.ok(flat.notes.some((n) => /one value repeated over every output/.test(n)), flat.notes.join('\n'));
  const real = await check('one');
  assert.ok(real.v.maxRel < 1e-6, `maxRel ${real.v.maxRel}`);
  assert.equal(real.notes.some((n) => /one value repeated/.test(n)), false, real.notes.join('\n'));
});

test('a float model beyond the bar also gets onnxruntime\'s own spread (optimized vs as written) in its line', async () => {
  // The .tflite of y = 2x checked against an ONNX y = 2.1x: beyond the bar, while onnxruntime agrees with itself.
  const scaled = (k: number) => buildModel({
    opset: 13, inputs: [['x', 'float32', [1, 16]]], outputs: [['y', 'float32', [1, 16]]],
    initializers: [tensor('k', 'float32', [], [k])], nodes: [node('Mul', ['x', 'k'], ['y'])],
  });
  const v = await verifyOnLiteRt(encodeModel(scaled(2.1)), serializeTflite(convertModel(scaled(2)).model));
  assert.ok(v.maxRel > 1e-2, `max rel ${v.maxRel}`);
  assert.ok(v.reference, 'the spread was measured');
  assert.equal(v.reference!.maxRel, 0);
  assert.match(verificationLine(v), /NOT verified on LiteRT: .*; onnxruntime itself, optimized vs as written: max rel 0\.0e\+0/);
  const same = await verifyOnLiteRt(encodeModel(scaled(2)), serializeTflite(convertModel(scaled(2)).model));
  assert.equal(same.reference, undefined, 'a verified float model costs no second onnxruntime run');
});

test('a float model over 1e-4 gets onnxruntime\'s own spread, and its line says which side of twice it LiteRT is', async () => {
  // Within: y = s·conv(x, W1) − s·conv(x, W2) with W2 = W1·(1 − 1e-4): a difference of near-equal sums. onnxruntime
  // optimized folds each Mul into its Conv's weights, as written it does not: its two runs differ by this model's
  // float32 rounding (2.8e-3), and LiteRT's difference (1.1e-3) is as large, not more.
  const C = 64;
  let a = 7;
  const rnd = () => { a = (a * 16807) % 2147483647; return a / 2147483647 - 0.5; };
  const w1 = Array.from({ length: 8 * C }, rnd);
  const ill = buildModel({
    opset: 13, inputs: [['x', 'float32', [1, C, 8, 8]]], outputs: [['y', 'float32', [1, 8, 8, 8]]],
    initializers: [tensor('w1', 'float32', [8, C, 1, 1], w1), tensor('w2', 'float32', [8, C, 1, 1], w1.map((v, i) => v * (1 - 1e-4 * ((i % 3) + 1)))),
      tensor('s', 'float32', [], [1 / 3])],
    nodes: [node('Conv', ['x', 'w1'], ['c1']), node('Mul', ['c1', 's'], ['m1']), node('Conv', ['x', 'w2'], ['c2']), node('Mul', ['c2', 's'], ['m2']),
      node('Sub', ['m1', 'm2'], ['y'])],
  });
  const within = await verifyOnLiteRt(encodeModel(ill), serializeTflite(convertModel(ill).model));
  assert.ok(within.maxRel > 1e-4 && within.maxRel < 1e-2, `max rel ${within.maxRel}`);
  assert.ok(within.reference && within.reference.maxRel > 1e-4, JSON.stringify(within.reference));
  assert.equal(within.rounding, 'within');
  assert.match(verificationLine(within), /^verified on LiteRT: .*onnxruntime itself, optimized vs as written: max rel \S+, cosine \S+: over 1e-4 but within 2× onnxruntime's own spread, this model's float32 rounding$/);
  assert.deepEqual(Object.keys(verificationJson(within)).sort(), ['cosine', 'maxRel', 'ms', 'reference', 'seeds'], 'the --json shape is the one a spread had, with the seeds');
  // Beyond: the .tflite of y = 2x against an ONNX y = 2.001x (5e-4 off), which onnxruntime runs the same both ways.
  const scaled = (k: number) => buildModel({
    opset: 13, inputs: [['x', 'float32', [1, 16]]], outputs: [['y', 'float32', [1, 16]]],
    initializers: [tensor('k', 'float32', [], [k])], nodes: [node('Mul', ['x', 'k'], ['y'])],
  });
  const off = await verifyOnLiteRt(encodeModel(scaled(2.001)), serializeTflite(convertModel(scaled(2)).model));
  assert.ok(off.maxRel > 1e-4 && off.maxRel < 1e-2, `max rel ${off.maxRel}`);
  assert.equal(off.reference?.maxRel, 0);
  assert.equal(off.rounding, 'beyond');
  assert.match(verificationLine(off), /: over 1e-4 and over 2× onnxruntime's own spread, more than float32 rounding explains/);
});

test('NaN that onnxruntime gives too is said to be left uncompared', async () => {
  // y = sqrt(x - 0.5): NaN on both runtimes where the seeded x is under 0.5 (DCCRN's E-mask: atan2(0, 0) everywhere).
  const m = buildModel({
    opset: 13, inputs: [['x', 'float32', [1, 64]]], outputs: [['y', 'float32', [1, 64]]],
    initializers: [tensor('half', 'float32', [], [0.5])],
    nodes: [node('Sub', ['x', 'half'], ['d']), node('Sqrt', ['d'], ['y'])],
  });
  const notes: string[] = [];
  const v = await verifyOnLiteRt(encodeModel(m), serializeTflite(convertModel(m).model), notes);
  assert.ok(v.maxRel < 1e-6, `maxRel ${v.maxRel}`);
  const note = notes.find((n) => /NaN \/ Inf at \d+ of 64 values of output 'y'/.test(n));
  assert.ok(note, notes.join('\n'));
  const count = Number(/at (\d+) of/.exec(note!)![1]);
  assert.ok(count > 0 && count < 64, note);
});
