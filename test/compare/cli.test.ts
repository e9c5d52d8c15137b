// `onnx2lite compare` through the built CLI: the table, --json in the stable shape, a self-contained --html,
// usage and bad-input errors as one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { convertShared, inputsDir, onnxPath, tmp } from './helpers';

const CLI = path.resolve('bin/onnx2lite.js');
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const LAYER_KEYS = ['node', 'op', 'tensor', 'tflite', 'maxAbs', 'meanAbs', 'rel', 'cosine', 'snrDb'];

test('compare prints the table and writes --json and --html', () => {
  const tfl = convertShared('mobilenet_v3_small');
  const json = path.join(tmp, 'report.json');
  const html = path.join(tmp, 'report.html');
  const r = cli('compare', onnxPath('mobilenet_v3_small'), tfl, '--inputs', inputsDir('mobilenet_v3_small'), '--json', json, '--html', html);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /maxAbs +rel +cosine +snrDb/);
  assert.match(r.out, /▲ worst/);
  assert.match(r.out, /… \d+ layers …/, 'a long table is folded');
  assert.match(r.out, /coverage 108\/108 nodes \(100%\)/);
  assert.match(r.out, /first divergence: none/);

  const j = JSON.parse(fs.readFileSync(json, 'utf8')) as Record<string, unknown> & { layers: Record<string, unknown>[]; outputs: Record<string, unknown>[] };
  assert.deepEqual(Object.keys(j).slice(0, 3), ['layers', 'firstDivergence', 'outputs']);
  assert.equal(j.firstDivergence, null);
  assert.equal(j.layers.length, 108);
  for (const l of [...j.layers, ...j.outputs]) {
    for (const k of LAYER_KEYS) assert.ok(k in l, `${k} in ${JSON.stringify(l)}`);
    assert.equal(typeof l.tflite, 'number');
    assert.equal(typeof l.snrDb, 'number');
  }

  const page = fs.readFileSync(html, 'utf8');
  assert.match(page, /^<!doctype html>/);
  assert.match(page, /<svg /);
  assert.doesNotMatch(page, /https?:\/\//, 'no remote content');
  assert.doesNotMatch(page, /<script|<link|@import|url\(/i, 'self-contained');
  assert.equal(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp')).length, 0);
});

test('compare --all prints every layer', () => {
  const r = cli('compare', onnxPath('mobilenet_v3_small'), convertShared('mobilenet_v3_small'), '--all');
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.out, /… \d+ layers …/);
  assert.match(r.out, /seeded random/);
});

test('compare: usage and bad input are one line, no stack', () => {
  const a = cli('compare', onnxPath('squeezenet1_1'));
  assert.equal(a.code, 2);
  assert.match(a.err, /needs MODEL\.onnx and MODEL\.tflite/);
  const garbage = path.join(tmp, 'garbage.tflite');
  fs.writeFileSync(garbage, 'not a model at all');
  const b = cli('compare', onnxPath('squeezenet1_1'), garbage);
  assert.notEqual(b.code, 0);
  assert.equal(b.err.trim().split('\n').length, 1, b.err);
  assert.match(b.err, /not a TFLite model/);
  assert.doesNotMatch(b.err, /\n\s+at /);
});
