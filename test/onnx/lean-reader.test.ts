// The graph view's lean first read (src/onnx/lean-reader.ts) against the full read (IR, then the wire graph):
// the same nodes, attributes, edges and values for every shared model, every ONNX node-test model and a generated
// graph; files it does not cover fall back to the full read, and a model the full read refuses still draws, with the
// reason as a note.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readModelFile, readModelFileDeferred } from '../../src/onnx/reader';
import { encodeModel } from '../../src/onnx/writer';
import { onnxWireGraph } from '../../src/worker/view-graph';
import { leanOnnxWireGraph } from '../../src/onnx/lean-reader';
import { openModel } from '../../src/worker/model-service';
import { decodeGraph } from '../../src/shared/graph-wire';
import type { ViewGraph } from '../../src/shared/protocol';
import { syntheticModel } from '../webview/synthetic';

const ROOT = path.resolve(__dirname, '../..');
const NODE_TESTS = '/usr/share/libonnx-testdata/data/node';

/** Node ids follow the file in one and the sorted IR in the other: compare by name. */
function byName(g: ViewGraph): unknown {
  const sort = <T>(xs: T[], key: (x: T) => string) => [...xs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return {
    info: g.info,
    nodes: sort(g.nodes.map((n) => ({ ...(JSON.parse(JSON.stringify(n)) as ViewGraph['nodes'][number]), id: 0 })), (n) => n.name),
    edges: g.edges.map((e) => `${g.nodes[e.from].name} > ${g.nodes[e.to].name}: ${e.tensor}`).sort(),
    values: g.values.map((v) => JSON.stringify({ ...v, constant: v.constant || undefined })).sort(),
  };
}

function models(): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-lean-'));
  const generated = path.join(dir, 'generated.onnx');
  const model = syntheticModel(3, 5);
  model.graph.nodes[3].attrs.set('axis', { type: 'int', value: -1 });
  model.graph.nodes[3].attrs.set('starts', { type: 'ints', value: [-9007199254740991, -2, 0, 9007199254740991] });
  model.graph.nodes[3].attrs.set('scales', { type: 'floats', value: [0.5, -1.25e-7] });
  model.graph.nodes[3].attrs.set('mode', { type: 'string', value: 'ünïcode "quoted"' });
  fs.writeFileSync(generated, encodeModel(model));
  const shared = path.resolve(ROOT, '../shared/models');
  const out = [generated, path.join(ROOT, 'samples/tinycnn.onnx'), ...fs.readdirSync(shared).filter((f) => f.endsWith('.onnx')).map((f) => path.join(shared, f))];
  if (fs.existsSync(NODE_TESTS)) for (const t of fs.readdirSync(NODE_TESTS)) out.push(path.join(NODE_TESTS, t, 'model.onnx'));
  return out.filter((f) => fs.existsSync(f));
}

test('the lean read gives the graph the full read gives', () => {
  const files = models();
  assert.ok(files.length >= 10);
  let lean = 0;
  for (const file of files) {
    let full: ViewGraph;
    try { full = decodeGraph(onnxWireGraph(readModelFileDeferred(file).model, path.basename(file)).graph); } catch { continue; }
    const g = leanOnnxWireGraph(fs.readFileSync(file), file);
    if (!g) continue;
    lean++;
    assert.deepEqual(byName(decodeGraph(g.graph)), byName(full), file);
    assert.deepEqual(g.names, decodeGraph(g.graph).values.map((v) => v.name));
  }
  assert.ok(lean >= files.length * 0.95, `${lean} of ${files.length} read lean`);
});

test('files the lean read does not cover fall back to the full read, with its errors', async () => {
  assert.equal(leanOnnxWireGraph(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 255)), 'x.onnx'), undefined);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-lean-'));
  const bad = path.join(dir, 'random.onnx');
  fs.writeFileSync(bad, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 255)));
  assert.throws(() => openModel(bad), /not a valid ONNX model/);
  assert.throws(() => openModel(path.join(dir, 'missing.onnx')), /no such file/);
  // IR version 1 attributes carry no type: not covered, read the full way
  const m = syntheticModel(1, 1);
  const file = path.join(dir, 'untyped.onnx');
  const { onnx } = await import('../../src/generated/onnx/onnx.js');
  const proto = onnx.ModelProto.decode(encodeModel(m));
  for (const a of proto.graph!.node![0].attribute!) a.type = 0;
  fs.writeFileSync(file, onnx.ModelProto.encode(proto).finish());
  assert.equal(leanOnnxWireGraph(fs.readFileSync(file), file), undefined);
  assert.deepEqual(byName(decodeGraph(openModel(file).graph)), byName(decodeGraph(onnxWireGraph(readModelFileDeferred(file).model, 'untyped.onnx').graph)));
  assert.match(JSON.stringify(decodeGraph(openModel(file).graph).nodes[0].attrs), /kernel_shape/);
});

test('a model the full read refuses is drawn, and the reason comes with the shapes', () => {
  const m = syntheticModel(1, 2);
  m.graph.nodes[1].inputs[0] = 'nowhere';
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-lean-')), 'dangling.onnx');
  fs.writeFileSync(file, encodeModel(m));
  let reason = '';
  try { readModelFile(file); } catch (e) { reason = (e as Error).message; }
  assert.match(reason, /nowhere/);
  const opened = openModel(file);
  assert.equal(decodeGraph(opened.graph).nodes.length, m.graph.nodes.length + 2);
  assert.ok(opened.shapes()?.note?.includes(reason));
  assert.throws(() => opened.stats('w'), /nowhere/);
});
