// Dims over 2^31 - 1 cannot be stored in a .tflite (TFLite keeps dims as int32): they used to be written silently
// as negative numbers. `convert` now refuses with one line and writes nothing; `inspect` of the ONNX model still works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildModel, node } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { serializeTflite } from '../../src/tflite/writer';
import { ModelError } from '../../src/ir/types';

const CLI = path.resolve('bin/onnx2lite.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-huge-'));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function model(dims: number[]): string {
  const p = path.join(tmp, `m${dims.join('x')}.onnx`);
  fs.writeFileSync(p, encodeModel(buildModel({ inputs: [['x', 'float32', dims]], outputs: ['y'], opset: 13, nodes: [node('Relu', ['x'], ['y'])] })));
  return p;
}

test('convert refuses a model declaring a dim over 2^31 - 1 with one line and writes nothing', () => {
  const src = model([1, 3_000_000_000]);
  const out = path.join(tmp, 'huge.tflite');
  const r = cli('convert', src, '-o', out);
  assert.equal(r.code, 1, r.out);
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
  assert.match(r.err, /tensor "x" has shape \[1, 3000000000\]: TFLite stores dims as 32-bit integers/);
  assert.equal(fs.existsSync(out), false);
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => !f.endsWith('.onnx')), []);
});

test('a huge dim given by --input-shape is refused the same way', () => {
  const r = cli('convert', model([1, 4, 4]), '--input-shape', 'x=1,2147483648,1', '-o', path.join(tmp, 'huge2.tflite'));
  assert.equal(r.code, 1);
  assert.match(r.err, /\[1, 2147483648, 1\]: TFLite stores dims as 32-bit integers/);
  assert.equal(fs.existsSync(path.join(tmp, 'huge2.tflite')), false);
});

test('a declared shape of 2^40 elements is refused, with or without the self-check (it crashed allocating)', () => {
  for (const extra of [[], ['--no-verify']]) {
    const out = path.join(tmp, 'e40.tflite');
    const r = cli('convert', model([1024, 1024, 1024, 1024]), '-o', out, ...extra);
    assert.equal(r.code, 1, r.err);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, /\[1024, 1024, 1024, 1024\] of FLOAT32 is 4096 GiB, more than a device can allocate/);
    assert.equal(fs.existsSync(out), false);
  }
});

test('inspect of the ONNX model with a huge dim works', () => {
  const r = cli('inspect', model([1, 3_000_000_000]));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /3000000000/);
});

test('the TFLite writer refuses a dim over 2^31 - 1 instead of writing it negative', () => {
  assert.throws(() => serializeTflite({ version: 3, subgraphs: [{ name: 'g', tensors: [{ name: 't', type: 'FLOAT32', shape: [2 ** 31] }],
    operators: [], inputs: [0], outputs: [0] }], metadata: new Map(), description: 'test' }), (e: unknown) => e instanceof ModelError && /over 2147483647/.test(e.message));
});
