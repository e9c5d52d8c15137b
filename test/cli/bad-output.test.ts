// Output paths a checker tries on purpose, through the built CLI: the input itself, a missing folder, a directory,
// a full device, a file used as --out-dir; and messages carrying a model's control characters. Each is one line on
// stderr, a non-zero exit, nothing written (the input untouched), no temporary left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { charDevice } from '../helpers/char-device';
import { parseTflite } from '../../src/tflite/reader';

const CLI = path.resolve('bin/onnx2lite.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-badout-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, cwd: tmp });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** One line on stderr matching `pattern`, no stack, not an internal error, exit 1 or 2. */
function oneLine(r: ReturnType<typeof cli>, pattern: RegExp): void {
  assert.ok(r.code === 1 || r.code === 2, `exit ${r.code}: ${r.err}`);
  const lines = r.err.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, r.err);
  assert.doesNotMatch(lines[0]!, /internal error|\bat .*:\d+:\d+/);
  assert.match(lines[0]!, pattern);
}

const modelBytes = encodeModel(buildModel({
  inputs: [['x', 'float32', [1, 4]]], outputs: ['y'], initializers: [tensor('w', 'float32', [1, 4], [1, -2, 3, -4])],
  nodes: [node('Mul', ['x', 'w'], ['m']), node('Relu', ['m'], ['y'])],
}));
const model = path.join(tmp, 'model.onnx');
fs.writeFileSync(model, modelBytes);
const temporaries = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));

test('convert -o the input model itself is refused and the model kept', () => {
  for (const args of [['-o', 'model.onnx'], ['-o', './sub/../model.onnx', '--quantize', 'fp16']]) {
    fs.mkdirSync(path.join(tmp, 'sub'), { recursive: true });
    oneLine(cli('convert', 'model.onnx', ...args), /cannot write .*model\.onnx: it is the input model\.onnx; give another output path/);
    assert.ok(fs.readFileSync(model).equals(modelBytes), 'the input is unchanged');
  }
});

test('convert -o into a missing folder, onto a directory, into a file as --out-dir', () => {
  oneLine(cli('convert', 'model.onnx', '-o', 'absent/out.tflite'), /cannot write absent\/out\.tflite: folder .*absent does not exist; nothing written/);
  fs.mkdirSync(path.join(tmp, 'adir'), { recursive: true });
  oneLine(cli('convert', 'model.onnx', '-o', 'adir'), /cannot write adir: it is a directory/);
  oneLine(cli('convert', 'model.onnx', '--out-dir', 'model.onnx'), /model\.onnx is not a folder/);
  assert.deepEqual(fs.readdirSync(path.join(tmp, 'adir')), []);
  assert.deepEqual(temporaries(tmp), []);
});

test('convert -o a full disk (a /dev/full device): one line, the device not replaced', () => {
  const full = charDevice(tmp, 'full', 'full');
  oneLine(cli('convert', 'model.onnx', '-o', full), /cannot write .*full: no space left on the device; nothing written/);
  assert.ok(fs.statSync(full).isCharacterDevice());
  assert.deepEqual(temporaries(tmp), []);
});

test('compare --json / --html into a missing folder or over an input is refused before comparing', () => {
  const tflite = path.join(tmp, 'model.tflite');
  assert.equal(cli('convert', 'model.onnx', '-o', tflite, '--no-verify').code, 0);
  const before = fs.readFileSync(tflite);
  oneLine(cli('compare', 'model.onnx', tflite, '--json', 'absent/r.json'), /cannot write absent\/r\.json: folder .* does not exist/);
  oneLine(cli('compare', 'model.onnx', tflite, '--html', tflite), /it is the input/);
  assert.deepEqual(fs.readFileSync(tflite), before);
});

test('an unknown command is one line', () => {
  oneLine(cli('frobnicate'), /unknown command "frobnicate" \(commands: inspect, convert, compare, deploy, micro; onnx2lite --help\)/);
});

test('a node name with a newline and a terminal escape stays one printable line', () => {
  const m = buildModel({ inputs: [['x', 'float32', [1, 4]]], outputs: ['y'], infer: false,
    nodes: [{ ...node('Frob', ['x'], ['y'], {}, 'evil\nname\x1b[31m'), domain: 'com.example' }] });
  m.opsets.set('com.example', 1);
  fs.writeFileSync(path.join(tmp, 'evil.onnx'), encodeModel(m));
  const r = cli('convert', 'evil.onnx', '-o', 'evil.tflite');
  oneLine(r, /evil\\nname\\x1b\[31m/);
  assert.doesNotMatch(r.err, /\x1b/);
});

test('Ctrl-C while the output is being written leaves the whole file or none, never the temporary', async () => {
  // SIGINT as soon as the temporary appears: without a listener the kernel ended the process mid-write (3 of 3 runs
  // left a .tmp of mobilenet_v2); now the signal waits for the rename and then ends the process.
  const dir = fs.mkdtempSync(path.join(tmp, 'sigint-'));
  const out = path.join(dir, 'out.tflite');
  const child = spawn(process.execPath, [CLI, 'convert', path.resolve('../shared/models/mobilenet_v2.onnx'), '-o', out, '--no-verify'], { stdio: 'ignore' });
  let sent = false;
  const watcher = fs.watch(dir, (_, name) => {
    if (!sent && name?.endsWith('.tmp')) { sent = true; child.kill('SIGINT'); }
  });
  const [code, signal] = await once(child, 'exit');
  watcher.close();
  assert.ok(sent, `the temporary appeared (exit ${code} ${signal})`);
  assert.equal(signal, 'SIGINT', 'ended by the signal');
  assert.deepEqual(temporaries(dir), []);
  if (fs.existsSync(out)) assert.ok(parseTflite(new Uint8Array(fs.readFileSync(out))).subgraphs[0]!.operators.length > 50);
});
