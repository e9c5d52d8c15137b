// The graph's wire form (src/graph-wire.ts): what the webview decodes is exactly the graph the host built, for every
// shared model, a .tflite and a generated graph; inferred shapes sent afterwards land on the right values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readModelFile } from '../../src/onnx/reader';
import { parseTflite } from '../../src/tflite/reader';
import { onnxViewGraph, valuesOf } from '../../src/worker/view-graph';
import { tfliteViewGraph } from '../../src/worker/view-graph-tflite';
import { completeShapes } from '../../src/worker/features';
import { openModel } from '../../src/worker/model-service';
import { applyShapes, decodeGraph, encodeGraph, encodeShapes } from '../../src/graph-wire';
import type { ViewGraph } from '../../src/protocol';
import { ROOT } from './harness';
import { syntheticModel } from './synthetic';

const SHARED = path.resolve(ROOT, '../shared/models');

/** The graph as JSON would carry it (undefined fields dropped, constant only when true). */
function plain(g: ViewGraph): unknown {
  return JSON.parse(JSON.stringify({ ...g, values: g.values.map((v) => ({ ...v, constant: v.constant || undefined })) }));
}

test('every shared model, a .tflite and a generated graph decode to the graph that was encoded', () => {
  const models = fs.readdirSync(SHARED).filter((f) => f.endsWith('.onnx')).map((f) => path.join(SHARED, f));
  assert.ok(models.length >= 5);
  for (const file of models) {
    const g = onnxViewGraph(readModelFile(file), path.basename(file), 'a note');
    assert.deepEqual(plain(decodeGraph(JSON.parse(JSON.stringify(encodeGraph(g))))), plain(g), file);
  }
  const tfl = tfliteViewGraph(parseTflite(fs.readFileSync(path.join(ROOT, 'samples/tinycnn.tflite'))), 'tinycnn.tflite');
  assert.deepEqual(plain(decodeGraph(encodeGraph(tfl))), plain(tfl));
  const synthetic = syntheticModel(2, 3);
  synthetic.graph.inputs[0].shape = ['batch', 64, 56, 56];
  synthetic.graph.values.set('input', { name: 'input', dtype: 'float32', shape: ['batch', 64, 56, 56] });
  synthetic.graph.nodes[1].attrs.set('mode', { type: 'string', value: 'a\u0000b "c"' });
  const sg = onnxViewGraph(synthetic, 'synthetic.onnx');
  assert.deepEqual(plain(decodeGraph(encodeGraph(sg))), plain(sg));
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
