// `onnx2lite micro` through the built CLI (dist/): the --json shape, the float32 note, and refusals — one error line,
// exit code 1 (2 for a wrong option), and nothing written to the output folder.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { chain, withCustomOp, withDynamicShape, withInt16Gather, withUnsupportedOps } from './models';

const CLI = path.resolve('bin/onnx2lite.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-micro-cli-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'micro', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function write(name: string, bytes: Uint8Array): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, bytes);
  return p;
}

test('--json: source, files, opResolver, arenaEstimateBytes, bytes, arena; float32 gets a note on stderr', () => {
  const model = write('my-model.v1.tflite', chain());
  const out = fs.mkdtempSync(path.join(tmp, 'out-'));
  const r = cli(model, '--out-dir', out, '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(Object.keys(j), ['source', 'files', 'opResolver', 'arenaEstimateBytes', 'bytes', 'arena']);
  assert.deepEqual(j.arena, { targetBits: 32, kernels: 'reference' });
  assert.equal(j.source, model);
  assert.deepEqual(j.files, ['my_model_v1_model_data.h', 'my_model_v1_model_data.cc', 'my_model_v1_op_resolver.h'].map((f) => path.join(out, f)));
  assert.deepEqual(j.opResolver, { ops: ['MUL', 'RESHAPE'], count: 2 });
  assert.equal(j.bytes, fs.statSync(model).size);
  assert.ok(Number.isInteger(j.arenaEstimateBytes) && j.arenaEstimateBytes >= 512);
  assert.match(r.err, /^note: .*float32.*--quantize int8/m);
  assert.match(fs.readFileSync(j.files[1], 'utf8'), /alignas\(16\) const unsigned char g_my_model_v1_model_data\[\] = \{/);
});

test('--name sets file and symbol names; the text output names the resolver methods and the estimate', () => {
  const out = fs.mkdtempSync(path.join(tmp, 'out-'));
  const r = cli(write('a.tflite', chain()), '--out-dir', out, '--name', 'kws');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /MicroMutableOpResolver<2>: MUL \(AddMul\), RESHAPE \(AddReshape\)/);
  assert.match(r.out, /Tensor arena \(estimate\): \d+ bytes/);
  assert.deepEqual(fs.readdirSync(out).sort(), ['kws_model_data.cc', 'kws_model_data.h', 'kws_op_resolver.h']);
  assert.match(fs.readFileSync(path.join(out, 'kws_op_resolver.h'), 'utf8'), /inline TfLiteStatus RegisterKwsOps\(KwsOpResolver& r\)/);
});

const refusals: [string, () => Uint8Array, RegExp][] = [
  ['custom op', withCustomOp, /custom op\(s\) MyFancyOp/],
  ['dynamic shape', withDynamicShape, /dynamic shape \[-1, 64\]/],
  ['op without a TFLM kernel', withUnsupportedOps, /TFLite Micro has no kernel for RELU_N1_TO_1/],
  ['int16 op without a 16x8 TFLM kernel', withInt16Gather, /GATHER with int16 activations/],
  ['garbage file', () => new TextEncoder().encode('this is not a flatbuffer at all'), /not a \.tflite model/],
];

for (const [what, make, message] of refusals) {
  test(`refuses (${what}): one line, exit 1, nothing written`, () => {
    const out = fs.mkdtempSync(path.join(tmp, 'out-'));
    const r = cli(write(`${what.replace(/\W+/g, '_')}.tflite`, make()), '--out-dir', out);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, message);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.equal(r.out, '');
    assert.deepEqual(fs.readdirSync(out), []);
  });
}

test('all files or none: a folder in the way of one output leaves the others unwritten', () => {
  const out = fs.mkdtempSync(path.join(tmp, 'out-'));
  fs.mkdirSync(path.join(out, 'c_op_resolver.h'));
  const r = cli(write('c.tflite', chain()), '--out-dir', out);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /cannot write .*c_op_resolver\.h: it is a directory; nothing written/);
  assert.deepEqual(fs.readdirSync(out), ['c_op_resolver.h']);
});

test('wrong options are usage errors (exit 2)', () => {
  assert.equal(cli(write('b.tflite', chain()), '--name', '9lives').code, 2);
  assert.equal(cli().code, 2);
});
