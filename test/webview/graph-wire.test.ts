// The graph's wire form (src/shared/graph-wire.ts): what the webview decodes is the model's graph, for every shared model,
// a .tflite and a generated graph; inferred shapes sent afterwards land on the right values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readModelFile } from '../../src/onnx/reader';
import { parseTflite } from '../../src/tflite/reader';
import { serializeTflite } from '../../src/tflite/writer';
import { convertModel } from '../../src/convert/convert';
import { attrText, onnxWireGraph, valuesOf } from '../../src/worker/view-graph';
import { tfliteWireGraph } from '../../src/worker/view-graph-tflite';
import { completeShapes } from '../../src/worker/features';
import { openModel } from '../../src/worker/model-service';
import { applyShapes, builtView, decodeGraph, encodeShapes, isPacked, packInts, unpackInts, valueNamed } from '../../src/shared/graph-wire';
import { leanOpen } from '../../src/worker/lean-open';
import type { ViewGraph, ViewNode } from '../../src/shared/protocol';
import type { Model } from '../../src/ir/types';
import { ROOT } from './harness';
import { syntheticModel } from './synthetic';

const SHARED = path.resolve(ROOT, '../shared/models');

/** The graph view's graph of an ONNX model, written the plain way: what the wire form must decode to. */
function expected(model: Model, file: string): ViewGraph {
  const g = model.graph;
  const nodes: ViewNode[] = g.nodes.map((n, id) => ({
    id, name: n.name, op: n.domain ? `${n.domain}.${n.opType}` : n.opType, kind: 'op' as const,
    inputs: n.inputs, outputs: n.outputs, attrs: [...n.attrs].map(([k, a]) => [k, attrText(a)] as [string, string]),
  }));
  for (const v of g.inputs) nodes.push({ id: nodes.length, name: v.name, op: 'Input', kind: 'input', inputs: [], outputs: [v.name], attrs: [] });
  for (const v of g.outputs) nodes.push({ id: nodes.length, name: `${v.name} (output)`, op: 'Output', kind: 'output', inputs: [v.name], outputs: [], attrs: [] });
  const edges: ViewGraph['edges'] = [];
  for (const n of nodes) {
    for (const t of new Set(n.inputs)) {
      const from = nodes.findLastIndex((p) => t && p.outputs.includes(t));
      if (from >= 0 && from !== n.id && !edges.some((e) => e.to === n.id && e.from === from)) edges.push({ from, to: n.id, tensor: t });
    }
  }
  const names = [...new Set(nodes.flatMap((n) => [...n.inputs, ...n.outputs]))].filter(Boolean);
  return { format: 'onnx', file, info: [], nodes, edges, values: valuesOf(g, names) };
}

/** As JSON carries it, model facts left out (undefined fields dropped, constant only when true). */
function plain(g: ViewGraph): unknown {
  return JSON.parse(JSON.stringify({ ...g, info: [], note: undefined, values: g.values.map((v) => ({ ...v, constant: v.constant || undefined })) }));
}

test('every shared model and a generated graph decode to the graph the model holds', () => {
  const models = fs.readdirSync(SHARED).filter((f) => f.endsWith('.onnx')).map((f) => readModelFile(path.join(SHARED, f)));
  assert.ok(models.length >= 5);
  const synthetic = syntheticModel(2, 3);
  synthetic.graph.inputs[0].shape = ['batch', 64, 56, 56];
  synthetic.graph.values.set('input', { name: 'input', dtype: 'float32', shape: ['batch', 64, 56, 56] });
  synthetic.graph.nodes[1].attrs.set('mode', { type: 'string', value: 'a\u0000b "c"' });
  synthetic.graph.nodes[2].inputs.push('', synthetic.graph.nodes[2].inputs[0]);
  for (const model of [...models, synthetic]) {
    const w = onnxWireGraph(model, 'm.onnx', 'a note');
    const g = decodeGraph(JSON.parse(JSON.stringify(w.graph)));
    assert.deepEqual(plain(g), plain(expected(model, 'm.onnx')), model.path);
    assert.equal(g.note, 'a note');
    assert.deepEqual(w.names, g.values.map((v) => v.name));
  }
});

test('a .tflite decodes to its operators, tensors and the edges between them', () => {
  // The bundled sample converted here (samples/*.tflite are build products, not in the repository).
  const m = parseTflite(serializeTflite(convertModel(readModelFile(path.join(ROOT, 'samples/tinycnn.onnx'))).model));
  const sg = m.subgraphs[0];
  const g = decodeGraph(tfliteWireGraph(m, 'tinycnn.tflite'));
  assert.equal(g.nodes.length, sg.operators.length + sg.inputs.length + sg.outputs.length);
  assert.deepEqual(g.nodes.slice(0, sg.operators.length).map((n) => n.op), sg.operators.map((o) => o.opcode));
  assert.ok(g.edges.length >= sg.operators.length);
  const byName = new Map(g.values.map((v) => [v.name, v]));
  for (const op of sg.operators) {
    for (const i of op.inputs.filter((i) => i >= 0)) {
      const t = sg.tensors[i];
      assert.deepEqual(byName.get(t.name)?.shape, [...t.shape]);
      assert.equal(byName.get(t.name)?.dtype, t.type.toLowerCase());
      assert.equal(!!byName.get(t.name)?.constant, !!t.data?.length);
    }
  }
});

