import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModelFile } from '../../src/onnx/reader';

test('reads a shared model', () => {
  const m = readModelFile('../shared/models/squeezenet1_1.onnx');
  assert.equal(m.graph.nodes.length, 83);
  assert.equal(m.opsets.get(''), 13);
});
