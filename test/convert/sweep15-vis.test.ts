// Fifteenth vision sweep (docs/model-sweep.md, scripts/export/sweep15_vis*.py): each test holds a fix the sweep
// needed, on a graph built here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node } from '../../src/onnx/builder';
import { convertModel } from '../../src/convert/convert';

test('LPRNet\'s nn.MaxPool3d over a 4-D input (torch 1.13 writes a 3-D window on it) is refused at the pool, saying why', () => {
  // kernel_shape [1, 3, 3] / strides [2, 1, 2] on [1, 8, 10, 12]: onnxruntime refuses the file ("Attribute strides has
  // incorrect size"). Was a refusal at the next Conv: "has dynamic dims [1, 68, unk_0, 83] ... sized by values
  // computed at run time", which blamed the wrong node for the wrong reason.
  const model = buildModel({
    inputs: [['x', 'float32', [1, 8, 10, 12]]], outputs: [['y', 'float32', [1, 4, 6, 6]]],
    nodes: [node('MaxPool', ['x'], ['p'], { kernel_shape: [1, 3, 3], strides: [2, 1, 2], pads: [0, 0, 0, 0, 0, 0] }), node('Relu', ['p'], ['y'])],
  });
  assert.throws(() => convertModel(model), (e: Error) => {
    assert.match(e.message, /MaxPool/);
    assert.match(e.message, /a 3-D window \(kernel_shape \[1,3,3\]\) over a 4-D input.*\(the model is invalid there/);
    return true;
  });
});
