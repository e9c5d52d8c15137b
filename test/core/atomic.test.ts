// Output paths that cannot be written: one user-facing line, nothing left behind, and never a device or the input
// replaced by the renamed temporary (src/core/atomic.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkOutputPath, writeFileAtomic, writeFilesAtomic } from '../../src/core/atomic';
import { isUserFacing } from '../../src/ir/errors';
import { charDevice } from '../helpers/char-device';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-atomic-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const bytes = new Uint8Array([1, 2, 3, 4]);

function userLine(fn: () => void, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isUserFacing(e), `user-facing, got ${(e as Error).stack}`);
    assert.doesNotMatch((e as Error).message, /\n/);
    assert.match((e as Error).message, pattern);
    return true;
  });
}

const leftovers = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));

test('a missing folder, a directory and a file used as a folder are one line each', () => {
  userLine(() => writeFileAtomic(path.join(tmp, 'absent', 'm.tflite'), bytes), /cannot write .*absent.*: folder .* does not exist; nothing written/);
  fs.mkdirSync(path.join(tmp, 'adir'));
  userLine(() => writeFileAtomic(path.join(tmp, 'adir'), bytes), /: it is a directory/);
  fs.writeFileSync(path.join(tmp, 'afile'), 'x');
  userLine(() => writeFileAtomic(path.join(tmp, 'afile', 'm.tflite'), bytes), /afile is not a folder/);
  assert.deepEqual(leftovers(tmp), []);
});

test('the output may not be one of the inputs (the input is kept)', () => {
  const input = path.join(tmp, 'model.onnx');
  fs.writeFileSync(input, 'model');
  userLine(() => checkOutputPath(path.join(tmp, '.', 'adir', '..', 'model.onnx'), [input]), /it is the input .*model\.onnx; give another output path/);
  fs.symlinkSync(input, path.join(tmp, 'link.onnx'));
  userLine(() => checkOutputPath(path.join(tmp, 'link.onnx'), [input]), /it is the input/);
  assert.equal(fs.readFileSync(input, 'utf8'), 'model');
  checkOutputPath(path.join(tmp, 'model.tflite'), [input]);
});

test('a full device is written in place: ENOSPC is one line, the device stays a device', () => {
  const full = charDevice(tmp, 'full', 'full');
  userLine(() => writeFileAtomic(full, bytes), /cannot write .*full: no space left on the device; nothing written/);
  assert.ok(fs.statSync(full).isCharacterDevice(), 'still a device, not a renamed regular file');
  const nul = charDevice(tmp, 'null', 'null');
  writeFileAtomic(nul, bytes);
  assert.ok(fs.statSync(nul).isCharacterDevice());
  userLine(() => writeFilesAtomic([{ path: path.join(tmp, 'a.h'), bytes }, { path: nul, bytes }]), /it is a device/);
  assert.equal(fs.existsSync(path.join(tmp, 'a.h')), false);
  assert.deepEqual(leftovers(tmp), []);
});

test('a good path is written whole, old content replaced', () => {
  const out = path.join(tmp, 'ok.tflite');
  fs.writeFileSync(out, 'old');
  writeFileAtomic(out, bytes);
  assert.deepEqual(Array.from(fs.readFileSync(out)), [1, 2, 3, 4]);
  assert.deepEqual(leftovers(tmp), []);
});

test('a path checked before the work is written without checking it again; a device checked is written in place', () => {
  // The callers (convert, quantize, compare --json / --html) check before minutes of work; the write re-checked the
  // same path (stat of the folder, of the file, access, and one more stat for the device test).
  const out = path.join(tmp, 'checked.tflite');
  const checked = checkOutputPath(out, [path.join(tmp, 'model.onnx')]);
  const nodeFs = require('node:fs') as typeof fs;
  const { syncBuiltinESMExports } = require('node:module') as typeof import('node:module');
  const calls: string[] = [];
  const saved = { statSync: nodeFs.statSync, accessSync: nodeFs.accessSync, lstatSync: nodeFs.lstatSync };
  for (const name of Object.keys(saved) as (keyof typeof saved)[]) {
    (nodeFs as unknown as Record<string, unknown>)[name] = (...a: unknown[]) => { calls.push(name); return (saved[name] as (...x: unknown[]) => unknown)(...a); };
  }
  syncBuiltinESMExports();
  try {
    writeFileAtomic(checked, bytes);
    assert.deepEqual(calls, [], 'no stat / access at the write');
    writeFileAtomic(out, bytes);
    assert.ok(calls.length >= 3, `a path not checked before is checked at the write (${calls.join(', ')})`);
  } finally {
    Object.assign(nodeFs, saved);
    syncBuiltinESMExports();
  }
  assert.deepEqual(Array.from(fs.readFileSync(out)), [1, 2, 3, 4]);
  const full = checkOutputPath(charDevice(tmp, 'full2', 'full'));
  assert.equal(full.device, true);
  userLine(() => writeFileAtomic(full, bytes), /cannot write .*full2: no space left on the device; nothing written/);
  assert.ok(fs.statSync(full.file).isCharacterDevice(), 'still a device');
  assert.deepEqual(leftovers(tmp), []);
});
