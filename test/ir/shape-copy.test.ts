// Analyzing or converting a model never changes the Model object the caller holds: the compatibility view and
// convert infer shapes on their own copy (src/ir/shape-copy.ts). Before, the analysis wrote inferred shapes into the
// caller's graph, and converting that same object afterwards made models XNNPack could not run (window-function
// node tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { analyzeCompatibility } from '../../src/convert/compat';
import { convertModel } from '../../src/convert/convert';
import { readModelFile } from '../../src/onnx/reader';
import { serializeTflite } from '../../src/tflite/writer';
import type { Model } from '../../src/ir/types';

const NODE = '/usr/share/libonnx-testdata/data/node';
const snapshot = (m: Model): string => JSON.stringify({
  inputs: m.graph.inputs, outputs: m.graph.outputs, values: [...m.graph.values],
}, (_k, v) => (typeof v === 'bigint' ? String(v) : v));

for (const file of [`${NODE}/test_hannwindow_expanded/model.onnx`, '../shared/models/lstm_small.onnx']) {
  test(`analyze then convert the same object: ${file.split('/').slice(-2).join('/')}`, { skip: !fs.existsSync(file) && 'material not installed' }, () => {
    const model = readModelFile(file);
    const before = snapshot(model);
    analyzeCompatibility(model);
    assert.equal(snapshot(model), before, 'analyzeCompatibility left the caller\'s graph as it was read');
    const again = serializeTflite(convertModel(model).model);
    assert.equal(snapshot(model), before, 'convertModel left the caller\'s graph as it was read');
    const fresh = serializeTflite(convertModel(readModelFile(file)).model);
    assert.deepEqual(again, fresh, 'converting the analyzed object gives the bytes of a fresh read');
  });
}
