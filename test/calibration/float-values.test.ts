// The float model's intermediate values read on LiteRT (src/calibration/float-values.ts): a graph input among the
// tensors comes from the sample, and a model with control-flow subgraphs keeps them in the debug copy (the ranges
// reader dropped every subgraph but the first: LiteRT could not run an IF whose branches were gone).
import test from 'node:test';
import assert from 'node:assert/strict';
import { buildGraph, buildModel, node } from '../../src/onnx/builder';
import { convertModel } from '../../src/convert/convert';
import { readFloatValues } from '../../src/calibration/float-values';

test('float values of an IF model: the main graph tensor before the IF, the input from the sample', async () => {
  const thenG = buildGraph({ name: 'then', inputs: [], outputs: [['t', 'float32', [1, 4]]], nodes: [node('Tanh', ['h'], ['t'])] });
  const elseG = buildGraph({ name: 'else', inputs: [], outputs: [['e', 'float32', [1, 4]]], nodes: [node('Neg', ['h'], ['e'])] });
  const model = buildModel({
    inputs: [['x', 'float32', [1, 4]], ['c', 'bool', []]],
    outputs: [['y', 'float32', [1, 4]]],
    nodes: [node('Relu', ['x'], ['h']), node('If', ['c'], ['y'], { then_branch: thenG, else_branch: elseG })],
  });
  const result = convertModel(model, {});
  assert.ok(result.model.subgraphs.length >= 3, 'the IF keeps its branches as subgraphs');
  const sg = result.model.subgraphs[0];
  const relu = sg.operators.find((op) => op.opcode === 'RELU')!;
  const h = relu.outputs[0];
  const x = sg.inputs[0];
  const xs = [Float32Array.from([-1, 2, -3, 4]), Float32Array.from([5, -6, 7, -8])];
  const seen: Array<[number[], number[]]> = [];
  await readFloatValues(result, [h, x], xs.map((d) => [
    { name: 'x', dtype: 'float32', dims: [1, 4], data: d },
    { name: 'c', dtype: 'bool', dims: [], data: Uint8Array.from([1]) },
  ]), (values) => seen.push([Array.from(values.get(h)!), Array.from(values.get(x)!)]));
  assert.deepEqual(seen, [[[0, 2, 0, 4], [-1, 2, -3, 4]], [[5, 0, 7, 0], [5, -6, 7, -8]]]);
});
