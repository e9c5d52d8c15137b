// Fused activations only go where LiteRT runs them. A grouped Conv (SPLIT + CONV_2D per group + CONCATENATION, the
// pattern of torchvision's RegNet) followed by a ReLU used to get the ReLU fused into the CONCATENATION, which
// LiteRT's builtin kernel refuses to prepare (concatenation.cc: params->activation != kTfLiteActNone; XNNPack hid it
// for up to a few inputs). The activation now goes into each group's CONV_2D.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { toNumbers } from '../../src/ir/tensor';
import { quantizeFp16, quantizeDynamic } from '../../src/quantize/weights';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

function groupedConvRelu(groups: number, act: 'Relu' | 'Clip') {
  const c = groups * 2;
  return buildModel({
    inputs: [['x', 'float32', [1, c, 6, 6]]], outputs: ['y'], opset: 13,
    nodes: [node('Conv', ['x', 'w', 'b'], ['c'], { group: groups, pads: [1, 1, 1, 1], kernel_shape: [3, 3] }),
      act === 'Relu' ? node('Relu', ['c'], ['y']) : node('Clip', ['c', 'lo', 'hi'], ['y'])],
    initializers: [tensor('w', 'float32', [c, 2, 3, 3], seq(c * 18, (i) => Math.sin(i * 0.37))),
      tensor('b', 'float32', [c], seq(c, (i) => (i % 3) / 4 - 0.25)), tensor('lo', 'float32', [], [0]), tensor('hi', 'float32', [], [6])],
  });
}

for (const groups of [3, 8, 24]) {
  for (const act of ['Relu', 'Clip'] as const) {
    for (const mode of ['float32', 'fp16', 'dynamic'] as const) {
      test(`grouped Conv (${groups} groups) + ${act}, ${mode}: no fused activation on CONCATENATION, runs on LiteRT and matches`, async () => {
        const model = groupedConvRelu(groups, act);
        let r = convertModel(model);
        if (mode === 'fp16') r = quantizeFp16(r);
        if (mode === 'dynamic') r = quantizeDynamic(r);
        for (const op of r.model.subgraphs[0].operators) {
          if (op.opcode === 'CONCATENATION') assert.equal(op.options?.fusedActivationFunction ?? 'NONE', 'NONE');
          assert.ok(op.opcode !== 'RELU' && op.opcode !== 'RELU6', 'the activation should be fused into the per-group CONV_2Ds');
        }
        const x = tensor('x', 'float32', [1, groups * 2, 6, 6], seq(groups * 72, (i) => Math.cos(i * 1.1) * 2));
        const want = toNumbers((await runOnnx(encodeModel(model), [x])).get('y')!);
        const lite = await openConverted(serializeTflite(r.model));
        try {
          const got = toNumbers((await lite.run([x])).get('y')!);
          const tol = mode === 'float32' ? 1e-4 : 5e-2;
          want.forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= tol * (1 + Math.abs(v)), `element ${i}: ${got[i]} vs ${v}`));
        } finally {
          lite.close();
        }
      });
    }
  }
}
