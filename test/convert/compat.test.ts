// The compatibility analysis reads the converter's registry and its real conversion: marks agree with convert.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModelFile } from '../../src/onnx/reader';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { analyzeCompatibility } from '../../src/convert/compat';
import { convertModel } from '../../src/convert/convert';

test('a shared CNN is all builtin, and each node lists the TFLite ops it really became', () => {
  const r = analyzeCompatibility(readModelFile('../shared/models/squeezenet1_1.onnx'));
  assert.equal(r.summary.unsupported, 0);
  assert.equal(r.summary.builtin, r.summary.total);
  const conv = r.nodes.find((n) => n.opType === 'Conv')!;
  assert.deepEqual(conv.emits, ['CONV_2D']);
  const relu = r.nodes.find((n) => n.opType === 'Relu')!;
  assert.equal(relu.folded, true, 'Relu is fused into the conv before it');
});

test('unsupported, Flex-only and dynamic-dim problems come with reasons and fixes', () => {
  const m = buildModel({
    inputs: [['x', 'float32', ['batch', 4]]], outputs: ['y', 'z'],
    nodes: [
      node('Relu', ['x'], ['r'], {}, 'relu'),
      node('Einsum', ['r', 'r'], ['y'], { equation: 'ij,ij->ij' }, 'einsum'),
      node('Pad', ['r', 'pads'], ['z'], { mode: 'edge' }, 'edge_pad'),
    ],
    initializers: [tensor('pads', 'int64', [4], [0, 1, 0, 1])],
  });
  const r = analyzeCompatibility(m, { fixStyle: 'vscode' });
  assert.equal(r.modelIssues.length, 1);
  assert.match(r.modelIssues[0].message, /`batch`.*x/);
  assert.match(r.modelIssues[0].fix!, /onnx2lite\.inputShapes/);
  const einsum = r.nodes.find((n) => n.node === 'einsum')!;
  assert.equal(einsum.status, 'flex');
  assert.match(einsum.reason!, /Flex/);
  const pad = r.nodes.find((n) => n.node === 'edge_pad')!;
  assert.equal(pad.status, 'unsupported');
  assert.match(pad.reason!, /mode=edge/);
  assert.equal(r.summary.flex, 1);
});

test('a node the registry accepts but the real conversion refuses is marked unsupported (marks never disagree)', () => {
  const m = buildModel({
    inputs: [['x', 'float32', [1, 4]]], outputs: ['y'],
    nodes: [node('Relu', ['x'], ['y'], {}, 'relu')],
  });
  const r = analyzeCompatibility(m);
  assert.equal(r.summary.unsupported, 0);
  assert.doesNotThrow(() => convertModel(m));
  const bad = buildModel({
    inputs: [['x', 'float32', [1, 2, 8, 8]]], outputs: ['y'],
    nodes: [node('Pad', ['x', 'pads'], ['y'], { mode: 'wrap' }, 'wrap_pad')],
    initializers: [tensor('pads', 'int64', [8], [0, 0, 1, 1, 0, 0, 1, 1])],
  });
  const rb = analyzeCompatibility(bad);
  assert.equal(rb.nodes[0].status, 'unsupported');
  assert.throws(() => convertModel(bad), /wrap_pad/);
});
