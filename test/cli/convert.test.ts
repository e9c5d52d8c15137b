// `onnx2lite convert` through the built CLI: outputs, --json shape, batch conversion, and bad input (clear error
// naming the node and the reason; no output file left behind, an existing output untouched).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { parseTflite } from '../../src/tflite/reader';

const CLI = path.resolve('bin/onnx2lite.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-convert-'));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function write(name: string, bytes: Uint8Array): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, bytes);
  return p;
}

function leftovers(): string[] {
  return fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp') || f.endsWith('.tflite'));
}

test('converts two shared models in one call, --json per model', () => {
  const out = fs.mkdtempSync(path.join(tmp, 'out-'));
  const r = cli('convert', '../shared/models/squeezenet1_1.onnx', '../shared/models/transformer_encoder_layer.onnx', '--out-dir', out, '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { models: { output: string; opHistogram: Record<string, number>; transposeCount: number; warnings: string[] }[] };
  assert.equal(j.models.length, 2);
  assert.equal(j.models[0].output, path.join(out, 'squeezenet1_1.tflite'));
  assert.equal(j.models[0].transposeCount, 0);
  assert.ok(j.models[0].opHistogram.CONV_2D > 0);
  assert.ok(Array.isArray(j.models[1].warnings));
  const meta = parseTflite(fs.readFileSync(j.models[0].output)).metadata.get('onnx2lite');
  assert.ok(meta, 'metadata entry onnx2lite');
  const m = JSON.parse(new TextDecoder().decode(meta));
  assert.equal(m.version, 1);
  assert.equal(m.source, 'squeezenet1_1.onnx');
  assert.deepEqual(m.inputs[0].perm, [0, 2, 3, 1]);
  assert.deepEqual(m.outputs[0].perm, [0, 1]);
  assert.ok(m.tensors.length >= 40, `only ${m.tensors.length} tensors mapped`);
  for (const t of m.tensors) assert.ok(Number.isInteger(t.tflite) && Array.isArray(t.perm), JSON.stringify(t));
});

test('--keep-nchw keeps ONNX layout at the boundary', () => {
  const o = path.join(tmp, 'keep.tflite');
  const r = cli('convert', '../shared/models/squeezenet1_1.onnx', '-o', o, '--keep-nchw', '--json');
  assert.equal(r.code, 0, r.err);
  const m = JSON.parse(new TextDecoder().decode(parseTflite(fs.readFileSync(o)).metadata.get('onnx2lite')!));
  assert.deepEqual(m.inputs[0].perm, [0, 1, 2, 3]);
  fs.rmSync(o);
});

test('an op with no TFLite mapping: error names the node and the reason; nothing written', () => {
  const m = buildModel({
    inputs: [['x', 'float32', [4, 4]]], outputs: ['y'],
    nodes: [node('Multinomial', ['x'], ['y'], { sample_size: 2 }, 'my_draw')],
  });
  const p = write('det.onnx', encodeModel(m));
  const r = cli('convert', p);
  assert.equal(r.code, 1);
  assert.match(r.err, /my_draw/);
  assert.match(r.err, /Multinomial/);
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
  assert.deepEqual(leftovers(), []);
});

test('--json: a refused model has its refusal code beside the error line', () => {
  const m = buildModel({ inputs: [['x', 'float32', [4, 4]]], outputs: ['y'], nodes: [node('Multinomial', ['x'], ['y'], { sample_size: 2 }, 'my_draw')] });
  const r = cli('convert', write('draw-json.onnx', encodeModel(m)), '--json');
  assert.equal(r.code, 1);
  const j = JSON.parse(r.out) as { models: { error: string; code: string }[] };
  assert.match(j.models[0].error, /my_draw/);
  assert.equal(j.models[0].code, 'flex-only');
  assert.deepEqual(leftovers(), []);
});

test('an unsupported attribute value: error names the node; an existing output is left untouched', () => {
  const m = buildModel({
    inputs: [['x', 'float32', [2, 1, 3]]], outputs: ['y'],
    nodes: [node('LSTM', ['x', 'W', 'R'], ['y'], { hidden_size: 2, input_forget: 1 }, 'coupled_lstm')],
    initializers: [tensor('W', 'float32', [1, 8, 3], new Array(24).fill(0.1)), tensor('R', 'float32', [1, 8, 2], new Array(16).fill(0.1))],
  });
  const p = write('lstm.onnx', encodeModel(m));
  const out = path.join(tmp, 'lstm.tflite');
  fs.writeFileSync(out, 'previous');
  const r = cli('convert', p);
  assert.equal(r.code, 1, r.out);
  assert.match(r.err, /coupled_lstm/);
  assert.match(r.err, /input_forget/);
  assert.equal(fs.readFileSync(out, 'utf8'), 'previous');
  fs.rmSync(out);
  assert.deepEqual(leftovers(), []);
});

test('a dynamic dim without --input-shape: error names the input and shows the option; with it, converts', () => {
  const m = buildModel({
    inputs: [['images', 'float32', ['batch', 3, 8, 8]]], outputs: ['y'],
    nodes: [node('Relu', ['images'], ['y'])],
  });
  const p = write('dyn.onnx', encodeModel(m));
  const r = cli('convert', p);
  assert.equal(r.code, 1);
  assert.match(r.err, /images/);
  assert.match(r.err, /`batch`/);
  assert.match(r.err, /--input-shape images=1,3,8,8/);
  assert.deepEqual(leftovers(), []);
  const ok = cli('convert', p, '--input-shape', 'images=2,3,8,8');
  assert.equal(ok.code, 0, ok.err);
  fs.rmSync(path.join(tmp, 'dyn.tflite'));
});

test('a file that is not ONNX, a missing file, wrong options: one clear line, nothing written', () => {
  const p = write('junk.onnx', new Uint8Array(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
  const r = cli('convert', p);
  assert.equal(r.code, 1);
  assert.match(r.err, /not a valid ONNX model|ONNX/);
  assert.doesNotMatch(r.err, /\n\s+at /);
  assert.deepEqual(leftovers(), []);
  const missing = cli('convert', path.join(tmp, 'nope.onnx'));
  assert.equal(missing.code, 1);
  assert.match(missing.err, /no such file/);
  const bad = cli('convert', p, p, '-o', path.join(tmp, 'x.tflite'));
  assert.equal(bad.code, 2);
  const badShape = cli('convert', p, '--input-shape', 'x=1,a');
  assert.equal(badShape.code, 2);
  assert.match(badShape.err, /--input-shape/);
});
