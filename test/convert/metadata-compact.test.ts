// The `onnx2lite` metadata entry is written without each entry's producing `node` (fr_age int8: 1,245 of its 4,503
// metadata bytes, which held the file at 35.4% of float32 over the 35% bar); readers take the producer from the ONNX
// model (`withProducers`): compare's layers are named by their ONNX nodes as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { convertModel } from '../../src/convert/convert';
import { withProducers, type OnnxLiteMetadata } from '../../src/convert/metadata';
import { makeSide } from '../../src/compare/sides';
import { rng } from '../quantize/helpers';

function model() {
  const r = rng(2);
  const w = (n: number) => Array.from({ length: n }, () => r() - 0.5);
  return buildModel({
    inputs: [['x', 'float32', [1, 3, 8, 8]]], outputs: [['y', 'float32', [1, 4, 8, 8]]],
    initializers: [tensor('w', 'float32', [4, 3, 3, 3], w(108)), tensor('b', 'float32', [4], w(4))],
    nodes: [node('Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 1, 1, 1] }, 'conv'), node('Relu', ['c'], ['r'], {}, 'relu'),
      node('Sigmoid', ['r'], ['y'], {}, 'sig')],
  });
}

test('the metadata in the file has no node fields; the in-memory one and compare\'s sides name the producers', () => {
  const m = model();
  const c = convertModel(m);
  const file = JSON.parse(new TextDecoder().decode(c.model.metadata.get('onnx2lite')!)) as OnnxLiteMetadata;
  const all = [...file.inputs, ...file.outputs, ...file.tensors];
  assert.ok(all.length >= 3);
  assert.deepEqual(all.filter((e) => 'node' in e), [], 'no entry carries node');
  // The in-memory metadata (quantization passes read it) keeps the producers.
  assert.equal(c.metadata.tensors.find((e) => e.onnx === 'r')?.node, 'relu');
  // withProducers puts them back from the ONNX graph; compare's side maps each computed value to its node.
  const back = withProducers(file, m.graph);
  assert.equal(back.outputs[0].node, 'sig');
  assert.equal(back.inputs[0].node, undefined, 'a graph input has no producer');
  const side = makeSide('t', c.model, m.graph);
  assert.equal(side.layers.get('r')?.node, 'relu');
  assert.ok(!side.layers.has('x'), 'the input is no layer');
});
