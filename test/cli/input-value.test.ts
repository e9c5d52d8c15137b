// `--input-value NAME=V[,V...]` through the built CLI: convert freezes the input (it leaves the .tflite's inputs and
// is recorded in the metadata), inspect --compat takes it, and bad values are one-line errors with nothing written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildGraph, buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { readMetadata } from '../../src/runtime/tflite-onnx-io';

const CLI = path.resolve('bin/onnx2lite.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-input-value-'));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** y = sr == 16000 ? tanh(x) : −x (Silero's shape of control flow). */
function model(): string {
  const branch = (name: string, op: string) => buildGraph({ name, inputs: [], outputs: [[`${name}_o`, 'float32', [1, 8]]], nodes: [node(op, ['x'], [`${name}_o`])] });
  const m = buildModel({
    inputs: [['x', 'float32', [1, 8]], ['sr', 'int64', []]], outputs: [['y', 'float32', [1, 8]]],
    initializers: [tensor('k', 'int64', [], [16000])],
    nodes: [node('Equal', ['sr', 'k'], ['c']), node('If', ['c'], ['y'], { then_branch: branch('a', 'Tanh'), else_branch: branch('b', 'Neg') })],
  });
  const p = path.join(tmp, 'vad.onnx');
  fs.writeFileSync(p, encodeModel(m));
  return p;
}

test('convert --input-value sr=16000 folds the If and drops the input; without it the IF stays', () => {
  const src = model();
  const frozen = path.join(tmp, 'frozen.tflite');
  let r = cli('convert', src, '-o', frozen, '--input-value', 'sr=16000', '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { models: { opHistogram: Record<string, number> }[] };
  assert.deepEqual(Object.keys(j.models[0].opHistogram), ['TANH']);
  const meta = readMetadata(fs.readFileSync(frozen))!;
  assert.deepEqual(meta.inputs.map((i) => i.onnx), ['x']);
  assert.deepEqual(meta.inputValues, [{ onnx: 'sr', dtype: 'int64', dims: [], values: [16000] }]);
  const kept = path.join(tmp, 'kept.tflite');
  r = cli('convert', src, '-o', kept, '--json');
  assert.equal(r.code, 0, r.err);
  assert.equal((JSON.parse(r.out) as { models: { opHistogram: Record<string, number> }[] }).models[0].opHistogram.IF, 1);
  r = cli('inspect', src, '--compat', '--input-value', 'sr=8000', '--json');
  assert.equal(r.code, 0, r.err);
  const c = JSON.parse(r.out) as { compatibility: { nodes: { opType: string; emits: string[] }[] } };
  assert.deepEqual(c.compatibility.nodes.find((n) => n.opType === 'If')!.emits, ['NEG']);
});

test('compare feeds the frozen value to onnxruntime by itself, and takes --input-value for a kept IF', () => {
  const src = model();
  const frozen = path.join(tmp, 'cmp-frozen.tflite');
  const kept = path.join(tmp, 'cmp-kept.tflite');
  assert.equal(cli('convert', src, '-o', frozen, '--input-value', 'sr=16000').code, 0);
  assert.equal(cli('convert', src, '-o', kept).code, 0);
  const outputs = (r: { out: string }) => (JSON.parse(r.out) as { outputs: { tensor: string; rel: number }[] }).outputs;
  const jsonOf = (...args: string[]) => {
    const j = path.join(tmp, `cmp-${args.length}-${Math.random().toString(36).slice(2)}.json`);
    const r = cli('compare', src, ...args, '--json', j);
    assert.equal(r.code, 0, r.err);
    const o = outputs({ out: fs.readFileSync(j, 'utf8') });
    assert.equal(o.length, 1);
    return o;
  };
  for (const o of jsonOf(frozen)) assert.ok(o.rel < 1e-5, JSON.stringify(o));
  for (const sr of ['16000', '8000']) for (const o of jsonOf(kept, '--input-value', `sr=${sr}`)) assert.ok(o.rel < 1e-5, JSON.stringify(o));
  const r = cli('compare', src, frozen, '--input-value', 'sr=8000');
  assert.equal(r.code, 2);
  assert.match(r.err, /converted with sr frozen to 16000/);
});

test('bad --input-value: one line, no stack, nothing written', () => {
  const src = model();
  const out = path.join(tmp, 'bad.tflite');
  for (const [arg, msg] of [
    ['sr', /--input-value "sr" is not of the form/],
    ['sr=abc', /values must be numbers/],
    ['nope=1', /--input-value names "nope", which is not an input of the model \(inputs: x, sr\)/],
    ['sr=1,2', /--input-value sr gives 2 values, but input "sr" has shape \[\]/],
    ['sr=16000.5', /must be integers/],
  ] as const) {
    const r = cli('convert', src, '-o', out, '--input-value', arg);
    assert.equal(r.code, 2, `${arg}: a usage error`);
    assert.match(r.err, msg);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.ok(!fs.existsSync(out), arg);
  }
});
