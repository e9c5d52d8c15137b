// `onnx2lite inspect` on bad input: one clear line on stderr, a non-zero exit, no stack trace, no hang,
// no allocation of a claimed size. Spawns the built CLI (run `npm run build` first; `npm test` does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tensorBytes } from '../../src/ir/tensor';
import { Model } from '../../src/ir/types';
import { buildGraph, buildModel, node, tensor } from '../../src/onnx/builder';
import { readModelFile } from '../../src/onnx/reader';
import { WriteOptions, encodeModel } from '../../src/onnx/writer';

const CLI = path.resolve('bin/onnx2lite.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-bad-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

function inspect(file: string, ...args: string[]) {
  // The heap cap makes an allocation of a claimed (huge) size fail loudly instead of passing unnoticed;
  // the timeout only stops a hang from blocking the suite.
  const r = spawnSync(process.execPath, ['--max-old-space-size=256', CLI, 'inspect', file, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function expectOneLine(file: string, pattern: RegExp): void {
  const r = inspect(file);
  assert.equal(r.signal, null, 'finished by itself');
  assert.notEqual(r.code, 0, 'non-zero exit');
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0], /^onnx2lite: /);
  assert.doesNotMatch(lines[0], /internal error|\bat .*:\d+:\d+/);
  assert.match(lines[0], pattern);
  assert.equal(r.stdout, '');
}

function save(name: string, model: Model, opts?: WriteOptions): string {
  const file = path.join(tmp, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, encodeModel(model, opts));
  return file;
}

/** A model without validation (so it can hold a cycle or a dangling input). */
function rawModel(nodes: ReturnType<typeof node>[], extra: Partial<Parameters<typeof buildGraph>[0]> = {}): Model {
  const graph = buildGraph({ nodes, inputs: [['x', 'float32', [1, 4]]], outputs: [['y', 'float32', [1, 4]]], ...extra });
  return { irVersion: 8, producerName: 't', producerVersion: '', domain: '', modelVersion: 1, docString: '', opsets: new Map([['', 13]]), graph, metadata: new Map() };
}

function externalModel(location: string, dir: string): string {
  const w = tensor('w', 'float32', [4], [1, 2, 3, 4]);
  const m = rawModel([node('Add', ['x', 'w'], ['y'])], { initializers: [w] });
  return save(path.join(dir, 'model.onnx'), m, { external: new Map([['w', { location, offset: 0, length: 16 }]]) });
}

test('empty file', () => {
  const f = path.join(tmp, 'empty.onnx');
  fs.writeFileSync(f, '');
  expectOneLine(f, /empty/);
});

test('random bytes', () => {
  let seed = 12345;
  const bytes = Buffer.alloc(4096, 0).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
  const f = path.join(tmp, 'random.onnx');
  fs.writeFileSync(f, bytes);
  expectOneLine(f, /not a valid ONNX model/);
});

test('truncated model', () => {
  const whole = fs.readFileSync('../shared/models/gru_small.onnx');
  const f = path.join(tmp, 'truncated.onnx');
  fs.writeFileSync(f, whole.subarray(0, Math.floor(whole.length * 0.6)));
  expectOneLine(f, /not a valid ONNX model|truncated/);
});

test('a graph with a cycle', () => {
  const f = save('cycle.onnx', rawModel([node('Add', ['x', 'b'], ['a']), node('Relu', ['a'], ['b']), node('Relu', ['a'], ['y'])]));
  expectOneLine(f, /cycle/);
});

test('a node with a missing input', () => {
  const f = save('missing.onnx', rawModel([node('Add', ['x', 'nowhere'], ['y'])]));
  expectOneLine(f, /reads "nowhere", which no node, input or initializer provides/);
});

test('a tensor dim of 2^62', () => {
  const t = { name: 'w', dtype: 'float32' as const, dims: [2 ** 62], data: new Float32Array(0) };
  expectOneLine(save('dim62.onnx', rawModel([node('Add', ['x', 'w'], ['y'])], { initializers: [t] })), /overflow|53-bit/);
});

test('tensor dims whose product overflows', () => {
  const t = { name: 'w', dtype: 'float32' as const, dims: [2 ** 31, 2 ** 31, 2 ** 31], data: new Float32Array(0) };
  expectOneLine(save('product.onnx', rawModel([node('Add', ['x', 'w'], ['y'])], { initializers: [t] })), /overflow/);
});

test('a huge claimed tensor without its data is refused, not allocated', () => {
  const t = { name: 'w', dtype: 'float32' as const, dims: [1 << 16, 1 << 16, 64], data: new Float32Array(0) };
  expectOneLine(save('huge.onnx', rawModel([node('Add', ['x', 'w'], ['y'])], { initializers: [t] })), /holds 0 values|need/);
});

test('an input dim of 2^62', () => {
  const m = rawModel([node('Relu', ['x'], ['y'])], { inputs: [['x', 'float32', [2 ** 62, 4]]] });
  expectOneLine(save('input62.onnx', m), /overflow|53-bit/);
});

test('a ConstantOfShape of 2^40 elements is not folded (no allocation)', () => {
  const m = buildModel({
    infer: false, inputs: [['x', 'float32', [1, 4]]], outputs: ['y'],
    initializers: [tensor('s', 'int64', [2], [2 ** 20, 2 ** 20])],
    nodes: [node('ConstantOfShape', ['s'], ['c']), node('Relu', ['x'], ['y'])],
  });
  const r = inspect(save('cos.onnx', m), '--json');
  assert.equal(r.code, 0, r.stderr);
});

test('external data: ../ outside the folder', () => {
  fs.mkdirSync(path.join(tmp, 'ext1'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'x.bin'), Buffer.alloc(16));
  expectOneLine(externalModel('../x.bin', 'ext1'), /escapes the model's folder/);
});

test('external data: an absolute path', () => {
  expectOneLine(externalModel(path.join(tmp, 'x.bin'), 'ext2'), /absolute path/);
});

test('external data: a symlink pointing out of the folder', () => {
  fs.mkdirSync(path.join(tmp, 'ext3'), { recursive: true });
  fs.symlinkSync(path.join(tmp, 'x.bin'), path.join(tmp, 'ext3', 'w.bin'));
  expectOneLine(externalModel('w.bin', 'ext3'), /links outside the model's folder/);
});

test('external data: a missing side file', () => {
  expectOneLine(externalModel('absent.bin', 'ext4'), /does not exist/);
});

test('external data: a directory or a FIFO in the folder (EISDIR was an internal error; a FIFO would block)', () => {
  fs.mkdirSync(path.join(tmp, 'ext5', 'w.bin'), { recursive: true });
  expectOneLine(externalModel('w.bin', 'ext5'), /external data location "w\.bin" is not a regular file/);
  fs.mkdirSync(path.join(tmp, 'ext6'), { recursive: true });
  assert.equal(spawnSync('mkfifo', [path.join(tmp, 'ext6', 'w.bin')]).status, 0);
  expectOneLine(externalModel('w.bin', 'ext6'), /is not a regular file/);
});

test('external data inside the folder is read', () => {
  const dir = path.join(tmp, 'ext-ok');
  fs.mkdirSync(path.join(dir, 'weights'), { recursive: true });
  const w = tensor('w', 'float32', [4], [1, 2, 3, 4]);
  fs.writeFileSync(path.join(dir, 'weights', 'w.bin'), Buffer.concat([Buffer.alloc(8), tensorBytes(w)]));
  const file = save('ext-ok/model.onnx', rawModel([node('Add', ['x', 'w'], ['y'])], { initializers: [w] }),
    { external: new Map([['w', { location: 'weights/w.bin', offset: 8, length: 16 }]]) });
  const r = inspect(file, '--json');
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.parameterCount, 4);
  assert.deepEqual(s.outputs, [{ name: 'y', dtype: 'float32', shape: [1, 4] }]);
  assert.deepEqual(Array.from(readModelFile(file).graph.initializers.get('w')!.data as Float32Array), [1, 2, 3, 4]);
});
