// A MatMul whose contracted dims are both known and differ is a model onnxruntime refuses to load: convert says so
// at the MatMul instead of naming a later node whose shape is unknown (twenty-fifth sweep, Timer-XL exported by
// torch 1.13: `x.unfold(-1, 16, 16)` stacks its windows on the wrong axis and the patch embedding's Linear meets
// [1, 4, 16, 6] · [16, 64]).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { convertModel } from '../../src/convert/convert';

function unfoldThenLinear(windows: number[]) {
  return buildModel({
    inputs: [['x', 'float32', [1, 4, 96]]],
    outputs: ['y'],
    initializers: [
      ...Array.from({ length: 6 }, (_, i) => [
        tensor(`s${i}`, 'int64', [1], [16 * i]), tensor(`e${i}`, 'int64', [1], [16 * i + 16]),
      ]).flat(),
      tensor('axis', 'int64', [1], [-1]), tensor('at', 'int64', [1], windows),
      tensor('w', 'float32', [16, 8], Array.from({ length: 128 }, (_, i) => i / 128)),
      tensor('shape', 'int64', [3], [1, 24, -1]),
    ],
    nodes: [
      ...Array.from({ length: 6 }, (_, i) => [
        node('Slice', ['x', `s${i}`, `e${i}`, 'axis'], [`p${i}`]), node('Unsqueeze', [`p${i}`, 'at'], [`u${i}`]),
      ]).flat(),
      node('Concat', ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'], ['patches'], { axis: windows[0] }),
      node('MatMul', ['patches', 'w'], ['emb'], {}, 'emb/MatMul'),
      node('Reshape', ['emb', 'shape'], ['y'], {}, 'Reshape'),
    ],
  });
}

test('a MatMul of [1, 4, 16, 6] by [16, 8] (torch 1.13\'s unfold(-1) into a Linear) is refused at the MatMul, saying why', () => {
  // Was "node Reshape: the shape of "y" is unknown", naming neither the MatMul nor that the file itself is wrong.
  assert.throws(() => convertModel(unfoldThenLinear([-1])),
    /emb\/MatMul.*cannot multiply \[1,4,16,6\] by \[16,8\]: the contracted dims 6 and 16 differ \(the model is invalid there/);
});

test('the same windows stacked on the right axis ([1, 4, 6, 16]) convert', () => {
  const r = convertModel(unfoldThenLinear([-2]));
  assert.ok(r.opHistogram.FULLY_CONNECTED || r.opHistogram.BATCH_MATMUL);
});

test('a model refused at another node says where it is invalid too', () => {
  // torch 1.13's NSA export: a MatMul contracting 3 against 64, then a list op its wrong shapes left unfolded; the
  // refusal named only the list op ("SequenceEmpty has no TFLite builtin equivalent") of a file onnxruntime refuses.
  const model = buildModel({
    inputs: [['m', 'float32', [5, 5]], ['x', 'float32', [1, 4, 6]]],
    outputs: ['d', 'y'],
    initializers: [tensor('w', 'float32', [16, 8], Array.from({ length: 128 }, (_, i) => i / 128))],
    nodes: [node('Det', ['m'], ['d'], {}, 'det'), node('MatMul', ['x', 'w'], ['y'], {}, 'bad/MatMul')],
  });
  assert.throws(() => convertModel(model),
    /node det: .*\(and the model is invalid at node bad\/MatMul: cannot multiply \[1,4,6\] by \[16,8\]: the contracted dims 6 and 16 differ; onnxruntime cannot run it either\)/);
});
