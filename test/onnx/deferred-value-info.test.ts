// readModelFileDeferred (the graph view's first read): the graph without the main graph's value_info, which
// addValueInfo adds later; together the same model readModelFile gives, and the same one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readModelFile, readModelFileDeferred } from '../../src/onnx/reader';
import { encodeModel } from '../../src/onnx/writer';
import { syntheticModel } from '../webview/synthetic';
import type { Model } from '../../src/ir/types';

const SHARED = path.resolve(__dirname, '../../../shared/models');

function sameModel(a: Model, b: Model, what: string): void {
  const byName = (m: Model) => [...m.graph.values].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  assert.deepEqual(byName(a), byName(b), what);
  assert.deepEqual({ ...a, graph: { ...a.graph, values: undefined } }, { ...b, graph: { ...b.graph, values: undefined } }, what);
}

test('deferred value_info, once added, gives the model readModelFile reads', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-defer-'));
  const generated = path.join(dir, 'generated.onnx');
  fs.writeFileSync(generated, encodeModel(syntheticModel(3, 4)));
  const files = [...fs.readdirSync(SHARED).filter((f) => f.endsWith('.onnx')).map((f) => path.join(SHARED, f)), generated];
  assert.ok(files.length >= 6);
  for (const file of files) {
    const full = readModelFile(file);
    const d = readModelFileDeferred(file);
    for (const [name, v] of d.model.graph.values) assert.deepEqual(full.graph.values.get(name), v, `${file}: ${name}`);
    d.addValueInfo();
    sameModel(d.model, full, file);
    d.addValueInfo();
    sameModel(d.model, full, `${file}, added twice`);
  }
  // the generated model declares every intermediate value: they are what is left out at first
  const d = readModelFileDeferred(generated);
  assert.equal(d.model.graph.values.size, 1 + 1 + 1, 'input, output and the weight only');
  d.addValueInfo();
  assert.equal(d.model.graph.values.size, readModelFile(generated).graph.values.size);
});

test('a bad file gets the error readModelFile gives', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-defer-'));
  const good = encodeModel(syntheticModel(1, 2));
  const cases: [string, Uint8Array][] = [
    ['random', Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 255)],
    ['truncated', good.subarray(0, Math.floor(good.length * 0.6))],
    ['empty', new Uint8Array(0)],
  ];
  for (const [name, bytes] of cases) {
    const file = path.join(dir, `${name}.onnx`);
    fs.writeFileSync(file, bytes);
    let expected = '';
    try { readModelFile(file); } catch (e) { expected = (e as Error).message; }
    assert.ok(expected, `${name} is refused`);
    assert.throws(() => { readModelFileDeferred(file).addValueInfo(); }, (e: Error) => e.name === 'ModelError' && e.message === expected, name);
  }
});
