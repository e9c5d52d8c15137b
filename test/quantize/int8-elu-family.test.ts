// int8: Selu, Elu (alpha != 1) and Celu run in int8 (convert/ops/_elu.ts: written around TFLite's ELU, which has an
// int8 kernel). Written out with EXP they were float32 islands (DEQUANTIZE / EXP / QUANTIZE) between int8 convs: a
// SELU CNN (CIFAR-100, s28-trained11) ran int8 no faster than float32. Real LiteRT against onnxruntime-node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { convertModel } from '../../src/convert/convert';
import { decodeModel } from '../../src/onnx/reader';
import { runOnnx } from '../../src/runtime/ort';
import { cosine, floats, innerFloatActivations, relMaxDiff, rng, runFirstOutput } from './helpers';

/** Conv → Selu → Conv → Elu(0.5) → Conv → Celu(1.5) → GlobalAveragePool → Flatten → Gemm, [1, 3, 16, 16] → [1, 10]. */
function eluCnn(): Uint8Array {
  const r = rng(29);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 3, 16, 16]]], outputs: [['y', 'float32', [1, 10]]], opset: 13,
    initializers: [
      tensor('w1', 'float32', [8, 3, 3, 3], w(216, 0.9)), tensor('b1', 'float32', [8], w(8, 0.4)),
      tensor('w2', 'float32', [8, 8, 3, 3], w(576, 0.5)), tensor('b2', 'float32', [8], w(8, 0.4)),
      tensor('w3', 'float32', [8, 8, 3, 3], w(576, 0.5)), tensor('b3', 'float32', [8], w(8, 0.4)),
      tensor('w4', 'float32', [10, 8], w(80, 1)), tensor('b4', 'float32', [10], w(10, 0.2)),
    ],
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c1'], { pads: [1, 1, 1, 1] }), node('Selu', ['c1'], ['s1']),
      node('Conv', ['s1', 'w2', 'b2'], ['c2'], { pads: [1, 1, 1, 1] }), node('Elu', ['c2'], ['s2'], { alpha: 0.5 }),
      node('Conv', ['s2', 'w3', 'b3'], ['c3'], { pads: [1, 1, 1, 1] }), node('Celu', ['c3'], ['s3'], { alpha: 1.5 }),
      node('GlobalAveragePool', ['s3'], ['g']), node('Flatten', ['g'], ['f']),
      node('Gemm', ['f', 'w4', 'b4'], ['y'], { transB: 1 }),
    ],
  }));
}

const inputs = (seed: number) => {
  const r = rng(seed);
  return [tensor('x', 'float32', [1, 3, 16, 16], Array.from({ length: 768 }, r))];
};

test('Selu, Elu and Celu convert around ELU, without EXP, within 1e-5 of onnxruntime in float32', async () => {
  const bytes = eluCnn();
  const { model } = convertModel(decodeModel(bytes));
  const ops = model.subgraphs[0].operators.map((o) => o.opcode);
  assert.ok(!ops.includes('EXP'), ops.join(' '));
  assert.equal(ops.filter((o) => o === 'ELU').length, 3, ops.join(' '));
  for (let s = 0; s < 3; s++) {
    const x = inputs(40 + s);
    const want = floats((await runOnnx(bytes, x)).get('y')!);
    const got = await runFirstOutput(model, x);
    assert.ok(relMaxDiff(got, want) < 1e-5, `rel ${relMaxDiff(got, want)}`);
  }
});

test('int8: Selu, Elu and Celu run in int8 (no float32 island), close to onnxruntime', async () => {
  const bytes = eluCnn();
  const { result } = await quantizeModelBytes(bytes, 'elu.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true, weightRounding: 'nearest' });
  const sg = result.model.subgraphs[0];
  const elus = sg.operators.filter((o) => o.opcode === 'ELU');
  assert.equal(elus.length, 3);
  for (const op of elus) assert.equal(sg.tensors[op.inputs[0]].type, 'INT8', 'ELU reads int8');
  // Before: each EXP behind a DEQUANTIZE, with its SUB / MUL / ADD float32 around it.
  assert.deepEqual(innerFloatActivations(result.model), []);
  assert.ok(!sg.operators.some((o) => o.opcode === 'DEQUANTIZE' && sg.tensors[o.outputs[0]].type === 'FLOAT32' && !sg.outputs.includes(o.outputs[0])));
  let worst = 1;
  for (let s = 0; s < 4; s++) {
    const x = inputs(50 + s);
    worst = Math.min(worst, cosine(await runFirstOutput(result.model, x), floats((await runOnnx(bytes, x)).get('y')!)));
  }
  assert.ok(worst > 0.995, `output cosine ${worst}`);
});