test('inferred shapes sent after the graph give the values shape inference found', () => {
  const file = path.join(SHARED, 'squeezenet1_1.onnx');
  const opened = openModel(file);
  const g = decodeGraph(opened.graph);
  const unknown = g.values.filter((v) => !v.shape).length;
  assert.ok(unknown > 10, 'the file declares few intermediate shapes');
  const update = opened.shapes();
  assert.ok(update);
  applyShapes(g.values, update.shapes);
  const model = readModelFile(file);
  completeShapes(model, new Map());
  const expected = valuesOf(model.graph, g.values.map((v) => v.name));
  assert.deepEqual(g.values.map((v) => [v.name, v.dtype, v.shape]), expected.map((v) => [v.name, v.dtype, v.shape]));
  assert.ok(g.values.every((v) => v.shape), 'every shape is known after inference');
  // symbolic dims survive the trip
  const s = encodeShapes([{ name: 'x', dtype: 'float32', shape: ['N', 3, '?'] }, { name: 'y' }]);
  const vs = [{ name: 'x' }, { name: 'y', dtype: 'int8', shape: [1] }] as ViewGraph['values'];
  applyShapes(vs, s);
  assert.deepEqual(vs, [{ name: 'x', dtype: 'float32', shape: ['N', 3, '?'] }, { name: 'y', dtype: undefined, shape: undefined }]);
});

test('packed integers come back exactly and travel through JSON as they are', () => {
  const xs = [0, 1, 31, 32, 33, 1023, 1024, 1025, 32767, 32768, 65535, 1e6, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER];
  const s = packInts(xs);
  assert.deepEqual([...unpackInts(s)], xs);
  assert.equal(JSON.stringify(s), `"${s}"`, 'nothing in it needs escaping');
  assert.ok([...s].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) < 0x7f));
  const random = Array.from({ length: 5000 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** (i % 40)));
  assert.deepEqual([...unpackInts(packInts(random))], random);
  assert.equal(unpackInts('').length, 0);
});

test('a value looked up by name before the values are decoded is the one they decode to', () => {
  const model = syntheticModel(2, 3);
  model.graph.inputs[0].shape = ['batch', 64, 56, 56];
  model.graph.values.set('input', { name: 'input', dtype: 'float32', shape: ['batch', 64, 56, 56] });
  const w = onnxWireGraph(model, 'm.onnx').graph;
  const names = decodeGraph(w).values.map((v) => v.name);
  for (const name of [...names, 'no such tensor']) {
    const g = decodeGraph(w);
    const early = valueNamed(g, name);
    assert.deepEqual(early, g.values.find((v) => v.name === name), name);
    assert.deepEqual(valueNamed(g, name), early, `${name} after decoding`);
  }
  assert.deepEqual(valueNamed(decodeGraph(w), 'input'), { name: 'input', dtype: 'float32', shape: ['batch', 64, 56, 56] });
  assert.equal(valueNamed(decodeGraph(w), 'w')?.constant, true);
});

test('a finished graph read before it is packed (builtView) is the graph its packed form decodes to', () => {
  const synthetic = syntheticModel(2, 3);
  synthetic.graph.inputs[0].shape = ['batch', 64, 56, 56];
  synthetic.graph.values.set('input', { name: 'input', dtype: 'float32', shape: ['batch', 64, 56, 56] });
  const files = fs.readdirSync(SHARED).filter((f) => f.endsWith('.onnx')).map((f) => path.join(SHARED, f));
  const finished = [...files.map((f) => leanOpen(f)!), onnxWireGraph(synthetic, 'm.onnx', 'a note')];
  assert.ok(finished.length >= 6 && finished.every(Boolean));
  for (const f of finished) {
    assert.equal(isPacked(f), false, 'not packed until its graph is read');
    const early = builtView(f);
    assert.deepEqual(valueNamed(early, early.values[0].name), early.values[0]);
    assert.equal(isPacked(f), false, 'reading the graph this way packs nothing');
    const packed = decodeGraph(JSON.parse(JSON.stringify(f.graph)));
    assert.equal(isPacked(f), true);
    assert.deepEqual(plain(early), plain(packed), f.graph.file);
    assert.equal(early.note, packed.note);
    assert.deepEqual(plain(builtView(f)), plain(packed), 'once packed, from the packed graph');
  }
});
