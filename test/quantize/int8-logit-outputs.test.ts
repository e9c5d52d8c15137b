// A classifier's scores stay float32 in int8 models (int8-logit-outputs.ts): int8 gives the logits one step over every
// class, so two classes closer than a step tie and the arg-max takes the first (a GTSRB CNN: 8 of 170 signs changed
// class while the output cosine read 0.9998). The graphs here have two classes whose logits always differ by 0.05
// (the same weights, biases 0 and 0.05) beside a class at −250× their scale, which widens the int8 step to ~1.
// The int8 pass does not apply the rule (int8-float-islands.ts: a float32 head on int8-stored weights moved logits in
// the hundreds); what is tested here is which layers it takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { logitOutputOps } from '../../src/quantize/int8-logit-outputs';
import { convertModel } from '../../src/convert/convert';
import { decodeModel } from '../../src/onnx/reader';
import { rng } from './helpers';

/** x [1, 3, 8, 8] → conv 3→4 → Relu → global mean → Flatten → Gemm 4→3 (→ Softmax, or → Relu → Gemm 3→3 when `hidden`,
 *  or → Relu → Gemm 3→1000 → Relu → Gemm 1000→300 when `wide`: 300,000 weights). */
function classifier(end: 'logits' | 'softmax' | 'hidden' | 'wide'): Uint8Array {
  const r = rng(3);
  const w = [1, 0.5, 0.8, 0.3];
  const head = end === 'softmax' ? [node('Gemm', ['f', 'wf', 'bf'], ['z'], { transB: 1 }), node('Softmax', ['z'], ['y'], { axis: 1 })]
    : end === 'hidden' ? [node('Gemm', ['f', 'wf', 'bf'], ['z'], { transB: 1 }), node('Relu', ['z'], ['zr']), node('Gemm', ['zr', 'wh', 'bh'], ['y'], { transB: 1 })]
      : end === 'wide' ? [node('Gemm', ['f', 'wf', 'bf'], ['z'], { transB: 1 }), node('Relu', ['z'], ['zr']), node('Gemm', ['zr', 'w1k', 'b1k'], ['k'], { transB: 1 }),
        node('Relu', ['k'], ['kr']), node('Gemm', ['kr', 'w300', 'b300'], ['y'], { transB: 1 })]
      : [node('Gemm', ['f', 'wf', 'bf'], ['y'], { transB: 1 })];
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 3, 8, 8]]], outputs: ['y'], opset: 13,
    nodes: [node('Conv', ['x', 'wc', 'bc'], ['h'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), node('Relu', ['h'], ['a']),
      node('GlobalAveragePool', ['a'], ['p']), node('Flatten', ['p'], ['f'], { axis: 1 }), ...head],
    initializers: [tensor('wc', 'float32', [4, 3, 3, 3], Array.from({ length: 108 }, () => r() * 0.4)), tensor('bc', 'float32', [4], [0.1, 0.1, 0.1, 0.1]),
      tensor('wf', 'float32', [3, 4], [...w, ...w, ...w.map((v) => -250 * v)]), tensor('bf', 'float32', [3], [0, 0.05, 0]),
      tensor('wh', 'float32', [3, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1]), tensor('bh', 'float32', [3], [0, 0, 0]),
      ...(end === 'wide' ? [tensor('w1k', 'float32', [1000, 3], Array(3000).fill(0.01)), tensor('b1k', 'float32', [1000], Array(1000).fill(0)),
        tensor('w300', 'float32', [300, 1000], Array(300000).fill(0.001)), tensor('b300', 'float32', [300], Array(300).fill(0))] : [])],
  }));
}

test('only the last layer, and not a wide one: a FULLY_CONNECTED computed on further, or of more than 1 MiB of float weights, is not taken', () => {
  const sg = convertModel(decodeModel(classifier('hidden'))).model.subgraphs[0];
  const taken = [...logitOutputOps(sg)];
  const fcs = sg.operators.map((o, k) => (o.opcode === 'FULLY_CONNECTED' ? k : -1)).filter((k) => k >= 0);
  assert.equal(fcs.length, 2);
  assert.deepEqual(taken, [fcs[1]]);
  // A head whose float weights would take more than 1 MiB at run time (300,000 here; an ImageNet head's 1.28 M) stays
  // int8: the DEQUANTIZE'd copy would outgrow a microcontroller's int8 arena (mobilenet_v2: 2.6 MB → 7.7 MB).
  assert.equal(logitOutputOps(convertModel(decodeModel(classifier('wide'))).model.subgraphs[0]).size, 0);
});
